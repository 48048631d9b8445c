import {type ChildProcess, spawn} from 'node:child_process';
import {once} from 'node:events';
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi} from 'vitest';
import {createQubicoClient, type QubicoClientOptions} from '../../src/api/client.ts';
import {RateLimitError} from '../../src/api/errors.ts';
import {quotaFileName} from '../../src/api/quota.ts';
import {requestWindowFileName} from '../../src/api/request-window-store.ts';
import {createLogger} from '../../src/log.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {makeTestMp4} from './helpers/make-mp4.ts';

/**
 * The request window outlives the client: a client created after another (in this process or in the
 * next one) starts with the other's recent requests counted, so the service never sees more than its
 * limit in a window, and never answers 429. The window is scaled down (10 per second on both sides) where
 * real time passes, and is the real 20 per minute under faked time.
 */

const KEY = 'test-key-window-0004-never-on-disk';
const WINDOW = {requests: 10, intervalMs: 1000};
const ROOT = path.resolve(import.meta.dirname, '../..');
let sim: Simulator;
let video: string;
let stateDir: string;

beforeAll(async () => {
  sim = await startSimulator({
    apiKey: KEY,
    taskLatencyMs: 60_000,
    limits: {requestsPerWindow: WINDOW.requests, windowMs: WINDOW.intervalMs, requestsPerDay: 10_000},
  });
  video = (await readFile(await makeTestMp4({seconds: 1, width: 32, height: 18}))).toString('base64');
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-window-'));
  sim.reset();
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(stateDir, {recursive: true, force: true});
});

const capture = () => {
  const lines: string[] = [];
  const sink = {write: (chunk: string) => lines.push(chunk)};
  return {lines, logger: createLogger({level: 'trace', stdout: sink, stderr: sink})};
};

const clientFor = (options: QubicoClientOptions = {}) =>
  createQubicoClient({
    apiKey: KEY,
    baseUrl: sim.url,
    dailyQuota: {directory: stateDir},
    rateLimit: WINDOW,
    maxRetries: 0,
    ...options,
  });

/** One submit, then polls of that task: `count` requests in all. Returns the task id. */
const spend = async (client: ReturnType<typeof clientFor>, count: number): Promise<string> => {
  const task = await client.submit({video, prompt: 'rain on a window'});
  for (let i = 1; i < count; i++) await client.getTask(task.task_id);
  return task.task_id;
};

const statuses = () => sim.requests.map((r) => r.status);
const windowFile = () => path.join(stateDir, requestWindowFileName(KEY));

