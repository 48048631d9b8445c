import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {createQubicoClient, type QubicoClientOptions} from '../../src/api/client.ts';
import {
  InvalidResultError,
  RequestAbortedError,
  TaskFailedError,
  TaskTimeoutError,
} from '../../src/api/errors.ts';
import type {QubicoTask} from '../../src/api/schema.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {decodeWav, encodeWav} from '../../src/wav/wav.ts';
import {makeTestMp4} from './helpers/make-mp4.ts';

const KEY = 'test-key-tasks-0002';
/** A scaled-down window: 10 requests per second on both sides (the real one is 20 per minute). */
const WINDOW = {requests: 10, intervalMs: 1000};
let sim: Simulator;
let video: string;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({
    apiKey: KEY,
    taskLatencyMs: 300,
    limits: {requestsPerWindow: WINDOW.requests, windowMs: WINDOW.intervalMs, concurrentTasks: 5},
  });
  const file = await makeTestMp4({seconds: 2, width: 32, height: 18});
  video = (await readFile(file)).toString('base64');
  dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-client-tasks-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, {recursive: true, force: true});
});
beforeEach(() => {
  sim.reset();
});

const clientFor = (options: QubicoClientOptions = {}) =>
  createQubicoClient({
    apiKey: KEY,
    baseUrl: sim.url,
    dailyQuota: false,
    rateLimit: WINDOW,
    retryBaseDelayMs: 10,
    retryMaxDelayMs: 50,
    pollIntervalMs: {min: 50, max: 400},
    ...options,
  });

const polls = () => sim.requests.filter((r) => r.kind === 'poll');

describe('waitForTask', () => {
  it('polls no sooner than the estimated time, and resolves with the completed task', async () => {
    const client = clientFor();
    try {
      const submitted = await client.submit({video, prompt: 'waves'});
      const updates: string[] = [];
      const task = await client.waitForTask(submitted.task_id, {
        estimatedTimeSeconds: 0.5,
        onUpdate: (t) => updates.push(t.status),
      });
      expect(task.status).toBe('completed');
      expect(task.results?.[0].url).toMatch(/\/v1\/results\/.+\/0\.wav$/);
      const [submit] = sim.requests;
      // The task takes 300 ms; with an estimate of 500 ms the first poll already finds it done.
      expect(polls()).toHaveLength(1);
      expect(polls()[0].at - submit.at).toBeGreaterThanOrEqual(500);
      expect(updates).toEqual(['completed']);
    } finally {
      await client.close();
    }
  });

  it('backs off ×1.5 between polls, from min up to max', async () => {
    sim.faults.setTaskLatency(1000);
    const client = clientFor({pollIntervalMs: {min: 100, max: 300}});
    try {
      const submitted = await client.submit({video, prompt: 'wind'});
      const updates: string[] = [];
      await client.waitForTask(submitted.task_id, {onUpdate: (t) => updates.push(t.status)});
      const times = [sim.requests[0], ...polls()].map((r) => r.at);
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      // Planned waits: 100, 150, 225, 300, 300, …; each measured gap is at least its planned wait.
      const planned = gaps.map((_, i) => Math.min(100 * 1.5 ** i, 300));
      for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(planned[i] - 1);
      // 1 s of task: 100+150+225+300+300 = 1075 ms, so five polls; a slow machine only makes fewer.
      expect(gaps.length).toBeLessThanOrEqual(5);
      expect(updates.at(-1)).toBe('completed');
      expect(updates).toContain('processing');
    } finally {
      await client.close();
    }
  });

  it('a failed task throws TaskFailedError with the service error', async () => {
    sim.faults.failTasks(1);
    const client = clientFor();
    try {
      const submitted = await client.submit({video, prompt: 'rain'});
      const err = await client.waitForTask(submitted.task_id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskFailedError);
      expect((err as TaskFailedError).taskId).toBe(submitted.task_id);
      expect((err as TaskFailedError).serviceError).toMatchObject({code: 'generation_failed'});
    } finally {
      await client.close();
    }
  });

  it('gives up with TaskTimeoutError after timeoutMs, polling once at the deadline', async () => {
    sim.faults.setTaskLatency(10_000);
    const client = clientFor({pollIntervalMs: {min: 200, max: 200}});
    try {
      const submitted = await client.submit({video, prompt: 'rain'});
      const err = await client.waitForTask(submitted.task_id, {timeoutMs: 500}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskTimeoutError);
      // Still pending: the task turns processing after a quarter of its 10 s.
      expect((err as TaskTimeoutError).lastStatus).toBe('pending');
      // Polls at 200, 400 and 500 ms (the deadline).
      expect(polls()).toHaveLength(3);
    } finally {
      await client.close();
    }
  });

  it('an abort ends the wait with RequestAbortedError and no more polls', async () => {
    sim.faults.setTaskLatency(10_000);
    const client = clientFor({pollIntervalMs: {min: 5000, max: 5000}});
    try {
      const submitted = await client.submit({video, prompt: 'rain'});
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      await expect(client.waitForTask(submitted.task_id, {signal: controller.signal})).rejects.toBeInstanceOf(
        RequestAbortedError,
      );
      expect(polls()).toHaveLength(0);
    } finally {
      await client.close();
    }
  });

  it('closing the client ends pending waits', async () => {
    sim.faults.setTaskLatency(10_000);
    const client = clientFor({pollIntervalMs: {min: 5000, max: 5000}});
    const submitted = await client.submit({video, prompt: 'rain'});
    const waiting = client.waitForTask(submitted.task_id).catch((e: unknown) => e);
    await client.close();
    expect(await waiting).toBeInstanceOf(RequestAbortedError);
  });
});

