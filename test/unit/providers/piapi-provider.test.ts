import {afterEach, describe, expect, test} from 'vitest';
import {
  BadRequestError,
  InputValidationError,
  QubicoApiError,
  SubmitOutcomeUnknownError,
  TaskFailedError,
} from '../../../src/api/errors.ts';
import {UsageError} from '../../../src/errors.ts';
import {createPiapiProvider} from '../../../src/providers/piapi/create-piapi-provider.ts';
import {fakeHost, tinyMp4Base64} from './provider-harness.ts';

const ORIGIN = 'https://piapi.test';
let host: ReturnType<typeof fakeHost>;

const make = (extra: Parameters<typeof createPiapiProvider>[0] = {}) => {
  host = fakeHost(ORIGIN);
  return createPiapiProvider({apiKey: 'pk-secret', baseUrl: ORIGIN, ...host.common, ...extra});
};

const task = (status: string, extra: Record<string, unknown> = {}) => ({
  code: 200,
  message: 'success',
  data: {
    task_id: 't-1',
    model: 'Qubico/mmaudio',
    task_type: 'video2audio',
    status,
    input: {},
    output: null,
    meta: {
      created_at: '2026-12-03T10:00:00Z',
      started_at: '0001-01-01T00:00:00Z',
      ended_at: '0001-01-01T00:00:00Z',
    },
    error: {code: 0, message: '', raw_message: '', detail: null},
    logs: [],
    ...extra,
  },
});

const input = {
  video: tinyMp4Base64(12),
  prompt: 'rain on a tin roof',
  negativePrompt: 'music',
  steps: 30,
  seed: 42,
  durationInSeconds: 12,
};

afterEach(async () => {
  await host.agent.close();
});

describe('PiAPI provider against a fake transport', () => {
  test('submit: the envelope body (task_type video2audio, seed, a data URI), the key in x-api-key', async () => {
    const provider = make({webhook: {url: 'https://hooks.test/piapi', secret: 'wh-secret'}});
    host.on('POST', '/api/v1/task', 200, task('pending'));
    const created = await provider.submit(input);
    const sent = host.bodies[0] as {input: Record<string, unknown>};
    console.log(
      'PiAPI submit body fields:',
      Object.keys(sent).join(', '),
      '| input:',
      Object.keys(sent.input).join(', '),
    );
    expect(host.bodies[0]).toEqual({
      model: 'Qubico/mmaudio',
      task_type: 'video2audio',
      input: {
        prompt: 'rain on a tin roof',
        negative_prompt: 'music',
        video: `data:video/mp4;base64,${input.video}`,
        steps: 30,
        seed: 42,
      },
      config: {webhook_config: {endpoint: 'https://hooks.test/piapi', secret: 'wh-secret'}},
    });
    expect(host.headers[0]['x-api-key']).toBe('pk-secret');
    expect(created).toMatchObject({taskId: 't-1', status: 'pending', phase: 'running', resultUrls: []});
    // PiAPI takes no duration field.
    expect(JSON.stringify(host.bodies[0])).not.toContain('duration');
  });

  test('statuses → phase, case-insensitive; staged is not terminal; the audio_url is the result', async () => {
    const provider = make();
    const seen: string[] = [];
    for (const s of ['staged', 'Pending', 'PROCESSING']) host.on('GET', '/api/v1/task/t-1', 200, task(s));
    host.on(
      'GET',
      '/api/v1/task/t-1',
      200,
      task('Completed', {output: {audio_url: 'https://cdn.test/a.mp3'}}),
    );
    const done = await provider.waitForTask('t-1', {onUpdate: (t) => seen.push(`${t.status}→${t.phase}`)});
    console.log('PiAPI statuses:', seen.join(', '));
    expect(seen).toEqual(['staged→running', 'Pending→running', 'PROCESSING→running', 'Completed→completed']);
    expect(done.resultUrls).toEqual(['https://cdn.test/a.mp3']);
  });

  test('a failed task throws TaskFailedError with the service message', async () => {
    const provider = make();
    host.on(
      'GET',
      '/api/v1/task/t-1',
      200,
      task('failed', {error: {code: 10000, message: 'video too long', raw_message: 'x'}}),
    );
    const err = await provider.waitForTask('t-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as Error).message).toContain('video too long');
  });

  test('an error code inside a 200 envelope is that error: 500 on submit is an unknown outcome, never resent', async () => {
    const provider = make();
    host.on('POST', '/api/v1/task', 200, {code: 500, message: 'internal error', data: null});
    await expect(provider.submit(input)).rejects.toBeInstanceOf(SubmitOutcomeUnknownError);
    expect(host.bodies).toHaveLength(1);
  });

  test('an envelope 400 is a refusal (BadRequestError) naming PiAPI and its message', async () => {
    const provider = make();
    host.on('POST', '/api/v1/task', 400, {code: 400, message: 'invalid request', data: null});
    const err = await provider.submit(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as Error).message).toMatch(/PiAPI.*invalid request/);
  });

  test('a plain-text 404 ("404 page not found") is read defensively', async () => {
    const provider = make({maxRetries: 0});
    host.on('GET', '/api/v1/task/gone', 404, '404 page not found', {'content-type': 'text/plain'});
    const err = await provider.getTask('gone').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QubicoApiError);
    expect((err as QubicoApiError).status).toBe(404);
    expect((err as Error).message).toContain('404 page not found');
  });

  test('429 with Retry-After: the submit waits that long and is sent again (the host refused it)', async () => {
    const provider = make();
    host.on('POST', '/api/v1/task', 429, {code: 429, message: 'too many requests'}, {'retry-after': '3'});
    host.on('POST', '/api/v1/task', 200, task('pending'));
    await provider.submit(input);
    console.log('PiAPI 429 waits (ms):', host.clock.sleeps);
    expect(host.clock.sleeps).toEqual([3000]);
    expect(host.bodies).toHaveLength(2);
  });

  test('bad input sends nothing: an empty prompt, a 31 s clip (PiAPI takes 30 s)', async () => {
    const provider = make();
    await expect(provider.submit({...input, prompt: ' '})).rejects.toBeInstanceOf(InputValidationError);
    const long = await provider
      .submit({...input, video: tinyMp4Base64(31), durationInSeconds: 31})
      .catch((e: unknown) => e);
    expect(long).toBeInstanceOf(InputValidationError);
    expect((long as Error).message).toMatch(/at most 30 s/);
    expect(host.bodies).toHaveLength(0);
  });

  test('no key: a UsageError naming PIAPI_API_KEY; webhook calls checked with the plain secret', () => {
    const saved = process.env.PIAPI_API_KEY;
    delete process.env.PIAPI_API_KEY;
    try {
      expect(() => createPiapiProvider({baseUrl: ORIGIN})).toThrow(UsageError);
      expect(() => createPiapiProvider({baseUrl: ORIGIN})).toThrow(/PIAPI_API_KEY/);
    } finally {
      if (saved !== undefined) process.env.PIAPI_API_KEY = saved;
    }
    const provider = make({webhook: {url: 'https://hooks.test/piapi', secret: 'wh-secret'}});
    const call = (secret?: string) => ({
      headers: secret ? {'x-webhook-secret': secret} : {},
      rawBody: Buffer.from('{}'),
      nowMs: Date.now(),
    });
    expect(provider.verifyWebhook(call('wh-secret'))).toEqual({ok: true});
    expect(provider.verifyWebhook(call('nope')).ok).toBe(false);
    expect(provider.verifyWebhook(call()).ok).toBe(false);
    expect(provider.cancel).toBeNull();
  });
});
