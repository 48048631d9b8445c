// `npm run bench -- --fleet`: K CLI workers × M compositions against one key (one simulator with the
// key's real limits), the limits, claims and seeds in one Redis, the cache in one S3-protocol store.
// What it shows: the request rate held at the key's limit, and billed seconds against video seconds.
import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {parseArgs} from 'node:util';
import {bundle} from '@remotion/bundler';
import {UsageError} from '../src/errors.ts';
import {startSimulator} from '../src/simulator/index.ts';
import {type FleetComposition, runFleetScenario} from '../test/fleet/helpers/run-fleet-scenario.ts';
import {startRedis} from '../test/fleet/helpers/start-redis.ts';
import {startS3} from '../test/fleet/helpers/start-s3.ts';
import {readMachineInfo} from './read-machine-info.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

export const FLEET_USAGE = `Usage: npm run bench -- --fleet [--workers K] [--compositions M] [--seconds S] [--latency-ms L] [--window N/S]

  --workers K         CLI processes at once (default 4)
  --compositions M    compositions to render, the first two identical (default 8)
  --seconds S         length of each composition (default 20; segments of ≤ 10 s)
  --latency-ms L      the simulated API's time per task (default 10000)
  --window N/S        the key's window: N requests per S seconds (default 20/60, Qubico's); 5 tasks in flight
  --output FILE       where the results go (default bench/results-fleet.json)`;

const log = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

export const runFleetBench = async (argv: string[]): Promise<number> => {
  const {values} = parseArgs({
    args: argv.filter((a) => a !== '--fleet'),
    options: {
      workers: {type: 'string'},
      compositions: {type: 'string'},
      seconds: {type: 'string'},
      'latency-ms': {type: 'string'},
      window: {type: 'string'},
      output: {type: 'string'},
      help: {type: 'boolean', short: 'h'},
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${FLEET_USAGE}\n`);
    return 0;
  }
  const int = (flag: string, v: string | undefined, d: number, min = 1) => {
    const n = v === undefined ? d : Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`--${flag} must be an integer ≥ ${min}, got "${v}".`);
    return n;
  };
  const workers = int('workers', values.workers, 4);
  const count = int('compositions', values.compositions, 8, 2);
  const seconds = int('seconds', values.seconds, 20);
  const latencyMs = int('latency-ms', values['latency-ms'], 10_000, 0);
  const [requests, windowSeconds] = (values.window ?? '20/60').split('/').map(Number);
  if (!(requests >= 1) || !(windowSeconds > 0)) {
    throw new UsageError(`--window must be N/S, e.g. 20/60, got "${values.window}".`);
  }
  const window = {requests, intervalMs: windowSeconds * 1000};
  const output = values.output ?? path.join(ROOT, 'bench/results-fleet.json');

  log('building the CLI (dist/) and bundling remotion/index.ts once for every worker');
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  const serveUrl = await bundle({
    entryPoint: path.join(ROOT, 'remotion/index.ts'),
    publicDir: path.join(ROOT, 'public'),
  });
  const apiKey = 'bench-fleet-key';
  const [redis, s3] = await Promise.all([startRedis(), startS3(['bench-fleet'])]);
  const simulator = await startSimulator({
    apiKey,
    taskLatencyMs: latencyMs,
    limits: {requestsPerWindow: window.requests, windowMs: window.intervalMs, concurrentTasks: 5},
  });
  const workRoot = mkdtempSync(path.join(os.tmpdir(), 'mmaudio-bench-fleet-'));
  const compositions: FleetComposition[] = Array.from({length: count}, (_, i) => {
    const k = i === 0 ? 1 : i;
    return {
      name: `c${i}`,
      props: {
        durationInSeconds: seconds,
        fps: 5,
        width: 160,
        height: 90,
        variant: k,
        variantFrom: 0,
        variantTo: 10,
        ownAudio: false,
      },
      prompt: `fleet bench composition ${k}`,
    };
  });
  try {
    const machine = readMachineInfo({root: ROOT, browserExecutable: null});
    log(
      `${workers} workers × ${count} compositions of ${seconds} s, window ${requests}/${windowSeconds} s, latency ${latencyMs} ms`,
    );
    const r = await runFleetScenario({
      serveUrl,
      compositionId: 'test-timeline',
      compositions,
      workers,
      command: 'render',
      simulator,
      apiKey,
      redisUrl: redis.url,
      cacheUrl: 's3://bench-fleet/cache',
      s3Env: s3.env,
      window,
      maxTasks: 5,
      maxSegmentSeconds: 10,
      workRoot,
      log,
    });
    const failed = r.jobs.filter((j) => j.run.code !== 0);
    for (const j of failed) log(`${j.name} failed:\n${j.run.stderr.slice(-2000)}`);
    const limitPerMinute = (window.requests * 60_000) / window.intervalMs;
    const submitsOfOneSegment = Math.max(0, ...[...r.tasksBySegment.values()].map((s) => s.size));
    const summary = {
      workers,
      compositions: count,
      'wall (s)': Math.round(r.wallMs / 100) / 10,
      requests: r.requests,
      'requests/min over the run': Math.round(r.requestsPerMinute * 10) / 10,
      'key limit (requests/min)': limitPerMinute,
      [`max requests in any ${windowSeconds} s`]: r.maxInWindow,
      'max tasks in flight (5)': r.maxInFlight,
      '429s': r.tooMany,
      'daily counter = requests': r.dailyCounter === r.requests,
      'tasks (submits)': r.submits,
      'distinct segments': r.tasksBySegment.size,
      'most tasks behind one segment': submitsOfOneSegment,
      'billed s': Math.round(r.billedSeconds * 10) / 10,
      'video s': Math.round(r.videoSeconds * 10) / 10,
      'billed / video': Math.round((r.billedSeconds / r.videoSeconds) * 1000) / 1000,
      failed: failed.length,
    };
    console.table(summary);
    console.table(
      r.jobs.map((j) => ({
        composition: j.name,
        worker: j.worker,
        exit: j.run.code,
        'wall (s)': Math.round(j.wallMs / 100) / 10,
        bill: j.run.stdout.split('\n').find((l) => l.startsWith('billed')) ?? '',
      })),
    );
    writeFileSync(
      output,
      `${JSON.stringify(
        {
          machine,
          options: {workers, compositions: count, seconds, latencyMs, window},
          summary,
          jobs: r.jobs.map((j) => ({name: j.name, worker: j.worker, code: j.run.code, wallMs: j.wallMs})),
          requests: simulator.requests.map((q) => ({at: q.at, kind: q.kind, status: q.status})),
        },
        null,
        2,
      )}\n`,
    );
    log(`results in ${path.relative(process.cwd(), output)}`);
    return failed.length === 0 && submitsOfOneSegment <= 1 && r.tooMany === 0 ? 0 : 1;
  } finally {
    await simulator.close();
    await redis.stop();
    await s3.stop();
    rmSync(workRoot, {recursive: true, force: true});
  }
};
