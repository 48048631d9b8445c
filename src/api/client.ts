import {createWriteStream} from 'node:fs';
import {mkdir, readFile, rename, rm} from 'node:fs/promises';
import path from 'node:path';
import {Transform} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {Agent, type Dispatcher, request} from 'undici';
import {MMAudioError, UsageError} from '../errors.ts';
import {type Logger, silentLogger} from '../log.ts';
import {tempPathFor} from '../media/atomic.ts';
import type {SharedLimits} from '../state/redis-limits.ts';
import {parseWavHeader, WavError, type WavFormat} from '../wav/wav.ts';
import {checkResultUrl, MAX_RESULT_REDIRECTS} from './check-result-url.ts';
import {
  ApiConnectionError,
  InternalServerError,
  InvalidResponseError,
  InvalidResultError,
  MissingApiKeyError,
  makeApiError,
  QubicoApiError,
  RequestAbortedError,
  RequestTimeoutError,
  type ResponseHeaders,
  ResultRejectedError,
  SubmitOutcomeUnknownError,
  TaskFailedError,
  TaskTimeoutError,
  toAttemptFailure,
} from './errors.ts';
import {type Clock, createRequestLimiter, createSemaphore, systemClock} from './limiter.ts';
import {createDailyQuota} from './quota.ts';
import {createRequestWindowStore, type RequestWindowStore} from './request-window-store.ts';
import {MAX_TASK_JSON_BYTES, rejectResultFormat, resultLimitsFor} from './result-limits.ts';
import {isBeforeSendCode, retryDelay, shouldRetry} from './retry.ts';
import {
  type InferenceRequest,
  MMAUDIO_MODEL,
  type MmaudioInput,
  type QubicoTask,
  taskSchema,
} from './schema.ts';
import {type ValidatedInput, validateInput} from './validate-input.ts';

export const DEFAULT_BASE_URL = 'https://api.qubico.ai';

export type QubicoClientOptions = {
  /** Default `process.env.QUBICO_API_KEY`; missing or empty → MissingApiKeyError. */
  apiKey?: string;
  /** Default `process.env.QUBICO_BASE_URL ?? 'https://api.qubico.ai'`. A trailing slash is ignored. */
  baseUrl?: string;
  /** Default silentLogger(). The key and the webhook secret are registered with `addSecret`. */
  logger?: Logger;
  /**
   * Request budget shared by every request to the API. Default 20 per 60 000 ms.
   *
   * `persist` keeps the window on disk, per key (a hash names the file; the key is never written), so
   * that a client created next, in this process or another, starts with these requests counted and waits
   * for them. `true` uses the daily counter's directory (`dailyQuota.directory`, else the state
   * directory); `{directory}` names another. Default: `true` unless `dailyQuota` is `false`. Two runs at
   * the very same time are not coordinated (the service's 429 and Retry-After remain the guard).
   */
  rateLimit?: {requests?: number; intervalMs?: number; persist?: boolean | {directory: string}};
  /** Tasks in flight at once (see `withTaskSlot`). Default 5. */
  maxConcurrentTasks?: number;
  /** Daily request counter on disk. Default 500/day in the state directory; false disables it. */
  dailyQuota?: {limit?: number; directory?: string} | false;
  /** Retries per request (not counting the first attempt). Default 5. */
  maxRetries?: number;
  /** First backoff delay. Default 1000 ms. */
  retryBaseDelayMs?: number;
  /** Cap of the backoff delay. Default 30 000 ms (a Retry-After is honoured beyond it, up to 60 s). */
  retryMaxDelayMs?: number;
  /** Per HTTP attempt, upload and body included. Default 120 000 ms. */
  requestTimeoutMs?: number;
  /** Polling interval bounds of `waitForTask`. Default 2 000 / 30 000 ms. */
  pollIntervalMs?: {min?: number; max?: number};
  /** Sent as `config.webhook_config` on submit; polling then becomes a rare fallback. Default none. */
  webhook?: {url: string; secret: string} | null;
  /** undici dispatcher for every request. Default: an Agent owned (and closed) by the client. */
  dispatcher?: Dispatcher;
  /**
   * Time source for waits (backoff, polling, the request window). Default Date.now + setTimeout. When the
   * window is persisted, `now()` must tell ms since the epoch: the times on disk are read by other runs.
   */
  clock?: Clock;
  /** Random source for backoff jitter, in [0, 1). Default Math.random. */
  random?: () => number;
  /**
   * The request window, task slots and daily quota shared by many processes (`createRedisLimits`). When
   * given they replace the local ones (and `rateLimit.persist`); the caller closes them. Default none.
   */
  sharedLimits?: SharedLimits;
};

