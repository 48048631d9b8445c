import path from 'node:path';
import type {ChromeMode} from '@remotion/renderer';
import {normaliseBaseUrl, type QubicoClientOptions} from '../api/client.ts';
import type {AudioBackend, BackendName} from '../backends/backend.ts';
import type {UploadProxy} from '../backends/qubico.ts';
import {
  countCharacters,
  MAX_NEGATIVE_PROMPT_LENGTH,
  MAX_PROMPT_LENGTH,
  MAX_STEPS,
  MIN_STEPS,
} from '../contract/limits.ts';
import {maxSegmentSecondsFor, type ProviderName} from '../contract/providers.ts';
import {UsageError} from '../errors.ts';
import {createLogger, isLogLevel, type Logger, type LogLevel, silentLogger} from '../log.ts';
import {type ProviderChoice, providerKeysFromEnv, selectProvider} from '../providers/select-provider.ts';
import {parseS3Url} from '../state/parse-s3-url.ts';
import {DEFAULT_OVERLAP_SECONDS, MAX_SEGMENT_SECONDS, MIN_SEGMENT_SECONDS} from './plan.ts';
import {validateEntryPoint} from './remotion-session.ts';

/** Most takes (seeds) per segment one run generates. */
export const MAX_TAKES = 16;

/** Progress of a long operation: one payload type for the whole run (Remotion style). */
export type GenerateProgress = {
  stage: 'bundling' | 'rendering' | 'generating' | 'publishing' | 'audio' | 'muxing' | 'done';
  /** 0–1 over the whole run. */
  progress: number;
  renderedFrames: number;
  totalFrames: number;
  segmentsDone: number;
  segmentsTotal: number;
  /** Segments served from the cache so far. */
  cachedSegments: number;
};

