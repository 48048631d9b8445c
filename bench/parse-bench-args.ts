import {parseArgs} from 'node:util';
import {UsageError} from '../src/errors.ts';

export type BenchArgs = {
  /** Runs per composition; every variant is measured once per run. */
  runs: number;
  /** Only this composition (a name from bench-compositions.ts), or null for the mode's default set. */
  only: string | null;
  /** A short smoke version: one small composition, one run unless --runs is given. */
  quick: boolean;
  /** Per-task latency of the simulated API. */
  latencyMs: number;
  /** Remotion render concurrency for every variant; null: Remotion's default. */
  concurrency: number | null;
  /** Remotion codec of every variant (`--codec`, as Remotion's flag). */
  codec: 'h264' | 'h265' | 'vp8' | 'vp9' | 'prores';
  /** Remotion's `--scale` for every variant. */
  scale: number;
  /** Leave out the naive reference design (it costs about two plain renders): `--skip-naive`. */
  skipNaive: boolean;
  /** Where results.json goes. */
  output: string;
  help: boolean;
};

export const BENCH_USAGE = `Usage: npm run bench -- [--runs N] [--only NAME] [--quick] [--latency-ms L] [--concurrency C]

  --runs N          runs per composition (default 3; 1 with --quick)
  --only NAME       one composition: demo, long, short15, short50, hd15 or short (default: all but short;
                    short with --quick)
  --quick           smoke version: a short composition, finishes in a few minutes
  --latency-ms L    per-task latency of the simulated API (default 10000)
  --concurrency C   Remotion render concurrency for every variant (default: Remotion's)
  --codec CODEC     Remotion codec of every variant: h264 (default), h265, vp8, vp9, prores
  --scale S         Remotion's --scale for every variant (default 1)
  --skip-naive      leave out the naive reference design (a quicker look at cold, warm and plain)
  --output FILE     where the results go (default bench/results.json)`;

const positiveInteger = (flag: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive integer, got "${value}".`);
  return n;
};

const options = {
  runs: {type: 'string'},
  only: {type: 'string'},
  quick: {type: 'boolean'},
  'latency-ms': {type: 'string'},
  concurrency: {type: 'string'},
  codec: {type: 'string'},
  scale: {type: 'string'},
  output: {type: 'string'},
  'skip-naive': {type: 'boolean'},
  help: {type: 'boolean', short: 'h'},
} as const;

export const parseBenchArgs = (argv: string[], defaults: {output: string}): BenchArgs => {
  const parse = () => {
    try {
      return parseArgs({args: argv, options, strict: true, allowPositionals: false});
    } catch (err) {
      throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n${BENCH_USAGE}`);
    }
  };
  const {values} = parse();
  const quick = values.quick ?? false;
  const latency = values['latency-ms'];
  const latencyMs = latency === undefined ? 10_000 : Number(latency);
  if (!Number.isFinite(latencyMs) || latencyMs < 0) {
    throw new UsageError(`--latency-ms must be a number of milliseconds ≥ 0, got "${latency}".`);
  }
  const codec = values.codec ?? 'h264';
  if (!['h264', 'h265', 'vp8', 'vp9', 'prores'].includes(codec)) {
    throw new UsageError(`--codec must be h264, h265, vp8, vp9 or prores, got "${codec}".`);
  }
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new UsageError(`--scale must be a number above 0, got "${values.scale}".`);
  }
  return {
    codec: codec as BenchArgs['codec'],
    scale,
    runs: positiveInteger('--runs', values.runs, quick ? 1 : 3),
    only: values.only ?? null,
    quick,
    latencyMs,
    concurrency:
      values.concurrency === undefined ? null : positiveInteger('--concurrency', values.concurrency, 1),
    skipNaive: values['skip-naive'] ?? false,
    output: values.output ?? defaults.output,
    help: values.help ?? false,
  };
};