describe('the request window across clients', () => {
  it('a second client waits for the first one’s requests to leave the window: never 11 in 1 s, no 429', async () => {
    const first = clientFor();
    let taskId: string;
    try {
      taskId = await spend(first, 10);
    } finally {
      await first.close();
    }
    const saved = JSON.parse(await readFile(windowFile(), 'utf8')) as {version: number; requests: number[]};
    expect(saved.version).toBe(1);
    expect(saved.requests).toHaveLength(10);

    const {lines, logger} = capture();
    const second = clientFor({logger});
    try {
      for (let i = 0; i < 5; i++) await second.getTask(taskId);
    } finally {
      await second.close();
    }
    expect(statuses()).toEqual([202, ...Array(14).fill(200)]);
    expect(sim.maxRequestsInWindow(WINDOW.intervalMs)).toBeLessThanOrEqual(WINDOW.requests);
    // The second client's first request came a full window after the first client's first one.
    expect(sim.requests[10].at - sim.requests[0].at).toBeGreaterThanOrEqual(WINDOW.intervalMs);
    const log = lines.join('');
    expect(log).toContain('Request window: 10 request(s) of an earlier run still count (10 per 1000 ms)');
    expect(log).toMatch(/Request window full \(10\/1000 ms\): waiting \d+ ms/);

    // Neither the file names nor the files hold the key; the window holds at most N times.
    const files = (await readdir(stateDir)).sort();
    expect(files).toEqual([quotaFileName(KEY), requestWindowFileName(KEY)]);
    for (const file of files) {
      expect(file).not.toContain(KEY);
      expect(await readFile(path.join(stateDir, file), 'utf8')).not.toContain(KEY);
    }
    const after = JSON.parse(await readFile(windowFile(), 'utf8')) as {requests: number[]};
    expect(after.requests.length).toBeLessThanOrEqual(WINDOW.requests);
    expect(log).not.toContain(KEY);
  });

  it('without persistence (rateLimit.persist: false) the second client is refused with a 429', async () => {
    const first = clientFor({rateLimit: {...WINDOW, persist: false}});
    let taskId: string;
    try {
      taskId = await spend(first, 10);
    } finally {
      await first.close();
    }
    const second = clientFor({rateLimit: {...WINDOW, persist: false}});
    try {
      await expect(second.getTask(taskId)).rejects.toBeInstanceOf(RateLimitError);
    } finally {
      await second.close();
    }
    expect(statuses().at(-1)).toBe(429);
    expect(await readdir(stateDir)).toEqual([quotaFileName(KEY)]);
  });

  it('dailyQuota: false keeps nothing on disk; rateLimit.persist can still name a directory', async () => {
    const other = path.join(stateDir, 'elsewhere');
    const client = clientFor({dailyQuota: false, rateLimit: {...WINDOW, persist: {directory: other}}});
    try {
      await spend(client, 1);
    } finally {
      await client.close();
    }
    expect(await readdir(stateDir)).toEqual(['elsewhere']);
    expect(await readdir(other)).toEqual([requestWindowFileName(KEY)]);
    const none = clientFor({dailyQuota: false});
    try {
      await none.getTask(sim.requests[0].taskId!);
    } finally {
      await none.close();
    }
    expect(await readdir(stateDir)).toEqual(['elsewhere']);
    expect(() => clientFor({rateLimit: {persist: {directory: ''}}})).toThrow(
      'rateLimit.persist must be true, false or {directory: string}',
    );
  });

  it('a corrupt window file is ignored with a verbose line, then replaced', async () => {
    await writeFile(windowFile(), '{"version":1,"requests":[17');
    const {lines, logger} = capture();
    const client = clientFor({logger});
    try {
      await spend(client, 2);
    } finally {
      await client.close();
    }
    expect(lines.join('')).toContain(`The request window ${windowFile()} is corrupt (not JSON); ignored.`);
    expect(lines.join('')).not.toContain('Request window full');
    const saved = JSON.parse(await readFile(windowFile(), 'utf8')) as {requests: number[]};
    expect(saved.requests).toHaveLength(2);
  });

  it('a run killed with a request in flight: the next process counts that request too', async () => {
    // The first run is a real process on the built package (dist/, built by the global setup): it spends
    // 9 requests, sends a 10th that the server holds, and is killed while it waits for the answer.
    const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      cwd: ROOT,
      env: {...process.env, W_KEY: KEY, W_URL: sim.url, W_DIR: stateDir, W_VIDEO: video},
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      const stdout = createInterface({input: child.stdout!});
      const [line] = (await once(stdout, 'line')) as [string];
      const taskId = line.trim();
      expect(sim.requests).toHaveLength(9);
      sim.faults.delayNext(1, 1500, {kind: 'poll'});
      child.stdin!.write('go\n');
      for (let i = 0; i < 500 && sim.requests.length < 10; i++) await new Promise((r) => setTimeout(r, 10));
      expect(sim.requests).toHaveLength(10);
      child.kill('SIGKILL');
      await once(child, 'exit');

      const {lines, logger} = capture();
      const next = clientFor({logger});
      try {
        await next.getTask(taskId);
      } finally {
        await next.close();
      }
      expect(lines.join('')).toContain('Request window: 10 request(s) of an earlier run still count');
      const [answered, inFlight, ours] = [sim.requests[0], sim.requests[9], sim.requests[10]];
      expect(inFlight.fault).toBe('delay');
      expect(ours.status).toBe(200);
      expect(ours.at - answered.at).toBeGreaterThanOrEqual(WINDOW.intervalMs);
      expect(sim.requests.filter((r) => r.status === 429)).toEqual([]);
      expect(sim.maxRequestsInWindow(WINDOW.intervalMs)).toBeLessThanOrEqual(WINDOW.requests);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

/** The first run of the killed-run test, as a script for `node -e`. */
const CHILD = `
import {createInterface} from 'node:readline';
import {once} from 'node:events';
import {createQubicoClient} from ${JSON.stringify(path.join(ROOT, 'dist/api/client.js'))};
const client = createQubicoClient({
  apiKey: process.env.W_KEY,
  baseUrl: process.env.W_URL,
  dailyQuota: {directory: process.env.W_DIR},
  rateLimit: ${JSON.stringify(WINDOW)},
  maxRetries: 0,
});
const task = await client.submit({video: process.env.W_VIDEO, prompt: 'rain on a window'});
for (let i = 1; i < 9; i++) await client.getTask(task.task_id);
process.stdout.write(task.task_id + '\\n');
await once(createInterface({input: process.stdin}), 'line');
await client.getTask(task.task_id);
`;

describe('the request window under faked time', () => {
  it('the real window (20 per minute): the next client waits a minute for the last one’s 20 requests', async () => {
    vi.useFakeTimers({toFake: ['Date', 'setTimeout', 'clearTimeout']});
    const fakeSim = await startSimulator({apiKey: KEY, taskLatencyMs: 600_000});
    const options = {baseUrl: fakeSim.url, rateLimit: {}, maxRetries: 0};
    try {
      const first = clientFor(options);
      let taskId: string;
      try {
        const task = await first.submit({video, prompt: 'birds'});
        taskId = task.task_id;
        for (let i = 1; i < 20; i++) await first.getTask(taskId);
      } finally {
        await first.close();
      }
      const start = Date.now();
      let waiting: (line: string) => void = () => undefined;
      const announced = new Promise<string>((resolve) => (waiting = resolve));
      const logger = createLogger({
        level: 'trace',
        stdout: {write: (chunk: string) => chunk.includes('Request window full') && waiting(chunk)},
      });
      const next = clientFor({...options, logger});
      try {
        const read = next.getTask(taskId);
        const line = await announced;
        const ms = Number(/waiting (\d+) ms/.exec(line)?.[1]);
        // 60 s from the first answer, plus the 250 ms margin, less the time the 20 requests took.
        expect(ms).toBeGreaterThan(60_000);
        expect(ms).toBeLessThanOrEqual(60_250);
        await vi.advanceTimersByTimeAsync(ms - 1);
        expect(fakeSim.requests).toHaveLength(20);
        await vi.advanceTimersByTimeAsync(1);
        await read;
      } finally {
        await next.close();
      }
      expect(fakeSim.requests).toHaveLength(21);
      expect(fakeSim.requests[20].at - start).toBeGreaterThanOrEqual(60_000);
      expect(fakeSim.requests.filter((r) => r.status === 429)).toEqual([]);
      expect(fakeSim.maxRequestsInWindow(60_000)).toBe(20);
    } finally {
      await fakeSim.close();
    }
  });
});
