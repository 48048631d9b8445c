import {MockAgent} from 'undici';
import {afterEach, describe, expect, test} from 'vitest';
import {createRequestLimiter} from '../../../../src/api/create-request-limiter.ts';
import {BadRequestError, SubmitOutcomeUnknownError} from '../../../../src/api/errors.ts';
import {createTransport, type RequestSpec} from '../../../../src/api/transport.ts';
import {silentLogger} from '../../../../src/log.ts';
import {virtualClock} from './virtual-clock.ts';

const ORIGIN = 'http://api.test';
let agent: MockAgent;

const setup = () => {
  agent = new MockAgent();
  agent.disableNetConnect();
  const clock = virtualClock();
  const closing = new AbortController();
  const transport = createTransport({
    dispatcher: agent,
    authHeaders: {'x-api-key': 'k-secret'},
    logger: silentLogger(),
    clock,
    random: () => 0.5,
    limiter: createRequestLimiter({requests: 1000, intervalMs: 60_000, clock}),
    dailyQuota: null,
    requestTimeoutMs: 5000,
    maxRetries: 3,
    retryBaseDelayMs: 1000,
    retryMaxDelayMs: 30_000,
    closing: closing.signal,
  });
  const json = (method: 'GET' | 'POST', path: string, kind: RequestSpec<unknown>['kind'], toApi = true) =>
    transport.send({
      method,
      url: `${ORIGIN}${path}`,
      kind,
      body: method === 'POST' ? '{}' : undefined,
      toApi,
      signal: new AbortController().signal,
      onResponse: async (r) => (await r.body.json()) as unknown,
    });
  return {clock, transport, json, pool: agent.get(ORIGIN)};
};

afterEach(async () => {
  await agent.close();
});

describe('createTransport over a mock dispatcher', () => {
  test('a GET answered 503 is retried; the second answer is returned', async () => {
    const {clock, transport, json, pool} = setup();
    pool.intercept({path: '/t', method: 'GET'}).reply(503, {message: 'busy'});
    pool.intercept({path: '/t', method: 'GET'}).reply(200, {ok: true});
    expect(await json('GET', '/t', 'poll')).toEqual({ok: true});
    console.log('503 then 200: backoff', clock.sleeps, 'stats', transport.stats());
    expect(transport.stats()).toMatchObject({requests: 2, polls: 2, retries: 1});
    expect(clock.sleeps).toHaveLength(1);
  });

  test('a 429 with Retry-After: 7 waits 7000 ms', async () => {
    const {clock, json, pool} = setup();
    pool
      .intercept({path: '/t', method: 'GET'})
      .reply(429, {message: 'slow down'}, {headers: {'retry-after': '7'}});
    pool.intercept({path: '/t', method: 'GET'}).reply(200, {ok: true});
    await json('GET', '/t', 'poll');
    expect(clock.sleeps).toEqual([7000]);
  });

  test('a submit answered 500 is not repeated: SubmitOutcomeUnknownError after one request', async () => {
    const {transport, json, pool} = setup();
    pool.intercept({path: '/submit', method: 'POST'}).reply(500, {message: 'oops'});
    await expect(json('POST', '/submit', 'submit')).rejects.toBeInstanceOf(SubmitOutcomeUnknownError);
    expect(transport.stats()).toMatchObject({requests: 1, submits: 1, retries: 0});
  });

  test('a submit answered 400 is a refusal, not retried', async () => {
    const {transport, json, pool} = setup();
    pool.intercept({path: '/submit', method: 'POST'}).reply(400, {message: 'bad prompt'});
    await expect(json('POST', '/submit', 'submit')).rejects.toBeInstanceOf(BadRequestError);
    expect(transport.stats().requests).toBe(1);
  });

  test('the key goes to the API origin only', async () => {
    const {json, pool} = setup();
    const seen: Array<string | undefined> = [];
    const record = (opts: {headers?: unknown}) => {
      const headers = opts.headers as Record<string, string>;
      seen.push(headers['x-api-key']);
      return {ok: true};
    };
    pool.intercept({path: '/a', method: 'GET'}).reply(200, record);
    pool.intercept({path: '/b', method: 'GET'}).reply(200, record);
    await json('GET', '/a', 'poll', true);
    await json('GET', '/b', 'download', false);
    expect(seen).toEqual(['k-secret', undefined]);
  });
});
