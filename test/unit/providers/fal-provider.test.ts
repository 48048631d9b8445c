import {generateKeyPairSync, sign} from 'node:crypto';
import {afterEach, describe, expect, test} from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  InputValidationError,
  SubmitOutcomeUnknownError,
  TaskFailedError,
} from '../../../src/api/errors.ts';
import {createFalProvider} from '../../../src/providers/fal/create-fal-provider.ts';
import {falSignedMessage} from '../../../src/providers/verify-fal-webhook.ts';
import {fakeHost, tinyMp4Base64} from './provider-harness.ts';

const ORIGIN = 'https://fal.test';
const APP = '/fal-ai/mmaudio-v2';
let host: ReturnType<typeof fakeHost>;

const make = (extra: Parameters<typeof createFalProvider>[0] = {}) => {
  host = fakeHost(ORIGIN);
  return createFalProvider({apiKey: 'fal-secret', baseUrl: ORIGIN, ...host.common, ...extra});
};

const input = {
  video: 'https://uploads.test/segment-1.mp4',
  prompt: 'footsteps on gravel',
  negativePrompt: null,
  steps: 25,
  seed: 70_000,
  durationInSeconds: 12.48,
  cfgStrength: 5,
};

const queued = {
  request_id: 'r-1',
  response_url: `${ORIGIN}${APP}/requests/r-1`,
  status_url: `${ORIGIN}${APP}/requests/r-1/status`,
  cancel_url: `${ORIGIN}${APP}/requests/r-1/cancel`,
};

afterEach(async () => {
  await host.agent.close();
});

