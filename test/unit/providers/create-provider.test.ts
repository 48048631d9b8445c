import {describe, expect, test} from 'vitest';
import {UsageError} from '../../../src/errors.ts';
import {silentLogger} from '../../../src/log.ts';
import {createProvider} from '../../../src/providers/create-provider.ts';
import {usdPerVideoSecond} from '../../../src/providers/usd-per-video-second.ts';

const base = {logger: silentLogger(), env: {}, client: {dailyQuota: false as const}};

describe('createProvider: what would fail after the frame pass fails before it, nothing sent', () => {
  test('fal without an upload hook names `upload`; with one it is built', async () => {
    expect(() => createProvider('fal', {...base, apiKey: 'k', hasUpload: false})).toThrow(UsageError);
    expect(() => createProvider('fal', {...base, apiKey: 'k', hasUpload: false})).toThrow(/`upload`/);
    const fal = createProvider('fal', {...base, apiKey: 'k', hasUpload: true});
    expect(fal.name).toBe('fal');
    await fal.close();
  });

  test('no key names the host’s variable; a Replicate webhook needs its whsec_ secret', async () => {
    const saved = process.env.REPLICATE_API_TOKEN;
    delete process.env.REPLICATE_API_TOKEN;
    try {
      expect(() => createProvider('replicate', {...base, hasUpload: false})).toThrow(/REPLICATE_API_TOKEN/);
    } finally {
      if (saved !== undefined) process.env.REPLICATE_API_TOKEN = saved;
    }
    expect(() =>
      createProvider('replicate', {
        ...base,
        apiKey: 'r8',
        hasUpload: false,
        webhook: {url: 'https://hooks.test/r'},
      }),
    ).toThrow(/REPLICATE_WEBHOOK_SECRET/);
    const piapi = createProvider('piapi', {
      ...base,
      apiKey: 'pk',
      hasUpload: false,
      webhook: {url: 'https://hooks.test/p'},
    });
    expect(piapi.name).toBe('piapi');
    await piapi.close();
  });

  test('the price per video-second of each host; --max-cost with a GPU-time host is refused', () => {
    const prices = Object.fromEntries(
      ['qubico', 'piapi', 'fal', 'replicate', 'offline'].map((n) => [n, usdPerVideoSecond(n, null)]),
    );
    console.log('USD per video-second:', prices);
    expect(prices).toEqual({qubico: 0.05, piapi: 0.0005, fal: 0.001, replicate: 0, offline: 0.05});
    expect(() => usdPerVideoSecond('replicate', 1)).toThrow(/GPU time/);
  });
});
