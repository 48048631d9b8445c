import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {MockAgent} from 'undici';
import {afterAll, afterEach, describe, expect, test} from 'vitest';
import {createRequestLimiter} from '../../../../src/api/create-request-limiter.ts';
import {createResultDownloader} from '../../../../src/api/download-result.ts';
import {InvalidResponseError, InvalidResultError, ResultRejectedError} from '../../../../src/api/errors.ts';
import {createTransport} from '../../../../src/api/transport.ts';
import {silentLogger} from '../../../../src/log.ts';
import {encodeWav} from '../../../../src/wav/wav.ts';
import {virtualClock} from './virtual-clock.ts';

const API = 'https://api.test';
const CDN = 'https://cdn.test';
const dir = mkdtempSync(path.join(os.tmpdir(), 'download-result-'));
let agent: MockAgent;

const wav = (seconds: number, sampleRate = 16_000) =>
  Buffer.from(
    encodeWav({sampleRate, channels: [new Float32Array(Math.round(seconds * sampleRate)).fill(0.25)]}),
  );

const setup = () => {
  agent = new MockAgent();
  agent.disableNetConnect();
  const clock = virtualClock();
  const closing = new AbortController();
  const logger = silentLogger();
  const transport = createTransport({
    dispatcher: agent,
    authHeaders: {'x-api-key': 'k'},
    logger,
    clock,
    random: () => 0,
    limiter: createRequestLimiter({requests: 1000, intervalMs: 60_000, clock}),
    dailyQuota: null,
    requestTimeoutMs: 5000,
    maxRetries: 2,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 1,
    closing: closing.signal,
  });
  const download = createResultDownloader({
    send: transport.send,
    baseUrl: API,
    apiOrigin: API,
    logger,
    combine: (s) => s ?? closing.signal,
  });
  return {download, api: agent.get(API), cdn: agent.get(CDN)};
};

afterEach(async () => {
  await agent.close();
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const leftovers = () => readdirSync(dir).filter((f) => f.includes('.tmp'));

describe('createResultDownloader over a mock dispatcher', () => {
  test('a redirect to an https CDN is followed by hand; the wav lands whole', async () => {
    const {download, api, cdn} = setup();
    const body = wav(2);
    api.intercept({path: '/r/1.wav'}).reply(302, '', {headers: {location: `${CDN}/signed/1.wav?token=t`}});
    cdn
      .intercept({path: '/signed/1.wav?token=t'})
      .reply(200, body, {headers: {'content-length': String(body.length)}});
    const out = path.join(dir, 'ok.wav');
    const result = await download(`${API}/r/1.wav`, out, {segmentSeconds: 2});
    expect(result.bytes).toBe(body.length);
    expect(readFileSync(out).equals(body)).toBe(true);
  });

  test('refusals leave nothing behind: http off-origin, announced oversize, not a wav, too long', async () => {
    const {download, api, cdn} = setup();
    api.intercept({path: '/r/http'}).reply(302, '', {headers: {location: 'http://cdn.test/x.wav'}});
    api.intercept({path: '/r/big'}).reply(200, 'x', {headers: {'content-length': String(500 * 1024 * 1024)}});
    cdn.intercept({path: '/not-wav'}).reply(200, Buffer.from('<html>nope</html>'));
    const long = wav(30);
    cdn.intercept({path: '/long.wav'}).reply(200, long);
    const outcomes: Record<string, string> = {};
    const attempt = async (name: string, url: string, type: new (...a: never[]) => Error) => {
      const out = path.join(dir, `${name}.wav`);
      const err = await download(url, out, {segmentSeconds: 2}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(type);
      expect(existsSync(out)).toBe(false);
      outcomes[name] = (err as Error).message;
    };
    await attempt('http-redirect', `${API}/r/http`, InvalidResponseError);
    await attempt('oversize', `${API}/r/big`, ResultRejectedError);
    await attempt('not-wav', `${CDN}/not-wav`, InvalidResultError);
    await attempt('too-long', `${CDN}/long.wav`, ResultRejectedError);
    console.table(outcomes);
    expect(leftovers()).toEqual([]);
  });
});
