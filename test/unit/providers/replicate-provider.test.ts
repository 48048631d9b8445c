import {afterEach, describe, expect, test} from 'vitest';
import {
  AuthenticationError,
  InputValidationError,
  SubmitOutcomeUnknownError,
  TaskFailedError,
} from '../../../src/api/errors.ts';
import {createReplicateProvider} from '../../../src/providers/replicate/create-replicate-provider.ts';
import {REPLICATE_MMAUDIO_VERSION} from '../../../src/providers/replicate/replicate-schema.ts';
import {signStandardWebhook} from '../../../src/providers/verify-standard-webhook.ts';
import {fakeHost, tinyMp4Base64} from './provider-harness.ts';

const ORIGIN = 'https://replicate.test';
const SECRET = `whsec_${Buffer.from('a-signing-key-of-some-length!!').toString('base64')}`;
let host: ReturnType<typeof fakeHost>;

const make = (extra: Parameters<typeof createReplicateProvider>[0] = {}) => {
  host = fakeHost(ORIGIN);
  return createReplicateProvider({apiKey: 'r8_secret', baseUrl: ORIGIN, ...host.common, ...extra});
};

const prediction = (status: string, extra: Record<string, unknown> = {}) => ({
  id: 'p-1',
  model: 'zsxkib/mmaudio',
  version: REPLICATE_MMAUDIO_VERSION,
  status,
  input: {},
  output: null,
  error: null,
  logs: '',
  metrics: {},
  urls: {get: `${ORIGIN}/v1/predictions/p-1`, cancel: `${ORIGIN}/v1/predictions/p-1/cancel`},
  created_at: '2026-12-03T10:00:00Z',
  ...extra,
});

const input = {
  video: tinyMp4Base64(40),
  prompt: 'a crowd cheering',
  negativePrompt: 'music',
  steps: 25,
  seed: 123_456_789,
  durationInSeconds: 40,
};

afterEach(async () => {
  await host.agent.close();
});

