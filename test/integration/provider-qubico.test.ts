import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {createQubicoClient} from '../../src/api/client.ts';
import {AuthenticationError, SubmitOutcomeUnknownError, TaskFailedError} from '../../src/api/errors.ts';
import type {MmaudioProvider, ProviderTask} from '../../src/providers/provider.ts';
import {createQubicoProvider} from '../../src/providers/qubico/create-qubico-provider.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {parseWavHeader} from '../../src/wav/wav.ts';
import {makeTestMp4} from './helpers/make-mp4.ts';

const KEY = 'test-key-provider-qubico-0123456789';
const SECRET = 'provider-webhook-secret-0123456789';
let sim: Simulator;
let video: string;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({apiKey: KEY, taskLatencyMs: 200, estimatedTimeSeconds: 0});
  video = (await readFile(await makeTestMp4({seconds: 2, width: 32, height: 18}))).toString('base64');
  dir = await mkdtemp(path.join(os.tmpdir(), 'provider-qubico-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, {recursive: true, force: true});
});
beforeEach(() => sim.reset());

const provider = (apiKey = KEY): MmaudioProvider =>
  createQubicoProvider(
    createQubicoClient({
      apiKey,
      baseUrl: sim.url,
      dailyQuota: false,
      pollIntervalMs: {min: 50, max: 200},
      retryBaseDelayMs: 10,
    }),
    {webhookSecret: SECRET},
  );

const input = () => ({video, prompt: 'rain on a tin roof', steps: 25, seed: 7, durationInSeconds: 2});

describe('qubico behind the provider interface, over real HTTP against the simulator', () => {
  it('submit → task id, statuses in the host’s words, completed with a result that downloads as a wav', async () => {
    const p = provider();
    try {
      const task = await p.submit(input());
      const seen: ProviderTask[] = [];
      const done = await p.waitForTask(task.taskId, {onUpdate: (t) => seen.push(t)});
      const out = path.join(dir, 'a.wav');
      const downloaded = await p.downloadResult(done.resultUrls[0], out, {segmentSeconds: 2});
      const header = parseWavHeader(await readFile(out));
      console.table({
        submit: {status: task.status, phase: task.phase},
        ...Object.fromEntries(seen.map((t, i) => [`poll ${i + 1}`, {status: t.status, phase: t.phase}])),
        result: {status: `${downloaded.bytes} bytes`, phase: `${header.sampleRate} Hz ${header.channels} ch`},
      });
      expect(task).toMatchObject({phase: 'running', resultUrls: []});
      expect(task.taskId).toMatch(/.+/);
      expect(done).toMatchObject({taskId: task.taskId, status: 'completed', phase: 'completed'});
      expect(header.frames / header.sampleRate).toBeCloseTo(2, 1);
      // Qubico's body has no duration: the contract is unchanged.
      const submitted = sim.tasks.get(task.taskId);
      expect(submitted?.seed).toBe(7);
      expect(p.facts).toMatchObject({maxClipSeconds: 60, resultFormat: 'wav', canCancel: false});
      expect(p.cancel).toBeNull();
    } finally {
      await p.close();
    }
  });

  it('errors: a wrong key, a failed task, a 500 on submit (never repeated)', async () => {
    const bad = provider('wrong-key-0123456789');
    await expect(bad.submit(input())).rejects.toBeInstanceOf(AuthenticationError);
    await bad.close();
    const p = provider();
    try {
      sim.faults.failTasks(1);
      const failing = await p.submit(input());
      await expect(p.waitForTask(failing.taskId)).rejects.toBeInstanceOf(TaskFailedError);
      sim.faults.failNext(1, 500, {kind: 'submit'});
      const before = sim.requests.filter((r) => r.kind === 'submit').length;
      await expect(p.submit(input())).rejects.toBeInstanceOf(SubmitOutcomeUnknownError);
      expect(sim.requests.filter((r) => r.kind === 'submit').length - before).toBe(1);
    } finally {
      await p.close();
    }
  });

  it('a 429 with Retry-After on a poll is waited out, then the poll succeeds', async () => {
    const p = provider();
    try {
      const task = await p.submit(input());
      sim.faults.failNext(1, 429, {kind: 'poll', retryAfter: '1'});
      const t0 = Date.now();
      const polled = await p.getTask(task.taskId);
      const waited = Date.now() - t0;
      console.log(`429 with Retry-After: 1 → answered after ${waited} ms`);
      expect(polled.taskId).toBe(task.taskId);
      expect(waited).toBeGreaterThanOrEqual(950);
    } finally {
      await p.close();
    }
  });

  it('webhook: the plain secret is accepted, a wrong or missing one refused', () => {
    const p = provider();
    const call = (secret?: string) => ({
      headers: {'x-webhook-secret': secret},
      rawBody: Buffer.from('{"task_id":"x"}'),
      nowMs: Date.now(),
    });
    const verdicts = {
      good: p.verifyWebhook(call(SECRET)),
      bad: p.verifyWebhook(call('nope')),
      missing: p.verifyWebhook(call()),
    };
    console.table(
      Object.fromEntries(Object.entries(verdicts).map(([k, v]) => [k, v.ok ? 'accepted' : v.reason])),
    );
    expect(verdicts.good.ok).toBe(true);
    expect(verdicts.bad.ok).toBe(false);
    expect(verdicts.missing.ok).toBe(false);
    return p.close();
  });
});