export type GenerateAudioOptions = {
  /** The Remotion entry file (calls registerRoot). Bundled once per run. Either this or `serveUrl`. */
  entryPoint?: string;
  /** An existing bundle (from @remotion/bundler's `bundle()`); a local folder for `renderWithAudio`. */
  serveUrl?: string;
  compositionId: string;
  /** Input props, as `--props`. */
  inputProps?: Record<string, unknown>;
  /** Overrides the composition's `mmaudio.prompt` prop. */
  prompt?: string;
  negativePrompt?: string;
  /** 20–50; default the composition's `mmaudio.steps`, else 25. */
  steps?: number;
  /** Used for every segment. Default: the composition's `mmaudio.seed`, else a random seed per segment, recorded. */
  seed?: number;
  /**
   * Takes per segment, 1–16 (default 1): each segment that is not cached is generated with this many
   * seeds (`seed`, `seed + 1`, … when a seed is given, else random ones, recorded), billed once each. The
   * manifest lists every take; the `mmaudio.takes` prop picks the one to play.
   */
  takes?: number;
  /** 1–60, default 60. */
  maxSegmentSeconds?: number;
  /** Crossfade overlap between segments, default 0.5 s (billed twice; capped at 2 % of a segment). */
  overlapSeconds?: number;
  /**
   * `qubico` (MMAudio over the API), `offline` (local synthesis that follows the picture), or your own
   * AudioBackend. Default: `qubico` when an API key is set (option or QUBICO_API_KEY), else `offline`.
   */
  backend?: BackendName | AudioBackend;
  /**
   * The hosted service: `qubico`, `piapi`, `fal`, `replicate`, or `offline`. `backend` is its alias (and
   * the way to pass your own AudioBackend). Default: the service whose key is set (QUBICO_API_KEY,
   * PIAPI_API_KEY, FAL_KEY, REPLICATE_API_TOKEN); more than one set → UsageError, nothing sent; none →
   * offline. The plan's segment limit is the provider's longest clip, capped by `maxSegmentSeconds`.
   */
  provider?: ProviderChoice;
  /**
   * The chosen service's key. Default its variable (QUBICO_API_KEY, PIAPI_API_KEY, FAL_KEY,
   * REPLICATE_API_TOKEN). Never logged.
   */
  apiKey?: string;
  /** Default the chosen service's variable (QUBICO_BASE_URL, PIAPI_BASE_URL, …), else its own URL. */
  baseUrl?: string;
  /**
   * Webhooks as wake-ups: `url` is what the service POSTs to, `listen` where this process listens
   * (`host:port`), `secret` default QUBICO_WEBHOOK_SECRET, else a random one per run.
   */
  webhook?: {url: string; listen: string; secret?: string} | null;
  /** Where generated audio lands: `<publicDir>/mmaudio/<composition-id>/`. Default `public`. */
  publicDir?: string;
  /** Content-addressed cache and submit journal. Default `.mmaudio-cache`. */
  cacheDir?: string;
  /** Refuse (before any request) a run that would bill more than this many USD. */
  maxCost?: number | null;
  /**
   * Submit again the segments whose earlier submit has an unknown outcome (its answer was lost, or the
   * run was cancelled while it was on the wire): the task may exist and be billed. Default false: such
   * segments stop the run (exit 1) with a message naming them; they are never paid again silently.
   * Resubmitted segments count in the bill and in `maxCost`.
   */
  resubmitUnknown?: boolean;
  /**
   * Redis shared by many machines using one key (`redis://…`): the request window, task slots and daily
   * quota live there, and segments are claimed so that none is submitted twice. Default
   * `REMOTION_MMAUDIO_REDIS_URL`, else none. Redis down → the run fails at once.
   */
  redisUrl?: string | null;
  /**
   * The audio cache shared through S3-compatible storage (`s3://bucket/prefix`), in front of `cacheDir`.
   * The endpoint of a non-AWS store: `AWS_ENDPOINT_URL_S3` (or `cacheEndpoint`). Default none.
   */
  cacheUrl?: string | null;
  cacheEndpoint?: string | null;
  /** Host proxies yourself: return a URL the service can fetch instead of sending base64. */
  upload?: UploadProxy | null;
  /**
   * Host proxies in S3-compatible storage (`s3://bucket/prefix`, same endpoint and AWS variables as
   * `cacheUrl`): each proxy is put there and the service gets a presigned GET URL. Hosts that take only a
   * URL (fal) use `cacheUrl` for this when neither `upload` nor `uploadUrl` is given.
   */
  uploadUrl?: string | null;
  browserExecutable?: string | null;
  chromeMode?: ChromeMode | null;
  /** Remotion render concurrency for the frame pass. Default Remotion's. */
  concurrency?: number | null;
  /** Attempts per segment when the service fails a task. Default 3. */
  maxTaskAttempts?: number;
  /**
   * Longest wait for one task at the service, submit to result. Default 20 minutes. A task still running
   * then fails its segment; it stays in the journal, so the next run resumes it without a new submit.
   */
  taskTimeoutMs?: number;
  /**
   * Longest wait for another run that holds the cache directory or the published folder (one run at a
   * time uses each; the waiting run says for whom it waits). Then the run fails with exit code 1.
   * Default 30 minutes; 0 fails at once.
   */
  lockTimeoutMs?: number;
  /** Advanced client settings (rate limit, quota directory, retries, timeouts). */
  client?: Omit<QubicoClientOptions, 'apiKey' | 'baseUrl' | 'logger' | 'webhook'>;
  logger?: Logger;
  logLevel?: LogLevel;
  onProgress?: (progress: GenerateProgress) => void;
  signal?: AbortSignal;
};

