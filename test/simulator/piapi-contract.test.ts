import {readFile} from 'node:fs/promises';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {verifyPlainSecret} from '../../src/providers/verify-plain-secret.ts';
import {type Simulator, type SimulatorOptions, startSimulator} from '../../src/simulator/index.ts';
import {decodeWav, toInt16} from '../../src/wav/wav.ts';
import {makeTestMp4} from '../integration/helpers/make-mp4.ts';
import {call, createTestServers, expectedChirp, matchChirp, probeAudio, until} from './helpers/host-http.ts';

const KEY = 'piapi-sim-key-0123';
const AUTH = {'x-api-key': KEY};
const UNSET = '0001-01-01T00:00:00Z';

let mp4: Buffer;
let videoUrl: string;
const servers = createTestServers();
const sims: Simulator[] = [];
const start = async (options: SimulatorOptions = {}) => {
  const sim = await startSimulator({provider: 'piapi', apiKey: KEY, taskLatencyMs: 200, ...options});
  sims.push(sim);
  return sim;
};
const body = (input: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  model: 'Qubico/mmaudio',
  task_type: 'video2audio',
  input: {video: videoUrl, prompt: 'birds at dawn', seed: 7, ...input},
  ...extra,
});
const submit = (sim: Simulator, input: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  call(`${sim.url}/api/v1/task`, {method: 'POST', headers: AUTH, body: body(input, extra)});
const poll = (sim: Simulator, id: string) => call(`${sim.url}/api/v1/task/${id}`, {headers: AUTH});

beforeAll(async () => {
  mp4 = await readFile(await makeTestMp4({seconds: 2}));
  videoUrl = await servers.videoHost(mp4);
});
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});
afterAll(() => servers.close());

