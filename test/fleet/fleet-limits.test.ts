import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {Redis} from 'ioredis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createQubicoClient} from '../../src/api/client.ts';
import {createQubicoBackend} from '../../src/backends/qubico.ts';
import {UnknownSubmitError} from '../../src/backends/unknown-submit-error.ts';
import {silentLogger} from '../../src/log.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {SharedStateUnavailableError} from '../../src/state/connect-redis.ts';
import {createSubmitJournal} from '../../src/state/journal.ts';
import {createRedisClaims} from '../../src/state/redis-claims.ts';
import {createRedisLimits, sharedKeyPrefix} from '../../src/state/redis-limits.ts';
import {createSegmentClaimLayer} from '../../src/state/segment-claim-layer.ts';
import {makeTestMp4} from '../integration/helpers/make-mp4.ts';
import {runWorker} from './helpers/run-worker.ts';
import {freePort, startRedis, type TestRedis} from './helpers/start-redis.ts';

const KEY = 'fleet-key-0016';
/** The key's limits scaled down in time: 10 requests per 2 s window (the real one: 20 per minute). */
const WINDOW = {requests: 10, intervalMs: 2000};
let redis: TestRedis;
let sim: Simulator;
let proxyPath: string;
let dir: string;

beforeAll(async () => {
  redis = await startRedis();
  sim = await startSimulator({
    apiKey: KEY,
    taskLatencyMs: 800,
    limits: {requestsPerWindow: WINDOW.requests, windowMs: WINDOW.intervalMs, concurrentTasks: 5},
  });
  proxyPath = await makeTestMp4({seconds: 2, width: 32, height: 18});
  dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-fleet-'));
});
afterAll(async () => {
  await sim?.close();
  await redis?.stop();
  if (dir) await rm(dir, {recursive: true, force: true});
});

const baseJob = (name: string) => ({
  redisUrl: redis.url,
  baseUrl: sim.url,
  apiKey: KEY,
  workDir: path.join(dir, name),
  proxyPath,
  window: WINDOW,
  maxConcurrentTasks: 5,
  leaseMs: 1500,
});

const submitsPerSegment = () => {
  const counts = new Map<string, number>();
  for (const t of sim.tasks.values()) counts.set(t.prompt, (counts.get(t.prompt) ?? 0) + 1);
  return counts;
};