/** The all-required internal form, after validation. */
export type NormalizedGenerateOptions = {
  entryPoint: string | null;
  serveUrl: string | null;
  compositionId: string;
  inputProps: Record<string, unknown>;
  prompt: string | null;
  negativePrompt: string | null;
  steps: number | null;
  seed: number | null;
  takes: number;
  maxSegmentSeconds: number;
  overlapSeconds: number;
  backend: BackendName | AudioBackend | null;
  /** The service chosen or found by its key; null: no key set (offline) or a custom backend. */
  provider: ProviderChoice | null;
  /** The service whose limits and prices the plan uses (qubico when none is chosen). */
  planProvider: ProviderName;
  apiKey: string | null;
  baseUrl: string | null;
  webhook: {url: string; host: string; port: number; secret: string | null} | null;
  publicDir: string;
  cacheDir: string;
  maxCost: number | null;
  resubmitUnknown: boolean;
  redisUrl: string | null;
  cacheUrl: string | null;
  cacheEndpoint: string | null;
  upload: UploadProxy | null;
  uploadUrl: string | null;
  browserExecutable: string | null;
  chromeMode: ChromeMode | null;
  concurrency: number | null;
  maxTaskAttempts: number;
  taskTimeoutMs: number;
  lockTimeoutMs: number;
  client: Omit<QubicoClientOptions, 'apiKey' | 'baseUrl' | 'logger' | 'webhook'>;
  logger: Logger;
  onProgress: (progress: GenerateProgress) => void;
  signal: AbortSignal | null;
};

/** How long a run waits for another one using the same cache or published folder, by default. */
export const DEFAULT_LOCK_TIMEOUT_MS = 30 * 60_000;

