import {parseArgs} from 'node:util';
import {UsageError} from '../errors.ts';
import {isLogLevel, type LogLevel} from '../log.ts';
import {isProviderChoice, type ProviderChoice, providerChoices} from '../providers/select-provider.ts';
import {
  flagSpec,
  REMOTION_BOOLEAN_FLAGS,
  REMOTION_NUMBER_FLAGS,
  REMOTION_STRING_FLAGS,
} from './cli-flag-spec.ts';
import {parsePropsFlag, parseRateLimitFlag, positiveInteger, toNumber} from './parse-flag-values.ts';

export type CliFlags = {
  prompt?: string;
  negativePrompt?: string;
  steps?: number;
  seed?: number;
  takes?: number;
  props?: Record<string, unknown>;
  maxSegmentSeconds?: number;
  overlapSeconds?: number;
  /** Alias of `provider` (the older name). */
  backend?: ProviderChoice;
  provider?: ProviderChoice;
  publicDir?: string;
  cacheDir?: string;
  maxCost?: number;
  resubmitUnknown: boolean;
  redisUrl?: string;
  cacheUrl?: string;
  cacheEndpoint?: string;
  /** `s3://bucket/prefix` where proxies are put and sent to the host as presigned URLs. */
  uploadUrl?: string;
  publishUrl?: string;
  /** `render --renderer lambda` and Remotion Lambda's flags (see docs/lambda.md). */
  renderer?: 'local' | 'lambda';
  region?: string;
  functionName?: string;
  framesPerLambda?: number;
  concurrencyPerLambda?: number;
  maxRetries?: number;
  privacy?: string;
  /** `--upload next-to-output|s3://bucket/key.mp4`: also upload the final mp4. */
  upload?: string;
  /** The key's request window (`--rate-limit 20/60`: 20 requests per 60 s). */
  rateLimit?: {requests: number; intervalMs: number};
  /** The key's tasks in flight at once. */
  maxTasks?: number;
  webhookUrl?: string;
  webhookListen?: string;
  browserExecutable?: string;
  chromeMode?: 'headless-shell' | 'chrome-for-testing';
  concurrency?: number;
  /** Seconds. */
  lockTimeout?: number;
  log: LogLevel;
  port?: number;
  host?: string;
  apiKey?: string;
  taskLatencyMs?: number;
  help: boolean;
  /**
   * Remotion's flags by Remotion's names (`crf`, `video-bitrate`…), for Remotion's own option getters:
   * they apply flag > remotion.config.ts > default.
   */
  remotion: Record<string, string | number | boolean>;
};

export type ParsedCli = {command: string | null; positionals: string[]; flags: CliFlags};

const parseRendererFlag = (value: string | undefined): CliFlags['renderer'] => {
  if (value === undefined || value === 'local' || value === 'lambda') return value;
  throw new UsageError(`--renderer must be local or lambda, got "${value}".`);
};