describe('fal provider against a fake transport', () => {
  test('submit: the input is the body (video_url, num_steps, duration = the segment, seed folded to 0–65535)', async () => {
    const provider = make({webhook: {url: 'https://hooks.test/fal', jwks: {keys: []}}});
    host.on('POST', `${APP}?fal_webhook=${encodeURIComponent('https://hooks.test/fal')}`, 200, queued);
    const created = await provider.submit(input);
    console.log('fal submit body:', JSON.stringify(host.bodies[0]));
    expect(host.bodies[0]).toEqual({
      video_url: 'https://uploads.test/segment-1.mp4',
      prompt: 'footsteps on gravel',
      negative_prompt: '',
      num_steps: 25,
      duration: 12.48,
      seed: 70_000 % 65_536,
      cfg_strength: 5,
    });
    expect(host.headers[0].authorization).toBe('Key fal-secret');
    expect(created).toMatchObject({taskId: 'r-1', status: 'IN_QUEUE', phase: 'running'});
  });

  test('a short segment is sent as duration 1 (fal takes 1–30 s)', async () => {
    const provider = make();
    host.on('POST', APP, 200, queued);
    await provider.submit({...input, durationInSeconds: 0.4});
    expect((host.bodies[0] as {duration: number}).duration).toBe(1);
  });

  test('inline base64 is refused before any request, naming the upload hook; so is a 31 s clip', async () => {
    const provider = make();
    const inline = await provider
      .submit({...input, video: tinyMp4Base64(5), durationInSeconds: 5})
      .catch((e: unknown) => e);
    expect(inline).toBeInstanceOf(InputValidationError);
    expect((inline as Error).message).toMatch(/`upload`/);
    console.log('fal inline refusal:', (inline as Error).message);
    await expect(provider.submit({...input, durationInSeconds: 31})).rejects.toBeInstanceOf(
      InputValidationError,
    );
    expect(host.bodies).toHaveLength(0);
  });

  test('IN_QUEUE, IN_PROGRESS, then COMPLETED: the result is read from the request, its video.url kept', async () => {
    const provider = make();
    const seen: string[] = [];
    host.on('GET', `${APP}/requests/r-1/status`, 200, {status: 'IN_QUEUE', queue_position: 2});
    host.on('GET', `${APP}/requests/r-1/status`, 200, {status: 'IN_PROGRESS', logs: []});
    host.on('GET', `${APP}/requests/r-1/status`, 200, {status: 'COMPLETED'});
    host.on('GET', `${APP}/requests/r-1`, 200, {
      video: {
        url: 'https://cdn.test/out.mp4',
        content_type: 'video/mp4',
        file_name: 'out.mp4',
        file_size: 1234,
      },
    });
    const done = await provider.waitForTask('r-1', {onUpdate: (t) => seen.push(`${t.status}→${t.phase}`)});
    console.log('fal statuses:', seen.join(', '));
    expect(seen).toEqual(['IN_QUEUE→running', 'IN_PROGRESS→running', 'COMPLETED→completed']);
    expect(done.resultUrls).toEqual(['https://cdn.test/out.mp4']);
  });

  test('COMPLETED whose result answers 422 is a failed task (TaskFailedError), not a retry', async () => {
    const provider = make();
    host.on('GET', `${APP}/requests/r-1/status`, 200, {status: 'COMPLETED'});
    host.on('GET', `${APP}/requests/r-1`, 422, {
      detail: [{loc: ['body', 'video_url'], msg: 'cannot read video', type: 'value_error'}],
    });
    const err = await provider.waitForTask('r-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as Error).message).toContain('cannot read video');
  });

  test('errors: 422 on submit is a refusal with the detail; 401 names FAL_KEY; 500 is an unknown outcome sent once', async () => {
    let provider = make();
    host.on('POST', APP, 422, {
      detail: [{loc: ['body', 'duration'], msg: 'must be ≤ 30', type: 'value_error'}],
    });
    const refused = await provider.submit(input).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect((refused as Error).message).toContain('body.duration: must be ≤ 30');
    await host.agent.close();
    provider = make();
    host.on('POST', APP, 401, {detail: 'Unauthorized'});
    const auth = await provider.submit(input).catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(AuthenticationError);
    expect((auth as Error).message).toContain('FAL_KEY');
    await host.agent.close();
    provider = make();
    host.on('POST', APP, 500, {detail: 'boom'});
    await expect(provider.submit(input)).rejects.toBeInstanceOf(SubmitOutcomeUnknownError);
    expect(host.bodies).toHaveLength(1);
  });

  test('cancel is a PUT on the request', async () => {
    const provider = make();
    host.on('PUT', `${APP}/requests/r-1/cancel`, 202, {status: 'CANCELLATION_REQUESTED'});
    await provider.cancel?.('r-1');
    expect(host.headers).toHaveLength(1);
  });

  test('webhook: Ed25519 over the documented message with a JWKS key; a bad or stale one is refused', () => {
    const {publicKey, privateKey} = generateKeyPairSync('ed25519');
    const x = (publicKey.export({format: 'jwk'}) as {x: string}).x;
    const provider = make({
      webhook: {url: 'https://hooks.test/fal', jwks: {keys: [{kty: 'OKP', crv: 'Ed25519', x}]}},
    });
    const body = Buffer.from(JSON.stringify({request_id: 'r-1', status: 'OK', payload: {}}));
    const nowMs = Date.now();
    const call = (timestamp: number, tamper = false) => {
      const ts = String(Math.floor(timestamp / 1000));
      const signature = sign(null, falSignedMessage('r-1', 'u-1', ts, body), privateKey).toString('hex');
      return {
        headers: {
          'x-fal-webhook-request-id': 'r-1',
          'x-fal-webhook-user-id': 'u-1',
          'x-fal-webhook-timestamp': ts,
          'x-fal-webhook-signature': signature,
        },
        rawBody: tamper ? Buffer.from(`${body.toString()} `) : body,
        nowMs,
      };
    };
    expect(provider.verifyWebhook(call(nowMs))).toEqual({ok: true});
    expect(provider.verifyWebhook(call(nowMs, true)).ok).toBe(false);
    expect(provider.verifyWebhook(call(nowMs - 301_000)).ok).toBe(false);
  });
});