export const COMPOSITION_ID_PATTERN = /^[a-zA-Z0-9\u00C0-\u024F-]+$/;

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export const parseHostPort = (value: string, flag: string): {host: string; port: number} => {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value.trim()) ?? /^()()(\d+)$/.exec(value.trim());
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${flag} must be host:port (e.g. 0.0.0.0:8788), got "${value}".`);
  }
  return {host: match[1] || match[2] || '127.0.0.1', port};
};

/** Validates every option before anything slow or billable happens; throws UsageError (exit 2). */
const checkUploadUrl = (options: GenerateAudioOptions): string | null => {
  if (!options.uploadUrl) return null;
  if (options.upload) {
    throw new UsageError('Pass either upload (your own hosting) or uploadUrl (S3), not both.');
  }
  parseS3Url(options.uploadUrl, '--upload-url');
  return options.uploadUrl;
};

export const normalizeGenerateOptions = (options: GenerateAudioOptions): NormalizedGenerateOptions => {
  if (!options || typeof options !== 'object')
    throw new UsageError('generateAudio() needs an options object.');
  const {compositionId} = options;
  if (typeof compositionId !== 'string' || compositionId.length === 0) {
    throw new UsageError('Pass the id of the composition to generate audio for (compositionId).');
  }
  if (!COMPOSITION_ID_PATTERN.test(compositionId)) {
    throw new UsageError(
      `"${compositionId}" is not a valid composition id: Remotion ids use letters, digits and "-" only.`,
    );
  }
  if (!options.entryPoint && !options.serveUrl) {
    throw new UsageError('Pass an entry point (the file that calls registerRoot) or a serveUrl.');
  }
  if (options.entryPoint && !options.serveUrl) validateEntryPoint(options.entryPoint);
  if (options.prompt !== undefined) {
    if (typeof options.prompt !== 'string' || options.prompt.trim().length === 0) {
      throw new UsageError('--prompt must be a non-empty string.');
    }
    const n = countCharacters(options.prompt.trim());
    if (n > MAX_PROMPT_LENGTH) {
      throw new UsageError(`--prompt is ${n} characters; the API accepts at most ${MAX_PROMPT_LENGTH}.`);
    }
  }
  if (options.negativePrompt !== undefined) {
    const n =
      typeof options.negativePrompt === 'string' ? countCharacters(options.negativePrompt.trim()) : -1;
    if (n < 0 || n > MAX_NEGATIVE_PROMPT_LENGTH) {
      throw new UsageError(
        `--negative-prompt must be a string of at most ${MAX_NEGATIVE_PROMPT_LENGTH} characters${n < 0 ? '' : `, got ${n}`}.`,
      );
    }
  }
  if (
    options.steps !== undefined &&
    (!Number.isInteger(options.steps) || options.steps < MIN_STEPS || options.steps > MAX_STEPS)
  ) {
    throw new UsageError(
      `--steps must be an integer from ${MIN_STEPS} to ${MAX_STEPS}, got ${options.steps}.`,
    );
  }
  if (options.seed !== undefined && (!Number.isSafeInteger(options.seed) || options.seed < 0)) {
    throw new UsageError(
      `--seed must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got ${options.seed}.`,
    );
  }
  const takes = options.takes ?? 1;
  if (!Number.isInteger(takes) || takes < 1 || takes > MAX_TAKES) {
    throw new UsageError(`--takes must be an integer from 1 to ${MAX_TAKES}, got ${options.takes}.`);
  }
  const requestedMaxSegmentSeconds = options.maxSegmentSeconds ?? MAX_SEGMENT_SECONDS;
  if (
    !finite(requestedMaxSegmentSeconds) ||
    requestedMaxSegmentSeconds < MIN_SEGMENT_SECONDS ||
    requestedMaxSegmentSeconds > MAX_SEGMENT_SECONDS
  ) {
    throw new UsageError(
      `--max-segment-seconds must be between ${MIN_SEGMENT_SECONDS} and ${MAX_SEGMENT_SECONDS}, got ${options.maxSegmentSeconds}.`,
    );
  }
  const provider =
    options.backend !== undefined && typeof options.backend !== 'string'
      ? null
      : selectProvider({
          provider: options.provider ?? null,
          backend: options.backend ?? null,
          keys: providerKeysFromEnv(process.env, options.apiKey),
        });
  const planProvider: ProviderName = provider === null || provider === 'offline' ? 'qubico' : provider;
  // The provider's longest clip, capped by --max-segment-seconds.
  const maxSegmentSeconds = Math.min(requestedMaxSegmentSeconds, maxSegmentSecondsFor(planProvider));
  const overlapSeconds = options.overlapSeconds ?? Math.min(DEFAULT_OVERLAP_SECONDS, maxSegmentSeconds / 4);
  if (!finite(overlapSeconds) || overlapSeconds < 0 || overlapSeconds >= maxSegmentSeconds / 2) {
    throw new UsageError(
      `--overlap-seconds must be at least 0 and less than half of --max-segment-seconds, got ${options.overlapSeconds}.`,
    );
  }
  const maxCost = options.maxCost ?? null;
  if (maxCost !== null && (!finite(maxCost) || maxCost < 0)) {
    throw new UsageError(`--max-cost must be a number of USD ≥ 0, got ${options.maxCost}.`);
  }
  // A named qubico/offline provider is that backend; other services are `provider` only.
  const backend: BackendName | AudioBackend | null =
    options.backend !== undefined && typeof options.backend !== 'string'
      ? options.backend
      : provider === 'qubico' || provider === 'offline'
        ? options.provider !== undefined || options.backend !== undefined
          ? provider
          : null
        : null;
  if (options.resubmitUnknown !== undefined && typeof options.resubmitUnknown !== 'boolean') {
    throw new UsageError(
      `resubmitUnknown must be true or false, got ${JSON.stringify(options.resubmitUnknown)}.`,
    );
  }
  // A bad base URL (or one with user:password) is refused now, before the bundle and the frame pass.
  const baseUrlSource = options.baseUrl ?? process.env.QUBICO_BASE_URL;
  const baseUrl =
    baseUrlSource !== undefined &&
    baseUrlSource !== '' &&
    (backend === 'qubico' || (backend === null && Boolean(options.apiKey ?? process.env.QUBICO_API_KEY)))
      ? normaliseBaseUrl(baseUrlSource)
      : null;
  const concurrency = options.concurrency ?? null;
  if (concurrency !== null && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new UsageError(`--concurrency must be a positive integer, got ${options.concurrency}.`);
  }
  const maxTaskAttempts = options.maxTaskAttempts ?? 3;
  if (!Number.isInteger(maxTaskAttempts) || maxTaskAttempts < 1) {
    throw new UsageError(`maxTaskAttempts must be a positive integer, got ${options.maxTaskAttempts}.`);
  }
  const taskTimeoutMs = options.taskTimeoutMs ?? 20 * 60_000;
  if (!finite(taskTimeoutMs) || taskTimeoutMs <= 0) {
    throw new UsageError(`taskTimeoutMs must be a positive number of ms, got ${options.taskTimeoutMs}.`);
  }
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  if (!finite(lockTimeoutMs) || lockTimeoutMs < 0) {
    throw new UsageError(
      `--lock-timeout must be a number of seconds ≥ 0 (lockTimeoutMs: ms), got ${options.lockTimeoutMs}.`,
    );
  }
  let webhook: NormalizedGenerateOptions['webhook'] = null;
  if (options.webhook) {
    if (!/^https?:\/\//.test(options.webhook.url)) {
      throw new UsageError(
        `--webhook-url must be an http(s) URL the service can reach, got "${options.webhook.url}".`,
      );
    }
    if (!options.webhook.listen) {
      throw new UsageError(
        '--webhook-url needs --webhook-listen host:port: where this process receives the calls.',
      );
    }
    webhook = {
      url: options.webhook.url,
      ...parseHostPort(options.webhook.listen, '--webhook-listen'),
      secret: options.webhook.secret ?? null,
    };
  }
  if (
    options.inputProps !== undefined &&
    (typeof options.inputProps !== 'object' ||
      options.inputProps === null ||
      Array.isArray(options.inputProps))
  ) {
    throw new UsageError('--props must be a JSON object.');
  }
  const logger =
    options.logger ?? (options.logLevel ? createLogger({level: options.logLevel}) : silentLogger());
  if (options.logLevel && !isLogLevel(options.logLevel)) {
    throw new UsageError(
      `--log must be one of trace, verbose, info, warn, error; got "${options.logLevel}".`,
    );
  }
  return {
    entryPoint: options.entryPoint ?? null,
    serveUrl: options.serveUrl ?? null,
    compositionId,
    inputProps: options.inputProps ?? {},
    prompt: options.prompt?.trim() ?? null,
    negativePrompt: options.negativePrompt?.trim() || null,
    steps: options.steps ?? null,
    seed: options.seed ?? null,
    takes,
    maxSegmentSeconds,
    overlapSeconds,
    backend,
    provider,
    planProvider,
    apiKey: options.apiKey ?? null,
    baseUrl: options.baseUrl === undefined ? null : (baseUrl ?? options.baseUrl),
    webhook,
    publicDir: path.resolve(options.publicDir ?? 'public'),
    cacheDir: path.resolve(options.cacheDir ?? '.mmaudio-cache'),
    maxCost,
    resubmitUnknown: options.resubmitUnknown ?? false,
    redisUrl: options.redisUrl ?? (process.env.REMOTION_MMAUDIO_REDIS_URL || null),
    cacheUrl: options.cacheUrl ?? null,
    cacheEndpoint: options.cacheEndpoint ?? null,
    upload: options.upload ?? null,
    uploadUrl: checkUploadUrl(options),
    browserExecutable: options.browserExecutable ?? null,
    chromeMode: options.chromeMode ?? null,
    concurrency,
    maxTaskAttempts,
    taskTimeoutMs,
    lockTimeoutMs,
    client: options.client ?? {},
    logger,
    onProgress: options.onProgress ?? (() => undefined),
    signal: options.signal ?? null,
  };
};