describe('Replicate provider against a fake transport', () => {
  test('submit: pinned version, the input (video as a data URI, duration = the segment), webhook for completed', async () => {
    const provider = make({webhook: {url: 'https://hooks.test/replicate', secret: SECRET}});
    host.on('POST', '/v1/predictions', 201, prediction('starting'));
    const created = await provider.submit(input);
    const sent = host.bodies[0] as {input: Record<string, unknown>};
    console.log(
      'Replicate submit body fields:',
      Object.keys(sent).join(', '),
      '| input:',
      Object.keys(sent.input).join(', '),
    );
    expect(sent).toEqual({
      version: REPLICATE_MMAUDIO_VERSION,
      input: {
        video: `data:video/mp4;base64,${input.video}`,
        prompt: 'a crowd cheering',
        negative_prompt: 'music',
        duration: 40,
        num_steps: 25,
        seed: 123_456_789,
      },
      webhook: 'https://hooks.test/replicate',
      webhook_events_filter: ['completed'],
    });
    expect(host.headers[0].authorization).toBe('Bearer r8_secret');
    expect(created).toMatchObject({taskId: 'p-1', phase: 'running'});
  });

  test('starting, processing, succeeded: the output URL and the GPU time', async () => {
    const provider = make();
    const seen: string[] = [];
    host.on('GET', '/v1/predictions/p-1', 200, prediction('starting'));
    host.on('GET', '/v1/predictions/p-1', 200, prediction('processing'));
    host.on(
      'GET',
      '/v1/predictions/p-1',
      200,
      prediction('succeeded', {
        output: 'https://replicate.delivery/x/out.mp4',
        metrics: {predict_time: 21.5},
      }),
    );
    const done = await provider.waitForTask('p-1', {onUpdate: (t) => seen.push(`${t.status}→${t.phase}`)});
    console.log('Replicate statuses:', seen.join(', '), '| gpu seconds', done.gpuSeconds);
    expect(seen).toEqual(['starting→running', 'processing→running', 'succeeded→completed']);
    expect(done.resultUrls).toEqual(['https://replicate.delivery/x/out.mp4']);
    expect(done.gpuSeconds).toBe(21.5);
  });

  test('failed and canceled are failures (TaskFailedError with the reason)', async () => {
    const provider = make();
    host.on('GET', '/v1/predictions/p-1', 200, prediction('failed', {error: 'CUDA out of memory'}));
    const failed = await provider.waitForTask('p-1').catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(TaskFailedError);
    expect((failed as Error).message).toContain('CUDA out of memory');
    host.on('GET', '/v1/predictions/p-1', 200, prediction('canceled'));
    await expect(provider.waitForTask('p-1')).rejects.toThrow(/canceled/);
  });

  test('429 without Retry-After waits the seconds its detail names, then sends the create again', async () => {
    const provider = make();
    host.on('POST', '/v1/predictions', 429, {
      title: 'Request was throttled',
      detail: 'Request was throttled. Expected available in 4 seconds.',
      status: 429,
    });
    host.on('POST', '/v1/predictions', 201, prediction('starting'));
    await provider.submit(input);
    console.log('Replicate 429 waits (ms):', host.clock.sleeps);
    expect(host.clock.sleeps).toEqual([4000]);
    expect(host.bodies).toHaveLength(2);
  });

  test('401 names REPLICATE_API_TOKEN; a 502 on create is an unknown outcome, sent once', async () => {
    let provider = make();
    host.on('POST', '/v1/predictions', 401, {
      title: 'Unauthenticated',
      detail: 'You did not pass a valid authentication token',
      status: 401,
    });
    const auth = await provider.submit(input).catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(AuthenticationError);
    expect((auth as Error).message).toContain('REPLICATE_API_TOKEN');
    await host.agent.close();
    provider = make();
    host.on('POST', '/v1/predictions', 502, 'Bad Gateway', {'content-type': 'text/plain'});
    await expect(provider.submit(input)).rejects.toBeInstanceOf(SubmitOutcomeUnknownError);
    expect(host.bodies).toHaveLength(1);
  });

  test('bad input sends nothing; a wrong model version is refused at creation', async () => {
    const provider = make();
    await expect(provider.submit({...input, steps: 70})).rejects.toBeInstanceOf(InputValidationError);
    await expect(provider.submit({...input, durationInSeconds: Number.NaN})).rejects.toBeInstanceOf(
      InputValidationError,
    );
    expect(host.bodies).toHaveLength(0);
    expect(() => make({modelVersion: 'latest'})).toThrow(/64 hex/);
  });

  test('cancel is a POST on the prediction', async () => {
    const provider = make();
    host.on('POST', '/v1/predictions/p-1/cancel', 200, prediction('canceled'));
    await provider.cancel?.('p-1');
    expect(host.headers).toHaveLength(1);
  });

  test('webhook: Standard Webhooks HMAC accepted; a bad signature or a stale timestamp refused', () => {
    const provider = make({webhook: {url: 'https://hooks.test/replicate', secret: SECRET}});
    const body = Buffer.from(JSON.stringify(prediction('succeeded')));
    const nowMs = Date.now();
    const call = (timestampMs: number, secret = SECRET) => {
      const ts = String(Math.floor(timestampMs / 1000));
      return {
        headers: {
          'webhook-id': 'msg_1',
          'webhook-timestamp': ts,
          'webhook-signature': `v1,bogus ${signStandardWebhook(secret, 'msg_1', ts, body)}`,
        },
        rawBody: body,
        nowMs,
      };
    };
    expect(provider.verifyWebhook(call(nowMs))).toEqual({ok: true});
    expect(
      provider.verifyWebhook(call(nowMs, `whsec_${Buffer.from('another key').toString('base64')}`)).ok,
    ).toBe(false);
    expect(provider.verifyWebhook(call(nowMs - 400_000)).ok).toBe(false);
  });
});