export type QubicoClientStats = {
  /** HTTP requests sent (attempts, retries included). */
  requests: number;
  submits: number;
  polls: number;
  downloads: number;
  retries: number;
};

export type WaitForTaskOptions = {
  signal?: AbortSignal;
  /** Overall wait. Default 20 minutes → TaskTimeoutError. */
  timeoutMs?: number;
  /** `estimated_time` of the submit answer: the first poll comes no sooner. */
  estimatedTimeSeconds?: number | null;
  /** Called with every task state read. */
  onUpdate?: (task: QubicoTask) => void;
};

export type DownloadedResult = {path: string; bytes: number; format: WavFormat};

export type DownloadResultOptions = {
  signal?: AbortSignal;
  /**
   * Length of the segment the result is for. It caps the download (see `resultLimitsFor`): bytes from
   * content-length and as counted, the sample rate (8–192 kHz) and the audio's length. Default 60 s, the
   * longest segment the API takes.
   */
  segmentSeconds?: number;
};

export type QubicoClient = {
  readonly baseUrl: string;
  /** Validates first (zero requests on bad input), then POSTs the task. */
  submit: (input: MmaudioInput, options?: {signal?: AbortSignal}) => Promise<QubicoTask>;
  getTask: (taskId: string, options?: {signal?: AbortSignal}) => Promise<QubicoTask>;
  /** Resolves only with status `completed`; `failed` → TaskFailedError. */
  waitForTask: (taskId: string, options?: WaitForTaskOptions) => Promise<QubicoTask>;
  /**
   * Streams a result to a temp file beside `destination`, checks that it is a complete RIFF/WAVE file,
   * and renames it into place. A truncated or non-wav result throws InvalidResultError and leaves
   * nothing behind.
   */
  downloadResult: (
    url: string,
    destination: string,
    options?: DownloadResultOptions,
  ) => Promise<DownloadedResult>;
  /** Runs `fn` while holding one of `maxConcurrentTasks` slots. */
  withTaskSlot: <T>(fn: () => Promise<T>, options?: {signal?: AbortSignal}) => Promise<T>;
  /** Webhook wake-up: a `waitForTask` of that task polls now (one GET); otherwise ignored. */
  notifyTaskUpdate: (taskId: string) => void;
  readonly quota: {
    used: () => Promise<number>;
    remaining: () => Promise<number>;
    ensureAvailable: (requests: number) => Promise<void>;
  } | null;
  stats: () => QubicoClientStats;
  /** Aborts pending waits and closes the connections the client owns. */
  close: () => Promise<void>;
};

type RequestKind = 'submit' | 'poll' | 'download';

type RequestSpec<T> = {
  method: 'GET' | 'POST';
  url: string;
  kind: RequestKind;
  body?: string;
  /** Requests to the API's origin carry the key and count against the window and the daily quota. */
  toApi: boolean;
  signal: AbortSignal;
  /** Consumes the body of a 2xx answer. */
  onResponse: (response: Dispatcher.ResponseData) => Promise<T>;
};

const DEFAULT_WAIT_TIMEOUT_MS = 20 * 60_000;
/** Wake-ups for tasks nobody waits on yet are kept (bounded) for a `waitForTask` that starts later. */
const MAX_EARLY_WAKES = 1000;
const MAX_ERROR_BODY_BYTES = 64 * 1024;

const checkNumber = (
  name: string,
  value: number,
  rule: {integer?: boolean; min: number; max?: number},
): number => {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    value >= rule.min &&
    (rule.max === undefined || value <= rule.max);
  if (!ok) {
    const what = rule.integer ? 'an integer' : 'a number';
    const range = rule.max === undefined ? `≥ ${rule.min}` : `from ${rule.min} to ${rule.max}`;
    throw new UsageError(`createQubicoClient: ${name} must be ${what} ${range}, got ${String(value)}`);
  }
  return value;
};

/**
 * Checks and normalises the API base URL (no trailing slash). A user name or password in it is refused:
 * it would be sent to the service on every request and written wherever the URL is recorded (the submit
 * journal); the key belongs in QUBICO_API_KEY. The refusal never repeats the URL.
 */
export const normaliseBaseUrl = (value: string): string => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('QUBICO_BASE_URL / baseUrl is not a URL (expected e.g. https://api.qubico.ai)');
  }
  if (url.username || url.password) {
    throw new UsageError(
      'QUBICO_BASE_URL / baseUrl must not contain a user name or password (user:password@host): ' +
        'remove it, and put the API key in QUBICO_API_KEY.',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`QUBICO_BASE_URL / baseUrl must be http(s), got ${url.protocol}`);
  }
  if (url.search || url.hash) {
    throw new UsageError('QUBICO_BASE_URL / baseUrl must not have a query or a fragment');
  }
  return url.href.replace(/\/+$/, '');
};

