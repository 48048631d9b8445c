import {readFile} from 'node:fs/promises';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {verifyStandardWebhook} from '../../src/providers/verify-standard-webhook.ts';
import {type Simulator, type SimulatorOptions, startSimulator} from '../../src/simulator/index.ts';
import {makeTestMp4} from '../integration/helpers/make-mp4.ts';
import {call, createTestServers, expectedChirp, matchChirp, probeAudio, until} from './helpers/host-http.ts';

const TOKEN = 'r8_sim_token_0123';
const AUTH = {authorization: `Bearer ${TOKEN}`};
const VERSION = 'a'.repeat(64);

let mp4: Buffer;
let dataUri: string;
const servers = createTestServers();
const sims: Simulator[] = [];
const start = async (options: SimulatorOptions = {}) => {
  const sim = await startSimulator({provider: 'replicate', apiKey: TOKEN, taskLatencyMs: 200, ...options});
  sims.push(sim);
  return sim;
};
const create = (
  sim: Simulator,
  input: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
  headers = {},
) =>
  call(`${sim.url}/v1/predictions`, {
    method: 'POST',
    headers: {...AUTH, ...headers},
    body: {
      version: VERSION,
      input: {video: dataUri, prompt: 'rain on a tin roof', seed: 7, ...input},
      ...extra,
    },
  });

beforeAll(async () => {
  mp4 = await readFile(await makeTestMp4({seconds: 2}));
  dataUri = `data:video/mp4;base64,${mp4.toString('base64')}`;
});
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});
afterAll(() => servers.close());

