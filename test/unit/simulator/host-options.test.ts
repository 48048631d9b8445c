import {afterEach, describe, expect, it} from 'vitest';
import {PROVIDERS, providerNames} from '../../../src/contract/providers.ts';
import {UsageError} from '../../../src/errors.ts';
import {HOST_LIMITS} from '../../../src/simulator/contracts/host-limits.ts';
import {normaliseSimulatorOptions} from '../../../src/simulator/normalise-options.ts';

const saved = {...process.env};
afterEach(() => {
  for (const name of providerNames) {
    const env = PROVIDERS[name].keyEnv;
    if (saved[env] === undefined) delete process.env[env];
    else process.env[env] = saved[env];
  }
});

describe('startSimulator options per host', () => {
  it("takes each host's own limits and key variable; options override them", () => {
    const rows = providerNames.map((provider) => {
      process.env[PROVIDERS[provider].keyEnv] = `key-of-${provider}`;
      const o = normaliseSimulatorOptions({provider});
      expect(o.limits).toEqual(HOST_LIMITS[provider]);
      expect(o.apiKey).toBe(`key-of-${provider}`);
      return {provider, keyEnv: PROVIDERS[provider].keyEnv, ...o.limits};
    });
    console.table(rows);
    expect(HOST_LIMITS.fal.concurrency).toBe('queue');
    expect(HOST_LIMITS.replicate.submitsPerWindow).toBe(600);
    expect(normaliseSimulatorOptions({}).provider).toBe('qubico');
    expect(
      normaliseSimulatorOptions({provider: 'fal', limits: {concurrentTasks: 4}}).limits.concurrentTasks,
    ).toBe(4);
    expect(normaliseSimulatorOptions({provider: 'piapi', apiKey: null}).apiKey).toBeNull();
  });

  it('refuses an unknown provider and a malformed whsec_ secret, naming the option', () => {
    expect(() => normaliseSimulatorOptions({provider: 'offline' as never})).toThrow(UsageError);
    expect(() => normaliseSimulatorOptions({provider: 'offline' as never})).toThrow(
      /provider must be one of qubico, piapi, fal, replicate/,
    );
    expect(() => normaliseSimulatorOptions({provider: 'replicate', webhookSigningSecret: 'plain'})).toThrow(
      /webhookSigningSecret/,
    );
    expect(
      normaliseSimulatorOptions({
        provider: 'replicate',
        webhookSigningSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      }).webhookSigningSecret,
    ).toMatch(/^whsec_/);
  });
});
