import type {ProviderName} from '../contract/providers.ts';
import type {Logger} from '../log.ts';

export type SimulatorOptions = {
  /**
   * Which host's contract to speak: `qubico` (default), `piapi`, `fal` or `replicate` — its paths, bodies,
   * status words, error shapes, result format and webhook signing. One simulator speaks one contract.
   */
  provider?: ProviderName;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /**
   * The only key accepted. Default: the provider's key variable (`QUBICO_API_KEY`, `PIAPI_API_KEY`, `FAL_KEY`,
   * `REPLICATE_API_TOKEN`). With neither (or with `null`, which ignores the environment) any non-empty key is
   * accepted; a request without a key always gets 401.
   */
  apiKey?: string | null;
  /** Time from submit to completion; `processing` after a quarter of it. Default 2000 ms. */
  taskLatencyMs?: number;
  /** `estimated_time` of the submit answer, in seconds. Default `ceil(taskLatencyMs / 1000)`. */
  estimatedTimeSeconds?: number;
  /** The host's limits. Defaults are the host's own (see each contract); Qubico's are 20/min, 5 tasks, 500/day. */
  limits?: {
    /** Requests accepted per sliding window; every request counts, rejected ones too. Qubico: 20. */
    requestsPerWindow?: number;
    /** Length of that window. Default 60 000 ms. */
    windowMs?: number;
    /**
     * Tasks pending or processing at once per key. Over it a submit gets 429 — except on fal, where the
     * request waits `IN_QUEUE` for a slot (fal never answers 429). Qubico: 5; fal: 2.
     */
    concurrentTasks?: number;
    /** Requests per key per rolling 24 h. Qubico: 500. */
    requestsPerDay?: number;
    /** Submits accepted per window (besides `requestsPerWindow`). Replicate: 600 creates/min. */
    submitsPerWindow?: number;
  };
  /** Replicate: the webhook signing secret (`whsec_<base64>`) served at `/v1/webhooks/default/secret`. Default: random. */
  webhookSigningSecret?: string;
  /** Largest decoded video accepted; larger gets 413. Default 32 MiB. */
  maxVideoBytes?: number;
  /** How long fetching a video given as a URL may take before the submit gets 400. Default 10 000 ms. */
  videoFetchTimeoutMs?: number;
  /** Format of the result wavs (16-bit PCM). Default 44 100 Hz mono. */
  result?: {sampleRate?: number; channels?: number};
  /** Where request lines go (verbose level). Default: silent. The key and webhook secrets are never logged. */
  logger?: Logger;
};

/** `cancel` exists on the hosts that have one (fal, Replicate). */
export type RequestKind = 'submit' | 'poll' | 'result' | 'cancel' | 'other';

export type RecordedRequest = {
  /** 1, 2, 3… in order of arrival. */
  seq: number;
  method: string;
  /** Path without the query string. */
  path: string;
  kind: RequestKind;
  /** Status answered; 0 when no answer was sent (dropped, or the client went away first). */
  status: number;
  /** Arrival, ms since the epoch. */
  at: number;
  taskId?: string;
  hadValidKey: boolean;
  /** Which limit answered 429, when one did (never set for injected faults). */
  limit?: 'window' | 'concurrency' | 'day';
  /** Which injected fault touched this request, when one did. */
  fault?:
    | 'fail'
    | 'drop'
    | 'delay'
    | 'result404'
    | 'truncate'
    | 'failAfterCreate'
    | 'stallAnswer'
    | 'oversize'
    | 'forgotten';
  /** Body bytes written for an `oversize` result before the client went away (or all of them). */
  bytesSent?: number;
};

/**
 * The simulator's own life cycle of a task; each contract shows it in its host's words (`IN_QUEUE`,
 * `starting`, `succeeded`…). `canceled` only on hosts with a cancel.
 */
export type TaskStatus = 'pending' | 'processing' | 'completed' | 'failed' | 'canceled';

export type SimulatedTask = {
  taskId: string;
  /** Current status (brought up to date whenever the simulator's `tasks` are read). */
  status: TaskStatus;
  /** Hex sha256 of the decoded video bytes. */
  videoSha256: string;
  videoBytes: number;
  durationInSeconds: number;
  /** The `duration` asked for, on hosts that take one (fal, Replicate); the result is min(it, video). */
  requestedDurationSeconds?: number;
  prompt: string;
  negativePrompt: string | null;
  steps: number;
  /** The `seeds` sent, or the one the simulator picked at random when none was sent. */
  seed: number;
  seedWasSent: boolean;
  /** ms since the epoch. */
  createdAt: number;
  /** When the task turns (turned) `processing`. */
  processingAt: number;
  /** When the task finishes (finished), whether completed or failed. */
  finishesAt: number;
  completedAt?: number;
  /** When a cancel ended it. */
  canceledAt?: number;
  submitSeq: number;
  failed?: boolean;
  error?: string;
  /** Where the webhook goes (the secret is not kept here). */
  webhook?: {endpoint: string};
  /** What the results will be, fixed at submit from the result faults in force then. */
  resultSpec: {count: number; durationInSeconds: number; sampleRate: number; channels: number};
};

