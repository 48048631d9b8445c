import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {createQubicoClient} from '../../src/api/client.ts';
import {QuotaExceededError} from '../../src/api/errors.ts';
import {quotaFileName, utcDay} from '../../src/api/quota.ts';
import {requestWindowFileName} from '../../src/api/request-window-store.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {makeTestMp4} from './helpers/make-mp4.ts';

const KEY = 'test-key-quota-0003-do-not-store';
let sim: Simulator;
let video: string;
let stateDir: string;

beforeAll(async () => {
  sim = await startSimulator({apiKey: KEY, taskLatencyMs: 200});
  video = (await readFile(await makeTestMp4({seconds: 1, width: 32, height: 18}))).toString('base64');
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  sim.reset();
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-state-'));
  return () => rm(stateDir, {recursive: true, force: true});
});

const clientFor = (limit = 500) =>
  createQubicoClient({apiKey: KEY, baseUrl: sim.url, dailyQuota: {limit, directory: stateDir}});

const prefill = (used: number, day = utcDay(Date.now())) =>
  writeFile(path.join(stateDir, quotaFileName(KEY)), JSON.stringify({version: 1, day, used}));

describe('daily quota', () => {
  it('refuses a run before its first request when the counter is nearly full', async () => {
    await prefill(498);
    const client = clientFor();
    try {
      expect(await client.quota!.remaining()).toBe(2);
      const err = await client.quota!.ensureAvailable(3).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QuotaExceededError);
      expect((err as QuotaExceededError).exitCode).toBe(2);
      expect((err as Error).message).toContain('Nothing was sent');
      expect(sim.requests).toHaveLength(0);
    } finally {
      await client.close();
    }
  });

  it('a full counter refuses the submit itself, with nothing sent', async () => {
    await prefill(500);
    const client = clientFor();
    try {
      const err = await client.submit({video, prompt: 'thunder'}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QuotaExceededError);
      expect((err as QuotaExceededError).exitCode).toBe(2);
      expect(sim.requests).toHaveLength(0);
      expect(client.stats().requests).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('counts every request (retries too) and stops mid-run at the limit', async () => {
    await prefill(495);
    const client = createQubicoClient({
      apiKey: KEY,
      baseUrl: sim.url,
      dailyQuota: {directory: stateDir},
      retryBaseDelayMs: 5,
      retryMaxDelayMs: 5,
    });
    try {
      sim.faults.failNext(1, 500, {kind: 'poll'});
      const task = await client.submit({video, prompt: 'thunder'});
      await client.getTask(task.task_id);
      expect(await client.quota!.used()).toBe(498);
      await client.getTask(task.task_id);
      await client.getTask(task.task_id);
      const err = await client.getTask(task.task_id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QuotaExceededError);
      // Requests were already spent in this run: a runtime failure, not a usage error.
      expect((err as QuotaExceededError).exitCode).toBe(1);
      expect(sim.requests).toHaveLength(5);
      expect(await client.quota!.used()).toBe(500);
    } finally {
      await client.close();
    }
  });

  it('persists across two clients, keyed by a hash: the key is in no file (nor in the request window)', async () => {
    const first = clientFor();
    try {
      const task = await first.submit({video, prompt: 'birds'});
      await first.getTask(task.task_id);
    } finally {
      await first.close();
    }
    const second = clientFor();
    try {
      expect(await second.quota!.used()).toBe(2);
      await second.getTask(sim.requests[0].taskId!);
      expect(await second.quota!.used()).toBe(3);
    } finally {
      await second.close();
    }
    const files = (await readdir(stateDir)).sort();
    expect(files).toEqual([quotaFileName(KEY), requestWindowFileName(KEY)]);
    for (const file of files) {
      expect(file).not.toContain(KEY);
      expect(await readFile(path.join(stateDir, file), 'utf8')).not.toContain(KEY);
    }
  });

  it('yesterday’s count does not apply today', async () => {
    await prefill(500, utcDay(Date.now() - 86_400_000));
    const client = clientFor();
    try {
      expect(await client.quota!.used()).toBe(0);
      await client.submit({video, prompt: 'birds'});
      expect(await client.quota!.used()).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('the state directory can come from REMOTION_MMAUDIO_STATE_DIR', async () => {
    const saved = process.env.REMOTION_MMAUDIO_STATE_DIR;
    process.env.REMOTION_MMAUDIO_STATE_DIR = stateDir;
    const client = createQubicoClient({apiKey: KEY, baseUrl: sim.url});
    try {
      await client.submit({video, prompt: 'birds'});
      expect((await readdir(stateDir)).sort()).toEqual([quotaFileName(KEY), requestWindowFileName(KEY)]);
    } finally {
      if (saved === undefined) delete process.env.REMOTION_MMAUDIO_STATE_DIR;
      else process.env.REMOTION_MMAUDIO_STATE_DIR = saved;
      await client.close();
    }
  });
});
