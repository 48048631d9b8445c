import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {bundleTestProject, testTimelineProps} from '../integration/helpers/project.ts';
import {type FleetComposition, runFleetScenario} from './helpers/run-fleet-scenario.ts';
import {startRedis, type TestRedis} from './helpers/start-redis.ts';
import {startS3, type TestS3} from './helpers/start-s3.ts';

const KEY = 'fleet-scenario-key-0016';
const BUCKET = 'mmaudio-fleet';
/** The key's limits scaled down in time: 10 requests per 3 s (the real one: 20 per minute), 5 tasks. */
const WINDOW = {requests: 10, intervalMs: 3000};
const MAX_TASKS = 5;

let redis: TestRedis;
let s3: TestS3;
let sim: Simulator;
let serveUrl: string;
let workRoot: string;

beforeAll(async () => {
  [serveUrl, redis, s3] = await Promise.all([bundleTestProject(), startRedis(), startS3([BUCKET])]);
  sim = await startSimulator({
    apiKey: KEY,
    taskLatencyMs: 1500,
    limits: {requestsPerWindow: WINDOW.requests, windowMs: WINDOW.intervalMs, concurrentTasks: MAX_TASKS},
  });
  workRoot = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-fleet-scenario-'));
}, 180_000);
afterAll(async () => {
  await sim?.close();
  await redis?.stop();
  await s3?.stop();
  if (workRoot) await rm(workRoot, {recursive: true, force: true});
});

// Eight compositions; the first two identical (same picture, props and prompt), started at the same
// moment on two machines, with no --seed: they must agree on the seeds and buy each segment once.
const compositions: FleetComposition[] = Array.from({length: 8}, (_, i) => {
  const k = i === 0 ? 1 : i;
  return {
    name: `c${i}`,
    props: testTimelineProps({
      durationInSeconds: k % 2 ? 4 : 3,
      fps: 5,
      variant: k,
      variantFrom: 0,
      variantTo: 4,
    }),
    prompt: `fleet composition ${k}: footsteps on gravel`,
  };
});

describe('four CLI processes render eight compositions against one key (real Redis, real S3-protocol store)', () => {
  it('no window overrun, ≤ 5 tasks in flight, the daily counter exact, every segment submitted once, the identical composition billed once', async () => {
    const result = await runFleetScenario({
      serveUrl,
      compositionId: 'test-timeline',
      compositions,
      workers: 4,
      command: 'render',
      simulator: sim,
      apiKey: KEY,
      redisUrl: redis.url,
      cacheUrl: `s3://${BUCKET}/scenario`,
      s3Env: s3.env,
      window: WINDOW,
      maxTasks: MAX_TASKS,
      maxSegmentSeconds: 2,
      workRoot,
      log: (line) => console.log(`[fleet] ${line}`),
    });
    for (const job of result.jobs) {
      if (job.run.code !== 0) console.log(`${job.name} failed:\n${job.run.stdout}\n${job.run.stderr}`);
    }
    const segmentsWanted = result.jobs.reduce((n, j) => n + (j.manifest?.segments.length ?? 0), 0);
    const submitsOfOneSegment = Math.max(...[...result.tasksBySegment.values()].map((s) => s.size));
    console.table({
      'processes at once': 4,
      compositions: result.jobs.length,
      'wall time (s)': (result.wallMs / 1000).toFixed(1),
      'segments wanted / distinct': `${segmentsWanted} / ${result.tasksBySegment.size}`,
      'requests seen by the simulator': result.requests,
      'requests per minute (limit 200 at this scale)': result.requestsPerMinute.toFixed(0),
      [`max requests in any ${WINDOW.intervalMs} ms (limit ${WINDOW.requests})`]: result.maxInWindow,
      [`max tasks in flight (limit ${MAX_TASKS})`]: result.maxInFlight,
      '429s': result.tooMany,
      'daily counter in Redis': result.dailyCounter,
      'submits (tasks billed)': result.submits,
      'most tasks behind one segment': submitsOfOneSegment,
      'billed s / video s': `${result.billedSeconds.toFixed(1)} / ${result.videoSeconds.toFixed(1)}`,
    });
    console.table(
      result.jobs.map((j) => ({
        composition: j.name,
        worker: j.worker,
        exit: j.run.code,
        s: (j.wallMs / 1000).toFixed(1),
        segments: j.manifest?.segments.length ?? 0,
        bill: j.run.stdout.split('\n').find((l) => l.startsWith('billed')) ?? '',
      })),
    );

    expect(result.jobs.map((j) => j.run.code)).toEqual(Array(8).fill(0));
    expect(result.jobs.every((j) => j.output !== null && j.manifest !== null)).toBe(true);
    expect(result.maxInWindow).toBeLessThanOrEqual(WINDOW.requests);
    expect(result.maxInFlight).toBeLessThanOrEqual(MAX_TASKS);
    expect(result.tooMany).toBe(0);
    expect(result.dailyCounter).toBe(result.requests);
    // Every segment the manifests name was bought by one task, and nothing else was bought.
    expect(submitsOfOneSegment).toBe(1);
    expect(result.submits).toBe(result.tasksBySegment.size);
    // The identical composition: the same segments, the same seeds, the same tasks (billed once in total).
    const [a, b] = [result.jobs[0].manifest!, result.jobs[1].manifest!];
    expect(b.segments.map((s) => [s.cacheKey, s.seed, s.taskId])).toEqual(
      a.segments.map((s) => [s.cacheKey, s.seed, s.taskId]),
    );
    const others = result.jobs.slice(1).flatMap((j) => j.manifest!.segments.map((s) => s.cacheKey));
    expect(new Set(others).size).toBe(others.length);
  }, 900_000);
});