describe('shared limits and segment claims in Redis, across processes', () => {
  it('four processes, ten distinct segments (two wanted by all four): window, slots, daily counter exact, one submit per segment', async () => {
    sim.reset();
    const shared = [
      {cacheKey: 'shared-a', seed: 1},
      {cacheKey: 'shared-b', seed: 2},
    ];
    const workers = [0, 1, 2, 3].map((w) =>
      runWorker({
        ...baseJob(`w${w}`),
        segments: [...shared, {cacheKey: `own-${w}-a`, seed: 10 + w}, {cacheKey: `own-${w}-b`, seed: 20 + w}],
      }),
    );
    const codes = await Promise.all(workers.map((w) => w.exited));
    for (const w of workers) if (w.stderr()) console.log(w.stderr());
    expect(codes).toEqual([0, 0, 0, 0]);
    const results = workers.flatMap((w) => w.lines.filter((l) => l.cacheKey));
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(results).toHaveLength(16);

    const perSegment = submitsPerSegment();
    const reader = new Redis(redis.url);
    const days = await reader.hgetall(`${sharedKeyPrefix(KEY, 'qubico')}:day`);
    await reader.quit();
    const counter = Object.values(days).reduce((sum, n) => sum + Number(n), 0);
    const windowMs = WINDOW.intervalMs;
    const table = {
      processes: workers.length,
      'segments wanted': results.length,
      'distinct segments': perSegment.size,
      'requests seen by the simulator': sim.requests.length,
      'submits / polls / downloads': `${sim.requests.filter((r) => r.kind === 'submit').length} / ${sim.requests.filter((r) => r.kind === 'poll').length} / ${sim.requests.filter((r) => r.kind === 'result').length}`,
      [`max requests in any ${windowMs} ms window (limit ${WINDOW.requests})`]:
        sim.maxRequestsInWindow(windowMs),
      'max tasks in flight (limit 5)': sim.maxConcurrentTasksSeen,
      '429s answered': sim.requests.filter((r) => r.status === 429).length,
      'daily counter in Redis': counter,
      'max submits of one segment': Math.max(...perSegment.values()),
      'billed seconds (2 s per segment)': results.reduce((s, r) => s + (r.billedSeconds ?? 0), 0),
    };
    console.table(table);

    expect(sim.maxRequestsInWindow(windowMs)).toBeLessThanOrEqual(WINDOW.requests);
    expect(sim.maxConcurrentTasksSeen).toBeLessThanOrEqual(5);
    expect(sim.requests.filter((r) => r.status === 429)).toEqual([]);
    expect(counter).toBe(sim.requests.length);
    expect(perSegment.size).toBe(10);
    expect([...perSegment.values()].every((n) => n === 1)).toBe(true);
    // The shared segments are billed once in total, whoever bought them.
    for (const s of shared) {
      const forIt = results.filter((r) => r.cacheKey === s.cacheKey);
      expect(forIt).toHaveLength(4);
      expect(new Set(forIt.map((r) => r.taskId)).size).toBe(1);
      expect(forIt.reduce((sum, r) => sum + (r.submits ?? 0), 0)).toBe(1);
      expect(forIt.reduce((sum, r) => sum + (r.billedSeconds ?? 0), 0)).toBe(2);
    }
  }, 120_000);

  it('a worker SIGKILLed holding a claim and the only slot: another takes over after the lease, no second submit', async () => {
    sim.reset();
    sim.faults.setTaskLatency(3000);
    const segment = {cacheKey: 'killed-holder', seed: 7};
    const job = {...baseJob('kill'), maxConcurrentTasks: 1, segments: [segment]};
    const first = runWorker({...job, workDir: path.join(dir, 'kill-a')});
    // Wait until its submit has been answered (the task id is in Redis), then kill it.
    const deadline = Date.now() + 30_000;
    while (!sim.requests.some((r) => r.kind === 'submit' && r.status === 202)) {
      if (Date.now() > deadline) throw new Error(`no submit: ${first.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // The second worker is up and waiting on the claim (and the only slot) when the first dies.
    const second = runWorker({...job, workDir: path.join(dir, 'kill-b')});
    while (!second.lines.some((l) => l.ready)) {
      if (Date.now() > deadline) throw new Error(`second worker not ready: ${second.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    const pollsWhileHeld = sim.requests.filter((r) => r.kind === 'poll').length;
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await first.exited).toBeNull();
    expect(await second.exited).toBe(0);
    const result = second.lines.find((l) => l.cacheKey === segment.cacheKey)!;
    const submits = sim.requests.filter((r) => r.kind === 'submit');
    const task = [...sim.tasks.values()][0];
    const tookOverAfter =
      Math.min(...sim.requests.filter((r) => r.at > killedAt && r.kind === 'poll').map((r) => r.at)) -
      killedAt;
    console.table({
      'submits at the service': submits.length,
      'taken over after (ms, lease 1500)': tookOverAfter,
      'second worker: submits / billed s': `${result.submits} / ${result.billedSeconds}`,
      'same task': result.taskId === task.taskId,
      'polls before the kill (first worker only)': pollsWhileHeld,
    });
    expect(result.error).toBeUndefined();
    expect(submits).toHaveLength(1);
    expect(result.taskId).toBe(task.taskId);
    expect(result.submits).toBe(0);
    expect(result.billedSeconds).toBe(0);
  }, 60_000);

  it('an unknown outcome stays unknown fleet-wide: another worker refuses the segment instead of paying again', async () => {
    sim.reset();
    const makeWorker = async (name: string) => {
      const limits = await createRedisLimits({url: redis.url, apiKey: KEY, ...WINDOW, pollMs: 20});
      const claims = await createRedisClaims({url: redis.url, apiKey: KEY, leaseMs: 1500});
      const client = createQubicoClient({
        apiKey: KEY,
        baseUrl: sim.url,
        rateLimit: WINDOW,
        retryBaseDelayMs: 20,
        retryMaxDelayMs: 50,
        pollIntervalMs: {min: 100, max: 400},
        sharedLimits: limits,
      });
      const local = createSubmitJournal(path.join(dir, name, 'journal'));
      const layer = createSegmentClaimLayer({claims, journal: local, baseUrl: client.baseUrl, pollMs: 50});
      const backend = layer.wrap(createQubicoBackend({client, journal: layer.journal}));
      return {
        backend,
        close: async () => {
          await client.close();
          await limits.close();
          await claims.close();
        },
      };
    };
    const request = {
      segmentIndex: 0,
      proxyPath,
      durationInSeconds: 2,
      prompt: 'fleet segment unknown-outcome',
      negativePrompt: null,
      steps: 25,
      seed: 3,
      outputPath: path.join(dir, 'unknown.wav'),
      cacheKey: 'unknown-outcome',
    };
    const a = await makeWorker('unknown-a');
    const b = await makeWorker('unknown-b');
    try {
      // The submit is read in full, then its connection is cut: the task may exist and be billed.
      sim.faults.dropNext(1, {kind: 'submit'});
      const first = await a.backend.generate(request, {logger: silentLogger()}).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(UnknownSubmitError);
      const second = await b.backend.generate(request, {logger: silentLogger()}).catch((e: unknown) => e);
      const submits = sim.requests.filter((r) => r.kind === 'submit');
      console.table({
        'worker A': (first as Error).name,
        'worker B (another journal)': (second as Error).name,
        'submits at the service': submits.length,
      });
      expect(second).toBeInstanceOf(UnknownSubmitError);
      expect(submits).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('auto-seeds agreed through Redis: of proposals made at once on many machines, one stands for all', async () => {
    const fleet = await Promise.all([0, 1, 2, 3].map(() => createRedisClaims({url: redis.url, apiKey: KEY})));
    try {
      const proposals = [11, 22, 33, 44];
      const agreed = await Promise.all(fleet.map((c, i) => c.agreeSeed('new-segment', proposals[i])));
      console.log(`seed proposals ${proposals.join(', ')} → agreed ${agreed.join(', ')}`);
      expect(new Set(agreed).size).toBe(1);
      expect(proposals).toContain(agreed[0]);
      // Later proposals do not move it; another segment has its own.
      expect(await fleet[3].agreeSeed('new-segment', 99)).toBe(agreed[0]);
      expect(await fleet[2].agreeSeed('other-segment', 7)).toBe(7);
    } finally {
      await Promise.all(fleet.map((c) => c.close()));
    }
  });

  it('Redis down: creating the shared limits fails at once with a message naming the URL, not the password', async () => {
    const port = await freePort();
    const started = Date.now();
    const error = await createRedisLimits({url: `redis://:hunter2@127.0.0.1:${port}`, apiKey: KEY}).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SharedStateUnavailableError);
    const message = (error as Error).message;
    console.log(`Redis down: failed after ${Date.now() - started} ms: ${message}`);
    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).toContain('rather than use local limits');
    expect(message).toContain('ECONNREFUSED');
    expect(message).not.toContain('hunter2');
  });
});