describe('PiAPI simulator: the task envelope contract', () => {
  it('answers in {code, message, data}; pending → completed; output.audio_url is the chirp, sample for sample', async () => {
    const sim = await start();
    const submitted = await submit(sim, {video: `data:video/mp4;base64,${mp4.toString('base64')}`});
    expect([submitted.status, submitted.json.code, submitted.json.message]).toEqual([200, 200, 'success']);
    const data = submitted.json.data;
    expect(data).toMatchObject({
      model: 'Qubico/mmaudio',
      task_type: 'video2audio',
      status: 'pending',
      output: {},
    });
    expect(data.meta).toMatchObject({started_at: UNSET, ended_at: UNSET});
    expect(data.error).toMatchObject({code: 0, message: ''});
    expect(data.input).not.toHaveProperty('video');
    await until(() => sim.tasks.get(data.task_id)?.status === 'completed');
    const done = (await poll(sim, data.task_id)).json.data;
    expect(done.status).toBe('completed');
    expect(done.meta.ended_at).not.toBe(UNSET);
    const url = done.output.audio_url as string;
    expect(url).toMatch(/\/files\/[^/]+\/0\.wav$/);
    const file = await call(url);
    const wav = decodeWav(file.bytes);
    const expected = expectedChirp(sim.tasks.get(data.task_id)!);
    let firstDifference = -1;
    for (let i = 0; i < expected.length; i++) {
      if (Math.round(wav.channels[0][i] * 32768) !== toInt16(expected[i])) {
        firstDifference = i;
        break;
      }
    }
    console.table([
      {format: 'wav', frames: wav.channels[0].length, expected: expected.length, firstDifference},
    ]);
    expect(wav.channels[0].length).toBe(expected.length);
    expect(firstDifference).toBe(-1);
  });

  it('serves mp3 and m4a variants (resultAudioFormat) and capitalised status words (statusCase)', async () => {
    const sim = await start({taskLatencyMs: 1500});
    const rows = [];
    for (const format of ['mp3', 'm4a'] as const) {
      sim.faults.resultAudioFormat = format;
      sim.faults.statusCase = 'capitalised';
      const id = (await submit(sim, {seed: rows.length})).json.data.task_id;
      expect((await poll(sim, id)).json.data.status).toMatch(/^(Pending|Processing)$/);
      await until(() => sim.tasks.get(id)?.status === 'completed');
      const done = (await poll(sim, id)).json.data;
      expect(done.status).toBe('Completed');
      expect(done.output.audio_url).toMatch(new RegExp(`/0\\.${format}$`));
      // The format is fixed when the task is submitted, not when it is downloaded.
      sim.faults.resultAudioFormat = 'wav';
      const file = await call(done.output.audio_url);
      const audio = await probeAudio(file.bytes, format);
      const match = matchChirp(audio.samples, expectedChirp(sim.tasks.get(id)!));
      rows.push({
        format,
        contentType: file.headers.get('content-type'),
        codec: audio.codec,
        container: audio.formatName,
        bytes: file.bytes.byteLength,
        offsetSamples: match.offsetSamples,
        correlation: match.correlation.toFixed(4),
      });
      expect(match.correlation).toBeGreaterThan(0.9);
    }
    console.table(rows);
    expect(rows.map((r) => r.codec)).toEqual(['mp3', 'aac']);
  });

  it('refuses bad bodies with a 400 envelope, unknown paths with plain text, no key with 401', async () => {
    const sim = await start();
    const long = await readFile(await makeTestMp4({seconds: 31, fps: 5, width: 32, height: 18}));
    const cases: [string, ReturnType<typeof body> | Record<string, unknown>][] = [
      ['task_type', {...body(), task_type: 'txt2audio'}],
      ['model', {...body(), model: 'other'}],
      ['no prompt', body({prompt: ''})],
      ['steps 10', body({steps: 10})],
      ['seed -1', body({seed: -1})],
      ['raw base64', body({video: mp4.toString('base64')})],
      ['31 s video', body({video: `data:video/mp4;base64,${long.toString('base64')}`})],
      ['webhook endpoint', body({}, {config: {webhook_config: {endpoint: 'ftp://x', secret: 's'}}})],
    ];
    const rows = [];
    for (const [name, sent] of cases) {
      const answer = await call(`${sim.url}/api/v1/task`, {method: 'POST', headers: AUTH, body: sent});
      rows.push({case: name, status: answer.status, code: answer.json?.code, message: answer.json?.message});
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({code: 400, message: expect.any(String), data: null});
    }
    console.table(rows);
    expect(sim.tasks.size).toBe(0);
    const unknown = await call(`${sim.url}/api/v2/whatever`, {headers: AUTH});
    expect([unknown.status, unknown.headers.get('content-type'), unknown.text]).toEqual([
      404,
      'text/plain; charset=utf-8',
      '404 page not found',
    ]);
    const noKey = await call(`${sim.url}/api/v1/task/x`);
    expect([noKey.status, noKey.json.code]).toEqual([401, 401]);
    const missing = await poll(sim, 'no-such-task');
    expect([missing.status, missing.json.code]).toEqual([404, 404]);
  });

  it('maps 429 and failed tasks to envelopes, and sends webhooks {timestamp, data} with the plain secret', async () => {
    const sim = await start({taskLatencyMs: 50});
    sim.faults.failNext(1, 429, {kind: 'submit', retryAfter: '3'});
    const limited = await submit(sim);
    expect([limited.status, limited.json.code, limited.headers.get('retry-after')]).toEqual([429, 429, '3']);
    const hook = await servers.webhookReceiver();
    const secret = 'piapi-webhook-secret';
    const config = {config: {webhook_config: {endpoint: hook.url, secret}}};
    sim.faults.failTasks(1);
    const failed = (await submit(sim, {seed: 1}, config)).json.data.task_id;
    await until(() => hook.calls.length === 1);
    const failedView = (await poll(sim, failed)).json.data;
    expect(failedView).toMatchObject({status: 'failed', error: {message: expect.stringMatching(/\S/)}});
    sim.faults.webhook = {wrongSecret: true};
    await submit(sim, {seed: 2}, config);
    await until(() => hook.calls.length === 2);
    const verdicts = hook.calls.map((c) =>
      verifyPlainSecret({headers: c.flat, rawBody: c.rawBody, nowMs: Date.now()}, secret),
    );
    const first = JSON.parse(hook.calls[0].rawBody.toString());
    console.table(
      hook.calls.map((c, i) => ({
        call: i,
        status: JSON.parse(c.rawBody.toString()).data.status,
        verdict: verdicts[i].ok ? 'accepted' : 'refused',
      })),
    );
    expect(first).toMatchObject({timestamp: expect.any(Number), data: {task_id: failed, status: 'failed'}});
    expect(Math.abs(first.timestamp - Date.now() / 1000)).toBeLessThan(30);
    expect(verdicts.map((v) => v.ok)).toEqual([true, false]);
  });
});