export type WebhookDelivery = {
  taskId: string;
  endpoint: string;
  /** Status the endpoint answered; null when it could not be reached or the delivery was dropped. */
  status: number | null;
  /** When the delivery was attempted (or dropped), ms since the epoch. */
  at: number;
  wrongSecret: boolean;
  dropped: boolean;
  /** Status of the task sent. */
  taskStatus: TaskStatus;
  /** Signed with a timestamp outside the verifiers' window (fal, Replicate: the `webhook.stale` knob). */
  stale?: boolean;
};

export type SimulatorFaults = {
  /** The next `count` requests (of `kind`, default any) get `status` with an `injected_fault` error body. */
  failNext(count: number, status: number, options?: {kind?: RequestKind; retryAfter?: string}): void;
  /** The next `count` requests are read in full, then their socket is destroyed without an answer. */
  dropNext(count: number, options?: {kind?: RequestKind}): void;
  /** The next `count` requests are read, held `ms`, then handled normally. */
  delayNext(count: number, ms: number, options?: {kind?: RequestKind}): void;
  /** The next `count` submitted tasks end `failed`. */
  failTasks(count: number): void;
  /** Every later submitted task for which `predicate` is true ends `failed`. */
  failTasksWhere(predicate: (task: SimulatedTask) => boolean): void;
  /** Latency of tasks submitted from now on. */
  setTaskLatency(ms: number): void;
  /** Result length = video length × scale + offsetSeconds (the same chirp, cut short or continued). */
  resultDuration: {scale?: number; offsetSeconds?: number};
  /** Result format instead of the configured one, e.g. `{sampleRate: 16000, channels: 1}`. */
  resultFormat: {sampleRate?: number; channels?: number} | null;
  /** Results per task: 1 (default) or more; result n ≥ 1 is the signal of `variant: n`. */
  resultCount: number;
  /** The next `count` result downloads that would succeed answer 404. */
  result404Next(count: number): void;
  /** The next `count` result downloads that would succeed get a wav cut in the middle of its data chunk. */
  truncateResultNext(count: number): void;
  /**
   * `wrongSecret`: the plain secret is wrong (Qubico, PiAPI), or the call is signed with a key the JWKS does
   * not hold (fal) or with another `whsec_` secret (Replicate). `stale`: signed, but with a timestamp
   * 10 minutes old (fal, Replicate).
   */
  webhook: {duplicate?: boolean; wrongSecret?: boolean; drop?: boolean; stale?: boolean};
  /**
   * PiAPI, whose result format is undocumented: the audio file served at `output.audio_url` (16-bit wav, mp3
   * or AAC in an m4a). Default `wav`. Other hosts ignore it.
   */
  resultAudioFormat: 'wav' | 'mp3' | 'm4a';
  /** PiAPI: status words as documented (`completed`) or capitalised (`Completed`), which clients must accept. */
  statusCase: 'documented' | 'capitalised';
  /**
   * The next `count` submits create their task (it runs, and is billed) and then answer `status` (e.g.
   * 504, as a gateway that timed out): the client cannot know the task exists.
   */
  failAfterCreateNext(count: number, status: number): void;
  /**
   * The next `count` submits create their task, send the 202 headers and the first bytes of the body,
   * then hold the rest `ms` (a slow answer, to cancel a client while it reads the task id).
   */
  stallSubmitAnswerNext(count: number, ms: number): void;
  /**
   * The next `count` result downloads answer a wav whose data chunk claims `bytes` in all, streamed (zeros)
   * until the client stops reading; with `declareLength`, content-length announces it.
   */
  oversizeResultNext(count: number, options: {bytes: number; declareLength?: boolean}): void;
  /** The service forgets these tasks: a GET of one answers 404 (as for an id it never issued). */
  forgetTasks(taskIds: Iterable<string>): void;
};

export type Simulator = {
  /** The contract it speaks. */
  provider: ProviderName;
  /** `http://host:port`, no trailing slash: use it as the provider's base URL (`QUBICO_BASE_URL`, `FAL_BASE_URL`…). */
  url: string;
  /** fal: where its JWKS (the Ed25519 public key its webhooks are signed with) is served; null elsewhere. */
  jwksUrl: string | null;
  host: string;
  port: number;
  /** Every request, in order of arrival, rejected ones included. */
  requests: RecordedRequest[];
  tasks: ReadonlyMap<string, SimulatedTask>;
  webhookDeliveries: WebhookDelivery[];
  /** Most arrivals seen within any `windowMs` (two arrivals exactly `windowMs` apart are in different windows). */
  maxRequestsInWindow(windowMs: number): number;
  /** Most tasks pending or processing at once (all keys). */
  maxConcurrentTasksSeen: number;
  faults: SimulatorFaults;
  /** Clears records, tasks, counters and faults (and the latency set by `setTaskLatency`). */
  reset(): void;
  close(): Promise<void>;
};
