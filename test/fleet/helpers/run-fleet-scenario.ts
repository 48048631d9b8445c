import {existsSync, mkdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {Redis} from 'ioredis';
import {type Manifest, manifestSchema} from '../../../src/contract/manifest.ts';
import type {Simulator} from '../../../src/simulator/index.ts';
import {sharedKeyPrefix} from '../../../src/state/redis-limits.ts';
import {type CliRun, runCli} from '../../integration/helpers/project.ts';

/** One composition of the fleet's work: the same composition id with its own props and prompt. */
export type FleetComposition = {name: string; props: Record<string, unknown>; prompt: string};

export type FleetScenarioOptions = {
  /** A bundle folder (shared by every run, as a CI fleet shares one `npx remotion bundle`). */
  serveUrl: string;
  compositionId: string;
  compositions: FleetComposition[];
  /** CLI processes at once; composition i goes to worker i mod workers, each worker runs its share in turn. */
  workers: number;
  command: 'render' | 'generate';
  simulator: Simulator;
  apiKey: string;
  redisUrl: string;
  cacheUrl: string;
  /** The AWS variables of the S3-compatible store. */
  s3Env: Record<string, string>;
  /** The key's window and tasks in flight, as the simulator enforces them (given to the CLI as flags). */
  window: {requests: number; intervalMs: number};
  maxTasks: number;
  maxSegmentSeconds: number;
  /** Each run's public dir, cache dir and output go under here. */
  workRoot: string;
  /** Progress lines (one per run started and finished). */
  log?: (line: string) => void;
};

export type FleetJobResult = {
  name: string;
  worker: number;
  run: CliRun;
  wallMs: number;
  manifest: Manifest | null;
  output: string | null;
};

export type FleetScenarioResult = {
  jobs: FleetJobResult[];
  wallMs: number;
  requests: number;
  submits: number;
  maxInWindow: number;
  maxInFlight: number;
  tooMany: number;
  /** The daily counter the fleet keeps in Redis for the key. */
  dailyCounter: number;
  /** Distinct segments the manifests name (by cache key), and the tasks each was served by. */
  tasksBySegment: Map<string, Set<string>>;
  /** Seconds the simulator billed (one task = its clip's length) and seconds of video the manifests cover. */
  billedSeconds: number;
  videoSeconds: number;
  /** Requests per minute over the whole scenario. */
  requestsPerMinute: number;
};

/**
 * Many machines, one key, as a CI fleet runs: `workers` CLI processes at once, each rendering its share of
 * the compositions against one simulator, with the window, the task slots, the claims and the seeds in one
 * Redis and the audio cache in one S3-compatible store. Measures what the issue asks: requests in any
 * window, tasks in flight, the daily counter against what the service saw, submits per segment.
 */
export const runFleetScenario = async (o: FleetScenarioOptions): Promise<FleetScenarioResult> => {
  const started = Date.now();
  const queues = Array.from({length: o.workers}, (_, w) =>
    o.compositions.map((c, i) => ({c, i})).filter(({i}) => i % o.workers === w),
  );
  const runOne = async (c: FleetComposition, worker: number): Promise<FleetJobResult> => {
    const dir = path.join(o.workRoot, c.name);
    mkdirSync(dir, {recursive: true});
    const publicDir = path.join(dir, 'public');
    const output = path.join(dir, 'out.mp4');
    const args = [
      o.command,
      o.serveUrl,
      o.compositionId,
      ...(o.command === 'render' ? [output] : []),
      '--props',
      JSON.stringify(c.props),
      '--prompt',
      c.prompt,
      '--max-segment-seconds',
      String(o.maxSegmentSeconds),
      '--provider',
      'qubico',
      '--redis-url',
      o.redisUrl,
      '--cache-url',
      o.cacheUrl,
      '--rate-limit',
      `${o.window.requests}/${o.window.intervalMs / 1000}`,
      '--max-tasks',
      String(o.maxTasks),
      '--public-dir',
      publicDir,
      '--cache-dir',
      path.join(dir, 'cache'),
      '--log',
      'verbose',
    ];
    o.log?.(`worker ${worker}: ${c.name} start`);
    const t0 = Date.now();
    const run = await runCli(args, {
      cwd: dir,
      env: {
        ...o.s3Env,
        QUBICO_API_KEY: o.apiKey,
        QUBICO_BASE_URL: o.simulator.url,
        REMOTION_MMAUDIO_STATE_DIR: path.join(dir, 'state'),
      },
    }).done;
    const wallMs = Date.now() - t0;
    o.log?.(`worker ${worker}: ${c.name} exit ${run.code} after ${(wallMs / 1000).toFixed(1)} s`);
    const manifestFile = path.join(publicDir, 'mmaudio', o.compositionId, 'manifest.json');
    const manifest = existsSync(manifestFile)
      ? manifestSchema.parse(JSON.parse(readFileSync(manifestFile, 'utf8')))
      : null;
    return {name: c.name, worker, run, wallMs, manifest, output: existsSync(output) ? output : null};
  };
  const perWorker = await Promise.all(
    queues.map(async (queue, worker) => {
      const done: FleetJobResult[] = [];
      for (const {c} of queue) done.push(await runOne(c, worker));
      return done;
    }),
  );
  const wallMs = Date.now() - started;
  const jobs = perWorker.flat().sort((a, b) => a.name.localeCompare(b.name));

  const redis = new Redis(o.redisUrl);
  const days = await redis.hgetall(`${sharedKeyPrefix(o.apiKey, 'qubico')}:day`);
  await redis.quit();
  const tasksBySegment = new Map<string, Set<string>>();
  let videoSeconds = 0;
  for (const job of jobs) {
    if (!job.manifest) continue;
    videoSeconds += job.manifest.durationInFrames / job.manifest.fps;
    for (const s of job.manifest.segments) {
      const set = tasksBySegment.get(s.cacheKey) ?? new Set<string>();
      set.add(s.taskId);
      tasksBySegment.set(s.cacheKey, set);
    }
  }
  const sim = o.simulator;
  const tasks = [...sim.tasks.values()];
  return {
    jobs,
    wallMs,
    requests: sim.requests.length,
    submits: tasks.length,
    maxInWindow: sim.maxRequestsInWindow(o.window.intervalMs),
    maxInFlight: sim.maxConcurrentTasksSeen,
    tooMany: sim.requests.filter((r) => r.status === 429).length,
    dailyCounter: Object.values(days).reduce((sum, n) => sum + Number(n), 0),
    tasksBySegment,
    billedSeconds: tasks.reduce((sum, t) => sum + t.durationInSeconds, 0),
    videoSeconds,
    requestsPerMinute: sim.requests.length / (wallMs / 60_000),
  };
};