describe('Replicate simulator: the predictions contract', () => {
  it('creates a prediction (201 starting), runs it to succeeded; the output is an mp4 with the chirp as AAC mono 44.1 kHz', async () => {
    const sim = await start({taskLatencyMs: 800});
    const created = await create(sim, {duration: 1.25});
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    expect(id).toMatch(/^[a-z2-7]{26}$/);
    expect(created.json).toMatchObject({
      status: 'starting',
      model: 'zsxkib/mmaudio',
      version: VERSION,
      output: null,
      error: null,
      urls: {get: `${sim.url}/v1/predictions/${id}`, cancel: `${sim.url}/v1/predictions/${id}/cancel`},
      input: {prompt: 'rain on a tin roof', negative_prompt: 'music', duration: 1.25, num_steps: 25, seed: 7},
    });
    await until(() => sim.tasks.get(id)?.status !== 'pending');
    if (sim.tasks.get(id)?.status === 'processing') {
      expect((await call(created.json.urls.get, {headers: AUTH})).json.status).toBe('processing');
    }
    await until(() => sim.tasks.get(id)?.status === 'completed');
    const done = await call(created.json.urls.get, {headers: AUTH});
    expect(done.json).toMatchObject({
      status: 'succeeded',
      error: null,
      metrics: {predict_time: expect.any(Number)},
    });
    expect(typeof done.json.output).toBe('string');
    const file = await call(done.json.output);
    expect([file.status, file.headers.get('content-type')]).toEqual([200, 'video/mp4']);
    const audio = await probeAudio(file.bytes, 'mp4');
    const task = sim.tasks.get(id)!;
    const match = matchChirp(audio.samples, expectedChirp(task));
    console.table([
      {
        codec: audio.codec,
        sampleRate: audio.sampleRate,
        channels: audio.channels,
        requested: 1.25,
        decodedSeconds: (audio.samples.length / audio.sampleRate).toFixed(3),
        predictTime: done.json.metrics.predict_time,
        correlation: match.correlation.toFixed(4),
      },
    ]);
    expect([audio.codec, audio.sampleRate, audio.channels]).toEqual(['aac', 44_100, 1]);
    expect(task.resultSpec.durationInSeconds).toBeCloseTo(1.25, 3);
    expect(match.correlation).toBeGreaterThan(0.95);
  });

  it('holds the create with Prefer: wait until the prediction ends', async () => {
    const sim = await start({taskLatencyMs: 300});
    const held = await create(sim, {}, {}, {prefer: 'wait=5'});
    expect([held.status, held.json.status]).toEqual([201, 'succeeded']);
    expect(held.json.output).toContain(`/delivery/${held.json.id}/0/output.mp4`);
  });

  it('answers {title, detail, status}: 422 for the version and the input, 401, 404', async () => {
    const sim = await start();
    const badVersion = await call(`${sim.url}/v1/predictions`, {
      method: 'POST',
      headers: AUTH,
      body: {version: 'zsxkib/mmaudio', input: {video: dataUri}},
    });
    expect(badVersion.status).toBe(422);
    expect(badVersion.json).toMatchObject({title: 'Invalid version or not permitted', status: 422});
    const cases: [string, Record<string, unknown>, string][] = [
      ['no video', {video: undefined}, 'input.video'],
      ['raw base64', {video: mp4.toString('base64')}, 'input.video'],
      ['duration 0', {duration: 0}, 'input.duration'],
      ['num_steps 2.5', {num_steps: 2.5}, 'input.num_steps'],
      ['seed -2', {seed: -2}, 'input.seed'],
    ];
    const rows = [];
    for (const [name, input, field] of cases) {
      const answer = await create(sim, input);
      rows.push({
        case: name,
        status: answer.status,
        title: answer.json.title,
        field: answer.json.invalid_fields?.[0]?.field,
      });
      expect(answer.status).toBe(422);
      expect(answer.json).toMatchObject({
        title: 'Input validation failed',
        status: 422,
        detail: expect.any(String),
      });
      expect(answer.json.invalid_fields[0].field).toBe(field);
    }
    console.table(rows);
    // No max duration on this host: a 45 s duration on a 2 s video is the video's length.
    expect((await create(sim, {duration: 45})).status).toBe(201);
    const noToken = await call(`${sim.url}/v1/predictions/x`);
    expect([noToken.status, noToken.json.title]).toEqual([401, 'Unauthenticated']);
    const wrong = await call(`${sim.url}/v1/predictions/x`, {headers: {authorization: 'Bearer nope'}});
    expect(wrong.status).toBe(401);
    const unknown = await call(`${sim.url}/v1/predictions/x`, {headers: AUTH});
    expect([unknown.status, unknown.json.detail]).toEqual([404, 'Not found.']);
  });

  it('throttles past its limits with 429 "Request was throttled" and Retry-After', async () => {
    const sim = await start({limits: {requestsPerWindow: 4, submitsPerWindow: 2, windowMs: 60_000}});
    expect((await create(sim)).status).toBe(201);
    expect((await create(sim, {seed: 8})).status).toBe(201);
    const overCreates = await create(sim, {seed: 9});
    expect(overCreates.status).toBe(429);
    expect(overCreates.json).toMatchObject({title: 'Request was throttled.', status: 429});
    expect(overCreates.json.detail).toMatch(/^Request was throttled\. Expected available in \d+ seconds?\.$/);
    expect(Number(overCreates.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(`${sim.url}/v1/predictions/x`, {headers: AUTH})).status).toBe(404);
    const overAll = await call(`${sim.url}/v1/predictions/x`, {headers: AUTH});
    expect(overAll.status).toBe(429);
    console.table(
      sim.requests.map((r) => ({seq: r.seq, kind: r.kind, status: r.status, limit: r.limit ?? ''})),
    );
  });

  it('maps failed tasks, 5xx on poll, lost answers and cancel to Replicate', async () => {
    const sim = await start({taskLatencyMs: 150});
    sim.faults.failTasks(1);
    const failed = (await create(sim)).json.id;
    await until(() => sim.tasks.get(failed)?.status === 'failed');
    sim.faults.failNext(1, 502, {kind: 'poll'});
    expect((await call(`${sim.url}/v1/predictions/${failed}`, {headers: AUTH})).status).toBe(502);
    const view = await call(`${sim.url}/v1/predictions/${failed}`, {headers: AUTH});
    expect(view.json).toMatchObject({status: 'failed', output: null, error: expect.any(String)});

    sim.faults.failAfterCreateNext(1, 504);
    expect((await create(sim, {seed: 1})).status).toBe(504);
    expect(sim.tasks.size).toBe(2);

    sim.faults.setTaskLatency(5000);
    const running = (await create(sim, {seed: 2})).json.id;
    const canceled = await call(`${sim.url}/v1/predictions/${running}/cancel`, {
      method: 'POST',
      headers: AUTH,
    });
    expect([canceled.status, canceled.json.status]).toEqual([200, 'canceled']);
    const again = await call(`${sim.url}/v1/predictions/${failed}/cancel`, {method: 'POST', headers: AUTH});
    expect(again.json.status).toBe('failed');
  });

  it('signs webhooks per Standard Webhooks with the secret it serves; a wrong secret or a stale call is refused', async () => {
    const sim = await start({taskLatencyMs: 50});
    const hook = await servers.webhookReceiver();
    const secret = await call(`${sim.url}/v1/webhooks/default/secret`, {headers: AUTH});
    expect(secret.status).toBe(200);
    expect(secret.json.key).toMatch(/^whsec_/);
    const deliver = async (knobs: {wrongSecret?: boolean; stale?: boolean}) => {
      sim.faults.webhook = knobs;
      const before = hook.calls.length;
      const id = (
        await create(sim, {seed: before}, {webhook: hook.url, webhook_events_filter: ['completed']})
      ).json.id;
      await until(() => hook.calls.length > before, 15_000);
      const received = hook.calls[before];
      return {
        id,
        received,
        verdict: verifyStandardWebhook(
          {headers: received.flat, rawBody: received.rawBody, nowMs: Date.now()},
          secret.json.key,
        ),
      };
    };
    const good = await deliver({});
    const wrong = await deliver({wrongSecret: true});
    const stale = await deliver({stale: true});
    console.table(
      Object.entries({good, wrong, stale}).map(([name, d]) => ({
        name,
        verdict: d.verdict.ok ? 'accepted' : d.verdict.reason,
      })),
    );
    expect(good.verdict).toEqual({ok: true});
    expect(JSON.parse(good.received.rawBody.toString())).toMatchObject({id: good.id, status: 'succeeded'});
    expect(wrong.verdict).toMatchObject({ok: false, reason: 'no v1 signature matches'});
    expect(stale.verdict).toMatchObject({ok: false, reason: expect.stringContaining('timestamp')});
    // `start` only: one call, while processing; no `completed` call.
    sim.faults.webhook = {};
    sim.faults.setTaskLatency(1200);
    const started = (await create(sim, {seed: 99}, {webhook: hook.url, webhook_events_filter: ['start']}))
      .json.id;
    await until(() => sim.tasks.get(started)?.status === 'completed');
    await new Promise((r) => setTimeout(r, 100));
    expect(hook.calls).toHaveLength(4);
    expect(JSON.parse(hook.calls[3].rawBody.toString())).toMatchObject({id: started, status: 'processing'});
    // No filter: every event, so `start` and `completed`.
    const both = (await create(sim, {seed: 100}, {webhook: hook.url})).json.id;
    await until(() => hook.calls.length === 6);
    expect(hook.calls.slice(4).map((c) => JSON.parse(c.rawBody.toString()).status)).toEqual([
      'processing',
      'succeeded',
    ]);
    expect(sim.webhookDeliveries.filter((d) => d.taskId === both).map((d) => d.taskStatus)).toEqual([
      'processing',
      'completed',
    ]);
  });
});