export const parseCliArgs = (argv: string[]): ParsedCli => {
  let parsed: ReturnType<typeof parseArgs<{options: typeof flagSpec; allowPositionals: true; strict: true}>>;
  try {
    parsed = parseArgs({args: argv, options: flagSpec, allowPositionals: true, strict: true});
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}. Run remotion-mmaudio --help.`);
  }
  const v = parsed.values;
  const log = v.log ?? 'info';
  if (!isLogLevel(log)) {
    throw new UsageError(`--log must be one of trace, verbose, info, warn, error; got "${log}".`);
  }
  for (const [flag, value] of [
    ['--provider', v.provider],
    ['--backend', v.backend],
  ] as const) {
    if (value !== undefined && !isProviderChoice(value)) {
      throw new UsageError(`${flag} must be one of ${providerChoices.join(', ')}, got "${value}".`);
    }
  }
  if (
    v['chrome-mode'] !== undefined &&
    v['chrome-mode'] !== 'headless-shell' &&
    v['chrome-mode'] !== 'chrome-for-testing'
  ) {
    throw new UsageError(
      `--chrome-mode must be headless-shell or chrome-for-testing, got "${v['chrome-mode']}".`,
    );
  }
  const remotion: Record<string, string | number | boolean> = {};
  for (const flag of REMOTION_STRING_FLAGS) {
    const value = v[flag];
    if (value !== undefined) remotion[flag] = value;
  }
  for (const flag of REMOTION_NUMBER_FLAGS) {
    const value = toNumber(flag, v[flag]);
    if (value !== undefined) remotion[flag] = value;
  }
  for (const flag of REMOTION_BOOLEAN_FLAGS) {
    if (v[flag] !== undefined) remotion[flag] = v[flag];
  }
  if (v.frames !== undefined) {
    if (!/^\d+(-\d*)?$/.test(v.frames.trim())) {
      throw new UsageError(
        `--frames must be a frame (e.g. 30) or a range (e.g. 0-299, or 30- to the end), got "${v.frames}".`,
      );
    }
    remotion.frames = /^\d+$/.test(v.frames.trim()) ? Number(v.frames) : v.frames.trim();
  }
  // Remotion takes a share of the cores too ("50%").
  const concurrencyPercent = v.concurrency !== undefined && /^\d+(\.\d+)?%$/.test(v.concurrency.trim());
  if (v.concurrency !== undefined) {
    remotion.concurrency = concurrencyPercent
      ? v.concurrency.trim()
      : (toNumber('concurrency', v.concurrency, true) as number);
  }
  const [command = null, ...positionals] = parsed.positionals;
  return {
    command,
    positionals,
    flags: {
      prompt: v.prompt,
      negativePrompt: v['negative-prompt'],
      steps: toNumber('steps', v.steps, true),
      seed: toNumber('seed', v.seed, true),
      takes: toNumber('takes', v.takes, true),
      props: v.props === undefined ? undefined : parsePropsFlag(v.props),
      maxSegmentSeconds: toNumber('max-segment-seconds', v['max-segment-seconds']),
      overlapSeconds: toNumber('overlap-seconds', v['overlap-seconds']),
      backend: v.backend as CliFlags['backend'],
      provider: v.provider as CliFlags['provider'],
      publicDir: v['public-dir'],
      cacheDir: v['cache-dir'],
      maxCost: toNumber('max-cost', v['max-cost']),
      resubmitUnknown: v['resubmit-unknown'] ?? false,
      redisUrl: v['redis-url'],
      cacheUrl: v['cache-url'],
      cacheEndpoint: v['cache-endpoint'],
      uploadUrl: v['upload-url'],
      publishUrl: v['publish-url'],
      renderer: parseRendererFlag(v.renderer),
      region: v.region,
      functionName: v['function-name'],
      framesPerLambda: positiveInteger('frames-per-lambda', v['frames-per-lambda']),
      concurrencyPerLambda: positiveInteger('concurrency-per-lambda', v['concurrency-per-lambda']),
      maxRetries: toNumber('max-retries', v['max-retries'], true),
      privacy: v.privacy,
      upload: v.upload,
      rateLimit: v['rate-limit'] === undefined ? undefined : parseRateLimitFlag(v['rate-limit']),
      maxTasks: positiveInteger('max-tasks', v['max-tasks']),
      webhookUrl: v['webhook-url'],
      webhookListen: v['webhook-listen'],
      browserExecutable: v['browser-executable'],
      chromeMode: v['chrome-mode'] as CliFlags['chromeMode'],
      concurrency: concurrencyPercent ? undefined : toNumber('concurrency', v.concurrency, true),
      lockTimeout: toNumber('lock-timeout', v['lock-timeout']),
      log,
      port: toNumber('port', v.port, true),
      host: v.host,
      apiKey: v['api-key'],
      taskLatencyMs: toNumber('task-latency-ms', v['task-latency-ms'], true),
      help: v.help ?? false,
      remotion,
    },
  };
};
