import type {ChromeMode} from '@remotion/renderer';
import type {QubicoClientOptions} from '../../api/client.ts';
import type {AudioBackend, BackendName} from '../../backends/backend.ts';
import type {UploadProxy} from '../../backends/qubico/create-proxy-video-reader.ts';
import type {Logger, LogLevel} from '../../log.ts';
import type {ProviderChoice} from '../../providers/select-provider.ts';
import type {GenerateProgress} from './generate-progress.ts';

/** The public options of `generateAudio` (and `renderWithAudio`): all optional but the composition. */
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
  /** Replicate: the 64-hex version of zsxkib/mmaudio to run. Default `REPLICATE_MMAUDIO_VERSION`, else the pinned one. */
  replicateModelVersion?: string | null;
  /** fal: where its webhook keys (a JWKS) are read. Default `FAL_JWKS_URL`, else fal's public JWKS. */
  falJwksUrl?: string | null;
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