const flattenHeaders = (headers: Dispatcher.ResponseData['headers']): ResponseHeaders => {
  const out: ResponseHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
};

/** Reads a body as text, refusing it as soon as it passes `limit` bytes (declared or counted). */
const readTextCapped = async (
  response: Dispatcher.ResponseData,
  limit: number,
  what: string,
): Promise<string> => {
  const tooLarge = (bytes: string) =>
    new InvalidResponseError(`${what}: the answer is ${bytes} bytes, more than the ${limit} a task can take`);
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(String(declared));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw tooLarge(`over ${size}`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
};

/** A 3xx answer to a result download: followed by hand in `downloadResult`, never by undici. */
class ResultRedirect extends Error {
  readonly location: string | null;
  readonly status: number;
  constructor(status: number, location: string | null) {
    super(`redirect ${status}`);
    this.status = status;
    this.location = location;
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Webhook wake-ups that trigger an immediate poll, per wait; later ones are left to the regular polls. */
const MAX_WAKE_POLLS = 20;

const isLoopbackHost = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);

const readTextLimited = async (body: Dispatcher.ResponseData['body'], limit: number): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    if (size < limit) chunks.push(buf.subarray(0, limit - size));
    size += buf.length;
  }
  return Buffer.concat(chunks).toString('utf8');
};

const errorCode = (err: unknown): string | null => {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as {code?: unknown; errors?: unknown[]; cause?: unknown};
  if (typeof e.code === 'string') return e.code;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const code = errorCode(inner);
      if (code) return code;
    }
  }
  return e.cause ? errorCode(e.cause) : null;
};

/** What may be printed of a URL: origin and path, never a query (signed URLs carry tokens there). */
const displayUrl = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
};

const pathOf = (url: string): string => {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
};

const describeVideo = (video: ValidatedInput['video']): string =>
  video.kind === 'url'
    ? `URL ${displayUrl(video.url)}`
    : `inline base64 mp4, ${(video.bytes / 1e6).toFixed(2)} MB, ${video.durationInSeconds.toFixed(2)} s`;

/**
 * The statuses of a submit after which the task may exist at the service: everything but a refusal
 * (4xx) or a failure before sending. Those are reported as SubmitOutcomeUnknownError.
 */
const submitOutcomeUnknown = (err: unknown): boolean =>
  err instanceof InternalServerError ||
  err instanceof RequestTimeoutError ||
  err instanceof InvalidResponseError ||
  (err instanceof ApiConnectionError && !err.beforeSend);

type Waiter = {wake: () => void; inFlight: boolean; wokenInFlight: boolean};

/**
 * A client of the Qubico MMAudio API (model `Qubico/mmaudio`).
 *
 * One retry loop over undici (`send`) carries every request: it waits for the shared request window,
 * counts the daily quota before sending, applies the per-attempt timeout, maps answers to typed errors,
 * and retries what the retry table allows.
 */
