import {readFile} from 'node:fs/promises';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {ed25519KeysOf, verifyFalWebhook} from '../../src/providers/verify-fal-webhook.ts';
import {type Simulator, type SimulatorOptions, startSimulator} from '../../src/simulator/index.ts';
import {makeTestMp4} from '../integration/helpers/make-mp4.ts';
import {call, createTestServers, expectedChirp, matchChirp, probeAudio, until} from './helpers/host-http.ts';

const KEY = 'fal-sim-key-0123';
const AUTH = {authorization: `Key ${KEY}`};
const APP = '/fal-ai/mmaudio-v2';

let mp4: Buffer;
let videoUrl: string;
const servers = createTestServers();
const sims: Simulator[] = [];
const start = async (options: SimulatorOptions = {}) => {
  const sim = await startSimulator({provider: 'fal', apiKey: KEY, taskLatencyMs: 200, ...options});
  sims.push(sim);
  return sim;
};
const submit = (sim: Simulator, body: Record<string, unknown> = {}, query = '') =>
  call(`${sim.url}${APP}${query}`, {
    method: 'POST',
    headers: AUTH,
    body: {video_url: videoUrl, prompt: 'gravel footsteps', seed: 7, ...body},
  });

beforeAll(async () => {
  mp4 = await readFile(await makeTestMp4({seconds: 2}));
  videoUrl = await servers.videoHost(mp4);
});
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});
afterAll(() => servers.close());