describe('a run of many tasks', () => {
  it('never exceeds the request window nor 5 tasks in flight (7 tasks, polls and downloads)', async () => {
    sim.faults.setTaskLatency(600);
    const client = clientFor({pollIntervalMs: {min: 100, max: 400}});
    let inSlot = 0;
    let peakInSlot = 0;
    try {
      const results = await Promise.all(
        Array.from({length: 7}, (_, i) =>
          client.withTaskSlot(async () => {
            inSlot++;
            peakInSlot = Math.max(peakInSlot, inSlot);
            try {
              const submitted = await client.submit({video, prompt: `scene ${i}`, seed: i});
              const task: QubicoTask = await client.waitForTask(submitted.task_id, {
                estimatedTimeSeconds: 0,
              });
              return await client.downloadResult(task.results![0].url, path.join(dir, `run-${i}.wav`));
            } finally {
              inSlot--;
            }
          }),
        ),
      );
      expect(results.map((r) => r.format.sampleRate)).toEqual(Array(7).fill(44_100));
      expect(peakInSlot).toBe(5);
      expect(sim.maxConcurrentTasksSeen).toBeLessThanOrEqual(5);
      expect(sim.maxRequestsInWindow(WINDOW.intervalMs)).toBeLessThanOrEqual(WINDOW.requests);
      // More requests than one window holds, so the limiter had to spread them out.
      expect(sim.requests.length).toBeGreaterThan(WINDOW.requests);
      expect(sim.requests.filter((r) => r.status === 429)).toHaveLength(0);
      const stats = client.stats();
      expect(stats).toMatchObject({submits: 7, downloads: 7, retries: 0});
      expect(stats.requests).toBe(sim.requests.length);
      expect(stats.polls).toBe(polls().length);
    } finally {
      await client.close();
    }
  });
});

describe('downloadResult', () => {
  const completedTask = async (client: ReturnType<typeof clientFor>) => {
    const submitted = await client.submit({video, prompt: 'birds'});
    return client.waitForTask(submitted.task_id, {estimatedTimeSeconds: 0.4});
  };

  it('writes a complete wav at the destination', async () => {
    const client = clientFor();
    try {
      const task = await completedTask(client);
      const destination = path.join(dir, 'nested', 'ok.wav');
      const result = await client.downloadResult(task.results![0].url, destination);
      expect(result.path).toBe(destination);
      const bytes = await readFile(destination);
      expect(result.bytes).toBe(bytes.length);
      const audio = decodeWav(bytes);
      expect(audio.sampleRate).toBe(44_100);
      expect(result.format.frames).toBe(audio.channels[0].length);
      expect(result.format.frames / 44_100).toBeCloseTo(task.results![0].duration!, 2);
      expect(await readdir(path.dirname(destination))).toEqual(['ok.wav']);
    } finally {
      await client.close();
    }
  });

  it('never leaves a truncated wav in place: no destination, no temp file', async () => {
    const client = clientFor();
    try {
      const task = await completedTask(client);
      const folder = await mkdtemp(path.join(dir, 'trunc-'));
      const destination = path.join(folder, 'cut.wav');
      sim.faults.truncateResultNext(1);
      const err = await client.downloadResult(task.results![0].url, destination).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidResultError);
      expect((err as Error).message).toContain('Truncated wav');
      expect(await readdir(folder)).toEqual([]);
      expect(sim.requests.filter((r) => r.kind === 'result').map((r) => r.fault)).toEqual(['truncate']);
    } finally {
      await client.close();
    }
  });

  it('a dropped download is retried and leaves no temp file behind', async () => {
    const client = clientFor();
    try {
      const task = await completedTask(client);
      const folder = await mkdtemp(path.join(dir, 'drop-'));
      sim.faults.dropNext(1, {kind: 'result'});
      await client.downloadResult(task.results![0].url, path.join(folder, 'r.wav'));
      expect(await readdir(folder)).toEqual(['r.wav']);
      expect(sim.requests.filter((r) => r.kind === 'result').map((r) => r.status)).toEqual([0, 200]);
    } finally {
      await client.close();
    }
  });

  it('never sends the API key to a result host of another origin', async () => {
    const seen: (string | undefined)[] = [];
    const wav = encodeWav({sampleRate: 16_000, channels: [new Float32Array(1600)]});
    const cdn = http.createServer((req, res) => {
      seen.push(req.headers['x-api-key'] as string | undefined);
      res.writeHead(200, {'content-type': 'audio/wav', 'content-length': wav.length});
      res.end(wav);
    });
    await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve));
    const client = clientFor();
    try {
      const url = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}/r/0.wav?token=abc`;
      const result = await client.downloadResult(url, path.join(dir, 'cdn.wav'));
      expect(result.format).toMatchObject({sampleRate: 16_000, channels: 1, frames: 1600});
      expect(seen).toEqual([undefined]);
      expect(sim.requests).toHaveLength(0);
    } finally {
      await client.close();
      await new Promise((resolve) => cdn.close(resolve));
    }
  });
});