export const createQubicoClient = (options: QubicoClientOptions = {}): QubicoClient => {
  const apiKey = (options.apiKey ?? process.env.QUBICO_API_KEY ?? '').trim();
  if (apiKey === '') throw new MissingApiKeyError();
  const logger = options.logger ?? silentLogger();
  logger.addSecret(apiKey);
  const webhook = options.webhook ?? null;
  if (webhook) {
    if (!webhook.url || !/^https?:\/\//i.test(webhook.url)) {
      throw new UsageError(`The webhook URL must be an http(s) URL, got ${JSON.stringify(webhook.url)}`);
    }
    if (!webhook.secret) {
      throw new UsageError(
        'A webhook needs a secret (QUBICO_WEBHOOK_SECRET) so that forged calls are refused',
      );
    }
    logger.addSecret(webhook.secret);
    let hostname = '';
    try {
      hostname = new URL(webhook.url).hostname;
    } catch {
      throw new UsageError('The webhook URL is not a URL');
    }
    if (/^http:/i.test(webhook.url) && !isLoopbackHost(hostname)) {
      logger.warn(
        `The webhook URL is plain http:// (${hostname}): the service's calls, with the webhook secret in ` +
          'their x-webhook-secret header, cross the network unencrypted. Prefer an https URL.',
      );
    }
  }
  const baseUrl = normaliseBaseUrl(options.baseUrl ?? process.env.QUBICO_BASE_URL ?? DEFAULT_BASE_URL);
  const apiOrigin = new URL(baseUrl).origin;
  const maxRetries = checkNumber('maxRetries', options.maxRetries ?? 5, {integer: true, min: 0});
  const retryBaseDelayMs = checkNumber('retryBaseDelayMs', options.retryBaseDelayMs ?? 1000, {min: 0});
  const retryMaxDelayMs = checkNumber('retryMaxDelayMs', options.retryMaxDelayMs ?? 30_000, {min: 0});
  const requestTimeoutMs = checkNumber('requestTimeoutMs', options.requestTimeoutMs ?? 120_000, {min: 1});
  const pollMinMs = checkNumber('pollIntervalMs.min', options.pollIntervalMs?.min ?? 2_000, {min: 0});
  const pollMaxMs = checkNumber('pollIntervalMs.max', options.pollIntervalMs?.max ?? 30_000, {
    min: pollMinMs,
  });
  const maxConcurrentTasks = checkNumber('maxConcurrentTasks', options.maxConcurrentTasks ?? 5, {
    integer: true,
    min: 1,
  });
  const rateRequests = checkNumber('rateLimit.requests', options.rateLimit?.requests ?? 20, {
    integer: true,
    min: 1,
  });
  const rateIntervalMs = checkNumber('rateLimit.intervalMs', options.rateLimit?.intervalMs ?? 60_000, {
    min: 0,
  });
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const persist = options.rateLimit?.persist ?? options.dailyQuota !== false;
  if (
    typeof persist !== 'boolean' &&
    (typeof persist !== 'object' ||
      persist === null ||
      typeof persist.directory !== 'string' ||
      persist.directory === '')
  ) {
    throw new UsageError(
      `createQubicoClient: rateLimit.persist must be true, false or {directory: string}, got ${JSON.stringify(persist)}`,
    );
  }
  const windowStore: RequestWindowStore | null =
    persist === false || options.sharedLimits
      ? null
      : createRequestWindowStore({
          apiKey,
          directory:
            typeof persist === 'object'
              ? persist.directory
              : options.dailyQuota
                ? options.dailyQuota.directory
                : undefined,
          logger,
        });
  const limiter =
    options.sharedLimits?.requestLimiter ??
    createRequestLimiter({
      requests: rateRequests,
      intervalMs: rateIntervalMs,
      // Keep the safety margin small next to a scaled-down window in tests.
      marginMs: Math.min(250, rateIntervalMs / 20),
      clock,
      onWait: (ms) =>
        logger.trace(`Request window full (${rateRequests}/${rateIntervalMs} ms): waiting ${ms} ms`),
      persistence: windowStore
        ? {
            load: windowStore.load,
            save: windowStore.save,
            // The attempt's timeout starts after the daily counter is written: leave a second for that.
            maxRequestMs: requestTimeoutMs + 1000,
          }
        : undefined,
      onRestore: (counted) => {
        if (counted > 0) {
          logger.verbose(
            `Request window: ${counted} request(s) of an earlier run still count (${rateRequests} per ${rateIntervalMs} ms)`,
          );
        }
      },
    });
  const semaphore = options.sharedLimits?.taskSlots ?? createSemaphore(maxConcurrentTasks);
  const dailyQuota: SharedLimits['dailyQuota'] | null = options.sharedLimits
    ? options.sharedLimits.dailyQuota
    : options.dailyQuota === false
      ? null
      : createDailyQuota({
          apiKey,
          limit: options.dailyQuota?.limit,
          directory: options.dailyQuota?.directory,
          now: clock.now,
          logger,
        });
  const ownsDispatcher = !options.dispatcher;
  const dispatcher: Dispatcher = options.dispatcher ?? new Agent({keepAliveTimeout: 4_000});
  const closing = new AbortController();
  const counters: QubicoClientStats = {requests: 0, submits: 0, polls: 0, downloads: 0, retries: 0};
  const waiters = new Map<string, Set<Waiter>>();
  const earlyWakes = new Set<string>();

  const combine = (signal: AbortSignal | undefined): AbortSignal =>
    signal ? AbortSignal.any([signal, closing.signal]) : closing.signal;

  const aborted = (what: string, signal: AbortSignal, cause?: unknown): RequestAbortedError =>
    new RequestAbortedError(closing.signal.aborted ? `${what} (the client was closed)` : what, {
      cause: cause ?? signal.reason,
    });

  const ensureOpen = () => {
    if (closing.signal.aborted) throw new MMAudioError('This Qubico client is closed');
  };

  /** One HTTP attempt: window, quota, send, map the answer. */
  const attemptOnce = async <T>(spec: RequestSpec<T>, attempt: number): Promise<T> => {
    const what = `${spec.method} ${pathOf(spec.url)}`;
    /** Ends this request's place in the window; called once its answer (or failure) is in. */
    let releasePlace = () => {};
    if (spec.toApi) {
      try {
        releasePlace = await limiter.acquire(spec.signal);
      } catch (err) {
        throw aborted(what, spec.signal, err);
      }
      try {
        // Count, then send: a crash after this line over-counts, never under-counts.
        await dailyQuota?.consume(1, {beforeSpending: counters.requests === 0});
        if (spec.signal.aborted) throw aborted(what, spec.signal);
      } catch (err) {
        releasePlace();
        throw err;
      }
    } else if (spec.signal.aborted) {
      throw aborted(what, spec.signal);
    }
    counters.requests++;
    if (spec.kind === 'submit') counters.submits++;
    else if (spec.kind === 'poll') counters.polls++;
    else counters.downloads++;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('request timeout'));
    }, requestTimeoutMs);
    const onAbort = () => controller.abort(spec.signal.reason);
    spec.signal.addEventListener('abort', onAbort, {once: true});
    const started = Date.now();
    let response: Dispatcher.ResponseData | null = null;
    /** From here on, a submit may have reached the service. */
    let sent = false;
    /** A submit answered 2xx: its task id is read to the end even if the caller cancels meanwhile. */
    let committed = false;
    try {
      const headers: Record<string, string> = {accept: 'application/json, audio/wav, */*'};
      if (spec.toApi) headers['x-api-key'] = apiKey;
      if (spec.body !== undefined) headers['content-type'] = 'application/json';
      logger.trace(`${what}: attempt ${attempt}${spec.body ? `, body ${spec.body.length} bytes` : ''}`);
      sent = true;
      response = await request(spec.url, {
        method: spec.method,
        headers,
        body: spec.body,
        signal: controller.signal,
        dispatcher,
        headersTimeout: requestTimeoutMs,
        bodyTimeout: requestTimeoutMs,
      });
      releasePlace();
      const status = response.statusCode;
      if (spec.kind === 'submit' && status >= 200 && status < 300) {
        // The task exists and is billed: losing its id now would lose the money. Only the request
        // timeout can stop reading it.
        committed = true;
        spec.signal.removeEventListener('abort', onAbort);
      }
      logger.verbose(`${what} → ${status} (attempt ${attempt}, ${Date.now() - started} ms)`);
      if (status >= 400) {
        const text = await readTextLimited(response.body, MAX_ERROR_BODY_BYTES);
        const responseHeaders = flattenHeaders(response.headers);
        if (!spec.toApi && status !== 429 && status < 500) {
          throw new QubicoApiError(
            status,
            `Downloading ${displayUrl(spec.url)} failed with status ${status}`,
            {
              headers: responseHeaders,
              body: logger.redact(text.slice(0, 2000)),
            },
          );
        }
        throw makeApiError(status, responseHeaders, text, {nowMs: clock.now(), redact: logger.redact});
      }
      return await spec.onResponse(response);
    } catch (err) {
      response?.body.destroy();
      if (spec.signal.aborted && !committed) {
        const abortError = aborted(what, spec.signal, err);
        // Cancelled while the submit was on the wire: whether the task exists is unknown.
        if (spec.kind === 'submit' && sent) throw new SubmitOutcomeUnknownError(abortError);
        throw abortError;
      }
      if (timedOut) throw new RequestTimeoutError(what, requestTimeoutMs);
      if (err instanceof MMAudioError) throw err;
      const code = errorCode(err);
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
        throw new RequestTimeoutError(what, requestTimeoutMs);
      }
      if (code !== null) {
        const beforeSend = isBeforeSendCode(code);
        const reason = err instanceof Error ? err.message : String(err);
        throw new ApiConnectionError(
          `${what} to ${new URL(spec.url).origin} failed: ${logger.redact(reason)} (${code})`,
          {code, beforeSend, cause: err},
        );
      }
      throw err;
    } finally {
      releasePlace();
      clearTimeout(timer);
      spec.signal.removeEventListener('abort', onAbort);
    }
  };

  /** The retry loop: the one layer over the transport. */
  const send = async <T>(spec: RequestSpec<T>): Promise<T> => {
    const what = `${spec.method} ${pathOf(spec.url)}`;
    for (let attempt = 1; ; attempt++) {
      try {
        return await attemptOnce(spec, attempt);
      } catch (err) {
        const failure = toAttemptFailure(err);
        if (!shouldRetry({method: spec.method, error: failure, attempt, maxRetries})) {
          if (spec.method === 'POST' && submitOutcomeUnknown(err)) {
            logger.verbose(`${what}: ${(err as Error).message}; not retried (the task may exist)`);
            throw new SubmitOutcomeUnknownError(err);
          }
          throw err;
        }
        const delay = retryDelay(failure, attempt, {
          baseMs: retryBaseDelayMs,
          maxMs: retryMaxDelayMs,
          random,
        });
        counters.retries++;
        logger.verbose(`${what}: ${(err as Error).message} — retry ${attempt}/${maxRetries} in ${delay} ms`);
        try {
          await clock.sleep(delay, spec.signal);
        } catch (sleepErr) {
          throw aborted(what, spec.signal, sleepErr);
        }
      }
    }
  };

  const parseTaskResponse = async (response: Dispatcher.ResponseData, what: string): Promise<QubicoTask> => {
    const text = await readTextCapped(response, MAX_TASK_JSON_BYTES, what);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new InvalidResponseError(
        `${what}: the answer is not JSON (${logger.redact(text.slice(0, 120)) || 'empty body'})`,
      );
    }
    const parsed = taskSchema.safeParse(json);
    if (!parsed.success) {
      throw new InvalidResponseError(
        `${what}: the answer is not a task object (${parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
          .join('; ')})`,
      );
    }
    return parsed.data;
  };

  const submit: QubicoClient['submit'] = async (input, submitOptions = {}) => {
    ensureOpen();
    const validated = validateInput(input);
    const body: InferenceRequest = {model: MMAUDIO_MODEL, input: validated.body};
    if (webhook) body.config = {webhook_config: {endpoint: webhook.url, secret: webhook.secret}};
    logger.verbose(
      `Submitting to ${MMAUDIO_MODEL}: video ${describeVideo(validated.video)}; prompt ${validated.prompt.length} ` +
        `chars; steps ${validated.steps}; seed ${validated.seed ?? 'none'}` +
        (webhook ? `; webhook ${displayUrl(webhook.url)}` : ''),
    );
    const url = `${baseUrl}/v1/inference`;
    const task = await send({
      method: 'POST',
      url,
      kind: 'submit',
      body: JSON.stringify(body),
      toApi: true,
      signal: combine(submitOptions.signal),
      onResponse: (response) => parseTaskResponse(response, 'POST /v1/inference'),
    });
    logger.verbose(
      `Task ${task.task_id} created (${task.status}` +
        (typeof task.estimated_time === 'number' ? `, estimated ${task.estimated_time} s)` : ')'),
    );
    return task;
  };

  const getTask: QubicoClient['getTask'] = async (taskId, getOptions = {}) => {
    ensureOpen();
    if (typeof taskId !== 'string' || taskId === '') {
      throw new UsageError('getTask needs a task id (the task_id of a submit answer)');
    }
    const url = `${baseUrl}/v1/tasks/${encodeURIComponent(taskId)}`;
    const task = await send({
      method: 'GET',
      url,
      kind: 'poll',
      toApi: true,
      signal: combine(getOptions.signal),
      onResponse: (response) => parseTaskResponse(response, `GET ${pathOf(url)}`),
    });
    if (task.task_id !== taskId) {
      throw new InvalidResponseError(`GET ${pathOf(url)} answered with another task (${task.task_id})`);
    }
    return task;
  };

  const waitForTask: QubicoClient['waitForTask'] = async (taskId, waitOptions = {}) => {
    ensureOpen();
    const signal = combine(waitOptions.signal);
    const timeoutMs = waitOptions.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
    const deadline = clock.now() + timeoutMs;
    // The service's estimate is a hint, not a promise: a day (or NaN) must not put the first poll past
    // the task timeout.
    const estimatedRaw = (waitOptions.estimatedTimeSeconds ?? 0) * 1000;
    const estimatedMs = Number.isFinite(estimatedRaw)
      ? Math.min(Math.max(0, estimatedRaw), timeoutMs / 2)
      : 0;
    // Poll late, not often: the first poll when the task should be done; with a webhook the poll is only
    // a fallback for a lost call.
    let delay = webhook ? Math.max(estimatedMs, pollMaxMs) : Math.max(estimatedMs, pollMinMs);
    let wakeController = new AbortController();
    const waiter: Waiter = {
      wake: () => {
        if (waiter.inFlight) waiter.wokenInFlight = true;
        else wakeController.abort();
      },
      inFlight: false,
      wokenInFlight: false,
    };
    let set = waiters.get(taskId);
    if (!set) {
      set = new Set();
      waiters.set(taskId, set);
    }
    set.add(waiter);
    let pollNow = earlyWakes.delete(taskId);
    let lastStatus: string | null = null;
    /** When the last GET of this wait started (null before the first). */
    let lastPollAt: number | null = null;
    let wakePolls = 0;
    /**
     * Wake-ups are coalesced per task: however many webhook calls arrive (duplicates, a forged storm), a
     * wake-up poll comes at least `pollMinMs` after the previous GET, and at most MAX_WAKE_POLLS of them
     * per wait; the calls in between are absorbed by that one poll.
     */
    const wakeGap = async () => {
      wakePolls++;
      if (lastPollAt === null) return;
      const gap = lastPollAt + pollMinMs - clock.now();
      if (gap > 0) {
        logger.trace(`Task ${taskId}: wake-up coalesced, polling in ${Math.round(gap)} ms`);
        try {
          await clock.sleep(gap, signal);
        } catch (err) {
          throw aborted(`Waiting for task ${taskId}`, signal, err);
        }
      }
    };
    try {
      for (;;) {
        const remaining = deadline - clock.now();
        if (pollNow) {
          await wakeGap();
          wakeController = new AbortController();
        } else {
          if (remaining <= 0) throw new TaskTimeoutError(taskId, timeoutMs, lastStatus);
          const wait = Math.min(delay, remaining);
          logger.trace(`Task ${taskId}: next poll in ${Math.round(wait)} ms`);
          try {
            const wakeSignal = wakePolls < MAX_WAKE_POLLS ? [wakeController.signal] : [];
            await clock.sleep(wait, AbortSignal.any([signal, ...wakeSignal]));
          } catch (err) {
            if (signal.aborted) throw aborted(`Waiting for task ${taskId}`, signal, err);
            logger.verbose(`Task ${taskId}: webhook wake-up, polling now`);
            await wakeGap();
            // Wake-ups during the gap hit the spent controller: they are part of this poll.
            wakeController = new AbortController();
          }
        }
        pollNow = false;
        lastPollAt = clock.now();
        waiter.inFlight = true;
        waiter.wokenInFlight = false;
        let task: QubicoTask;
        try {
          task = await getTask(taskId, {signal});
        } finally {
          waiter.inFlight = false;
        }
        lastStatus = task.status;
        logger.verbose(`Task ${taskId}: ${task.status}`);
        waitOptions.onUpdate?.(task);
        if (task.status === 'completed') {
          if (!task.results || task.results.length === 0) {
            logger.warn(`Task ${taskId} completed without results`);
          }
          return task;
        }
        if (task.status === 'failed') throw new TaskFailedError(taskId, task.error);
        // A wake-up during the GET may announce a change that GET did not see yet: poll once more now.
        pollNow = waiter.wokenInFlight && wakePolls < MAX_WAKE_POLLS;
        if (clock.now() >= deadline && !pollNow) throw new TaskTimeoutError(taskId, timeoutMs, lastStatus);
        delay = webhook ? pollMaxMs : Math.min(Math.max(delay * 1.5, pollMinMs), pollMaxMs);
      }
    } finally {
      set.delete(waiter);
      if (set.size === 0) waiters.delete(taskId);
    }
  };

  const notifyTaskUpdate: QubicoClient['notifyTaskUpdate'] = (taskId) => {
    const set = waiters.get(taskId);
    if (!set) {
      logger.trace(`Wake-up for task ${taskId}, which nobody waits on yet; kept for a later wait`);
      if (earlyWakes.size >= MAX_EARLY_WAKES) {
        const oldest = earlyWakes.values().next().value;
        if (oldest !== undefined) earlyWakes.delete(oldest);
      }
      earlyWakes.add(taskId);
      return;
    }
    for (const waiter of set) waiter.wake();
  };

  const downloadResult: QubicoClient['downloadResult'] = async (url, destination, downloadOptions = {}) => {
    ensureOpen();
    let target: URL;
    try {
      target = new URL(url, `${baseUrl}/`);
    } catch {
      throw new InvalidResponseError(`The result URL is not a URL: ${JSON.stringify(url.slice(0, 200))}`);
    }
    const limits = resultLimitsFor(downloadOptions.segmentSeconds ?? Number.NaN);
    const destinationPath = path.resolve(destination);
    await mkdir(path.dirname(destinationPath), {recursive: true});
    const signal = combine(downloadOptions.signal);
    for (let hop = 0; ; hop++) {
      const refusal = checkResultUrl(target, apiOrigin, {redirected: hop > 0});
      if (refusal) {
        throw new InvalidResponseError(
          `The result URL ${displayUrl(target.href)} is not fetched: ${refusal}`,
        );
      }
      const shown = displayUrl(target.href);
      try {
        return await send({
          method: 'GET',
          url: target.href,
          kind: 'download',
          // The key goes to the API's own origin only, never to a CDN or a redirect elsewhere.
          toApi: target.origin === apiOrigin,
          signal,
          onResponse: async (response) => {
            if (REDIRECT_STATUSES.has(response.statusCode)) {
              await readTextLimited(response.body, MAX_ERROR_BODY_BYTES);
              const location = response.headers.location;
              throw new ResultRedirect(
                response.statusCode,
                (Array.isArray(location) ? location[0] : location) ?? null,
              );
            }
            if (response.statusCode !== 200) {
              throw new InvalidResponseError(`Downloading ${shown} answered ${response.statusCode}, not 200`);
            }
            const declared = Number(response.headers['content-length']);
            if (Number.isFinite(declared) && declared > limits.maxBytes) {
              throw new ResultRejectedError(
                shown,
                `it announces ${declared} bytes, more than the ${limits.maxBytes} a segment's wav can take`,
              );
            }
            const tmp = tempPathFor(destinationPath);
            try {
              let counted = 0;
              const cap = new Transform({
                transform(chunk: Buffer, _encoding, callback) {
                  counted += chunk.length;
                  if (counted > limits.maxBytes) {
                    callback(
                      new ResultRejectedError(
                        shown,
                        `it sent more than the ${limits.maxBytes} bytes a segment's wav can take`,
                      ),
                    );
                    return;
                  }
                  callback(null, chunk);
                },
              });
              await pipeline(response.body, cap, createWriteStream(tmp));
              const bytes = await readFile(tmp);
              if (Number.isFinite(declared) && declared !== bytes.length) {
                throw new InvalidResultError(shown, `${bytes.length} of ${declared} bytes arrived`);
              }
              let format: WavFormat;
              try {
                format = parseWavHeader(bytes);
              } catch (err) {
                if (err instanceof WavError) throw new InvalidResultError(shown, err.message, {cause: err});
                throw err;
              }
              const rejected = rejectResultFormat(format, limits);
              if (rejected) throw new ResultRejectedError(shown, rejected);
              await rename(tmp, destinationPath);
              logger.verbose(
                `Downloaded ${shown} → ${destinationPath} (${bytes.length} bytes, ${format.sampleRate} Hz, ` +
                  `${format.channels} ch, ${(format.frames / format.sampleRate).toFixed(2)} s)`,
              );
              return {path: destinationPath, bytes: bytes.length, format};
            } catch (err) {
              await rm(tmp, {force: true});
              throw err;
            }
          },
        });
      } catch (err) {
        if (!(err instanceof ResultRedirect)) throw err;
        if (hop >= MAX_RESULT_REDIRECTS) {
          throw new InvalidResponseError(`Downloading ${shown}: more than ${MAX_RESULT_REDIRECTS} redirects`);
        }
        if (!err.location) {
          throw new InvalidResponseError(`Downloading ${shown}: a ${err.status} redirect without a Location`);
        }
        try {
          target = new URL(err.location, target);
        } catch {
          throw new InvalidResponseError(`Downloading ${shown}: the redirect's Location is not a URL`);
        }
        logger.verbose(`Downloading ${shown}: ${err.status} redirect to ${displayUrl(target.href)}`);
      }
    }
  };

  const withTaskSlot: QubicoClient['withTaskSlot'] = async (fn, slotOptions = {}) => {
    ensureOpen();
    const signal = combine(slotOptions.signal);
    let release: () => void;
    try {
      release = await semaphore.acquire(signal);
    } catch (err) {
      throw aborted('Waiting for a task slot', signal, err);
    }
    try {
      return await fn();
    } finally {
      release();
    }
  };

  return {
    baseUrl,
    submit,
    getTask,
    waitForTask,
    downloadResult,
    withTaskSlot,
    notifyTaskUpdate,
    quota: dailyQuota
      ? {
          used: dailyQuota.used,
          remaining: dailyQuota.remaining,
          ensureAvailable: dailyQuota.ensureAvailable,
        }
      : null,
    stats: () => ({...counters}),
    close: async () => {
      if (closing.signal.aborted) return;
      closing.abort(new Error('client closed'));
      if (ownsDispatcher) await dispatcher.close();
      // The last releases are on disk before the next run reads them.
      await windowStore?.flush();
    },
  };
};