describe('fal simulator: the queue contract', () => {
  it('queues, runs and completes a request; the result is an mp4 with the chirp as AAC, duration honoured', async () => {
    const sim = await start({taskLatencyMs: 2000});
    const submitted = await submit(sim, {duration: 1.5});
    expect(submitted.status).toBe(200);
    const id = submitted.json.request_id as string;
    expect(submitted.json).toMatchObject({
      status: 'IN_QUEUE',
      response_url: `${sim.url}${APP}/requests/${id}`,
      status_url: `${sim.url}${APP}/requests/${id}/status`,
      cancel_url: `${sim.url}${APP}/requests/${id}/cancel`,
    });
    const early = await call(`${sim.url}${APP}/requests/${id}/status`, {headers: AUTH});
    expect([early.status, early.json.status]).toEqual([202, 'IN_QUEUE']);
    const notYet = await call(`${sim.url}${APP}/requests/${id}`, {headers: AUTH});
    expect(notYet.status).toBe(400);
    await until(() => sim.tasks.get(id)?.status === 'processing');
    expect((await call(`${sim.url}${APP}/requests/${id}/status`, {headers: AUTH})).json.status).toBe(
      'IN_PROGRESS',
    );
    await until(() => sim.tasks.get(id)?.status === 'completed');
    const done = await call(`${sim.url}${APP}/requests/${id}/status`, {headers: AUTH});
    expect([done.status, done.json.status]).toEqual([200, 'COMPLETED']);
    const response = await call(done.json.response_url, {headers: AUTH});
    expect(response.status).toBe(200);
    expect(response.json.video).toMatchObject({content_type: 'video/mp4', file_name: 'output.mp4'});
    // The file is on the "CDN": no key needed.
    const file = await call(response.json.video.url);
    expect([file.status, file.headers.get('content-type')]).toEqual([200, 'video/mp4']);
    expect(file.bytes.byteLength).toBe(response.json.video.file_size);
    const audio = await probeAudio(file.bytes, 'mp4');
    const task = sim.tasks.get(id)!;
    const match = matchChirp(audio.samples, expectedChirp(task));
    const row = {
      codec: audio.codec,
      sampleRate: audio.sampleRate,
      channels: audio.channels,
      video: audio.hasVideo,
      requested: 1.5,
      videoSeconds: task.durationInSeconds.toFixed(3),
      decodedSeconds: (audio.samples.length / audio.sampleRate).toFixed(3),
      offsetSamples: match.offsetSamples,
      correlation: match.correlation.toFixed(4),
    };
    console.table([row]);
    expect([audio.codec, audio.sampleRate, audio.channels, audio.hasVideo]).toEqual(['aac', 44_100, 1, true]);
    expect(task.requestedDurationSeconds).toBe(1.5);
    expect(task.resultSpec.durationInSeconds).toBeCloseTo(1.5, 3);
    expect(Math.abs(audio.samples.length / audio.sampleRate - 1.5)).toBeLessThan(0.05);
    expect(match.correlation).toBeGreaterThan(0.95);
  });

  it("answers the input's faults with 422 {detail: [{loc, msg, type}]}, and auth and routes with {detail}", async () => {
    const sim = await start();
    const cases: [string, Record<string, unknown>, string[], string][] = [
      ['no video_url', {video_url: undefined}, ['body', 'video_url'], 'missing'],
      [
        'a data URI',
        {video_url: `data:video/mp4;base64,${mp4.toString('base64')}`},
        ['body', 'video_url'],
        'url_parsing',
      ],
      ['no prompt', {prompt: undefined}, ['body', 'prompt'], 'missing'],
      ['duration 31', {duration: 31}, ['body', 'duration'], 'less_than_equal'],
      ['duration 0.5', {duration: 0.5}, ['body', 'duration'], 'greater_than_equal'],
      ['num_steps 3', {num_steps: 3}, ['body', 'num_steps'], 'greater_than_equal'],
      ['seed 65536', {seed: 65_536}, ['body', 'seed'], 'less_than_equal'],
      ['cfg_strength 21', {cfg_strength: 21}, ['body', 'cfg_strength'], 'less_than_equal'],
    ];
    const rows = [];
    for (const [name, body, loc, type] of cases) {
      const answer = await submit(sim, body);
      rows.push({
        case: name,
        status: answer.status,
        loc: answer.json.detail[0].loc.join('.'),
        type: answer.json.detail[0].type,
      });
      expect(answer.status).toBe(422);
      expect(answer.json.detail[0]).toMatchObject({loc, type, msg: expect.any(String)});
      expect(answer.headers.get('x-fal-request-id')).toBeTruthy();
    }
    console.table(rows);
    expect(sim.tasks.size).toBe(0);
    const noKey = await call(`${sim.url}${APP}`, {method: 'POST', body: {video_url: videoUrl, prompt: 'x'}});
    expect([noKey.status, typeof noKey.json.detail]).toEqual([401, 'string']);
    const bearer = await call(`${sim.url}${APP}/requests/x/status`, {
      headers: {authorization: `Bearer ${KEY}`},
    });
    expect(bearer.status).toBe(401);
    const unknown = await call(`${sim.url}${APP}/requests/nope/status`, {headers: AUTH});
    expect([unknown.status, typeof unknown.json.detail]).toEqual([404, 'string']);
    expect((await call(`${sim.url}/nowhere`, {headers: AUTH})).json).toEqual({detail: 'Not Found'});
  });

  it('keeps requests over the concurrency IN_QUEUE with their position, never 429', async () => {
    const sim = await start({limits: {concurrentTasks: 1}, taskLatencyMs: 1000});
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await submit(sim, {seed: i});
      expect(answer.status).toBe(200);
      ids.push(answer.json.request_id);
    }
    const third = await call(`${sim.url}${APP}/requests/${ids[2]}/status`, {headers: AUTH});
    // Ahead of it: the second (waiting for the slot) and the first too while it is still being dispatched.
    expect(third.json.status).toBe('IN_QUEUE');
    expect([1, 2]).toContain(third.json.queue_position);
    const tasks = ids.map((id) => sim.tasks.get(id)!);
    console.table(
      tasks.map((t) => ({
        id: t.taskId.slice(0, 8),
        startsAfterMs: t.processingAt - t.createdAt - 75,
        finishesAfterMs: t.finishesAt - t.createdAt,
      })),
    );
    // One slot: each request starts when the one before it finishes.
    expect(tasks[1].finishesAt - tasks[0].finishesAt).toBe(1000);
    expect(tasks[2].finishesAt - tasks[1].finishesAt).toBe(1000);
    expect(sim.requests.every((r) => r.status !== 429)).toBe(true);
  });

  it('maps the fault knobs to fal: 429 and 5xx with {detail}, failed and lost-answer requests, cut and oversize files', async () => {
    const sim = await start();
    sim.faults.failNext(1, 429, {kind: 'poll', retryAfter: '2'});
    sim.faults.failNext(1, 503, {kind: 'poll'});
    const ok = await submit(sim);
    const id = ok.json.request_id;
    const limited = await call(`${sim.url}${APP}/requests/${id}/status`, {headers: AUTH});
    expect([limited.status, limited.headers.get('retry-after'), typeof limited.json.detail]).toEqual([
      429,
      '2',
      'string',
    ]);
    expect((await call(`${sim.url}${APP}/requests/${id}/status`, {headers: AUTH})).status).toBe(503);

    sim.faults.failTasks(1);
    const failed = (await submit(sim, {seed: 2})).json.request_id;
    await until(() => sim.tasks.get(failed)?.status === 'failed');
    const failedStatus = await call(`${sim.url}${APP}/requests/${failed}/status`, {headers: AUTH});
    expect(failedStatus.json.status).toBe('COMPLETED');
    const failedResponse = await call(`${sim.url}${APP}/requests/${failed}`, {headers: AUTH});
    expect([failedResponse.status, typeof failedResponse.json.detail]).toEqual([500, 'string']);

    sim.faults.failAfterCreateNext(1, 504);
    const lost = await submit(sim, {seed: 3});
    expect(lost.status).toBe(504);
    expect(sim.tasks.size).toBe(3);

    await until(() => sim.tasks.get(id)?.status === 'completed');
    const url = (await call(`${sim.url}${APP}/requests/${id}`, {headers: AUTH})).json.video.url;
    const whole = await call(url);
    sim.faults.truncateResultNext(1);
    const cut = await call(url);
    expect(cut.bytes.byteLength).toBe(Math.floor(whole.bytes.byteLength / 2));
    sim.faults.oversizeResultNext(1, {bytes: 300_000, declareLength: true});
    const oversize = await call(url);
    expect(oversize.bytes.byteLength).toBe(300_000);
    expect(oversize.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    console.table([
      {whole: whole.bytes.byteLength, truncated: cut.bytes.byteLength, oversize: oversize.bytes.byteLength},
    ]);
  });

  it('cancels a queued request (202), refuses to cancel a finished one (400), 404 for an unknown one', async () => {
    const sim = await start({taskLatencyMs: 5000});
    const id = (await submit(sim)).json.request_id;
    const cancel = await call(`${sim.url}${APP}/requests/${id}/cancel`, {method: 'PUT', headers: AUTH});
    expect([cancel.status, cancel.json]).toEqual([202, {status: 'CANCELLATION_REQUESTED'}]);
    expect(sim.tasks.get(id)?.status).toBe('canceled');
    expect((await call(`${sim.url}${APP}/requests/${id}/status`, {headers: AUTH})).json.status).toBe(
      'COMPLETED',
    );
    expect((await call(`${sim.url}${APP}/requests/${id}`, {headers: AUTH})).status).toBe(400);
    const again = await call(`${sim.url}${APP}/requests/${id}/cancel`, {method: 'PUT', headers: AUTH});
    expect([again.status, again.json]).toEqual([400, {status: 'ALREADY_COMPLETED'}]);
    const unknown = await call(`${sim.url}${APP}/requests/nope/cancel`, {method: 'PUT', headers: AUTH});
    expect(unknown.status).toBe(404);
    expect(sim.requests.filter((r) => r.kind === 'cancel')).toHaveLength(3);
  });

  it('signs webhooks with Ed25519 over the documented message: the JWKS verifies them; a wrong key or a stale call is refused', async () => {
    const sim = await start({taskLatencyMs: 50});
    const hook = await servers.webhookReceiver();
    const jwks = await call(sim.jwksUrl!);
    expect(jwks.status).toBe(200);
    const keys = ed25519KeysOf(jwks.json);
    expect(keys).toHaveLength(1);
    const deliver = async (knobs: {wrongSecret?: boolean; stale?: boolean}, fail = false) => {
      sim.faults.webhook = knobs;
      if (fail) sim.faults.failTasks(1);
      const before = hook.calls.length;
      const id = (
        await submit(sim, {seed: hook.calls.length}, `?fal_webhook=${encodeURIComponent(hook.url)}`)
      ).json.request_id;
      await until(() => hook.calls.length > before, 15_000);
      const received = hook.calls[before];
      return {
        id,
        received,
        verdict: verifyFalWebhook(
          {headers: received.flat, rawBody: received.rawBody, nowMs: Date.now()},
          keys,
        ),
      };
    };
    const good = await deliver({});
    const failed = await deliver({}, true);
    const wrongKey = await deliver({wrongSecret: true});
    const stale = await deliver({stale: true});
    console.table(
      Object.entries({good, failed, wrongKey, stale}).map(([name, d]) => ({
        name,
        status: JSON.parse(d.received.rawBody.toString()).status,
        verdict: d.verdict.ok ? 'accepted' : d.verdict.reason,
      })),
    );
    expect(good.verdict).toEqual({ok: true});
    const body = JSON.parse(good.received.rawBody.toString());
    expect(body).toMatchObject({request_id: good.id, gateway_request_id: good.id, status: 'OK'});
    expect(body.payload.video.url).toContain(`/files/${good.id}/0/output.mp4`);
    expect(good.received.flat['x-fal-webhook-request-id']).toBe(good.id);
    expect(failed.verdict).toEqual({ok: true});
    expect(JSON.parse(failed.received.rawBody.toString())).toMatchObject({
      status: 'ERROR',
      error: expect.any(String),
    });
    expect(wrongKey.verdict.ok).toBe(false);
    expect(stale.verdict).toMatchObject({ok: false, reason: expect.stringContaining('timestamp')});
    expect(sim.webhookDeliveries.map((d) => [d.status, d.wrongSecret, d.stale ?? false])).toEqual([
      [200, false, false],
      [200, false, false],
      [200, true, false],
      [200, false, true],
    ]);
  });
});
