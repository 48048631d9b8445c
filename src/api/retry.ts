/**
 * Pure retry decisions (fal-js style): what is retried, and how long to wait. No I/O, no clock: the
 * current time and the random source are parameters, so the tests check exact numbers.
 */

/**
 * The longest Retry-After the client honours. A longer value is clamped to this: a service asking for
 * minutes is better answered by the caller's own policy (the run fails with the 429 after maxRetries)
 * than by a client that silently sleeps for an unbounded time.
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * The shortest wait after a 429 that carries Retry-After. `Retry-After: 0`, a negative value or a date in
 * the past would otherwise retry at once, and a service that keeps answering so would be hit in a hot loop
 * (each retry also spends a request of the daily quota).
 */
export const MIN_RETRY_AFTER_MS = 1000;

/**
 * Reads a Retry-After header: delay-seconds (`"2"`, also `"1.5"`) or an HTTP date. Returns milliseconds,
 * or null when absent or unreadable. A date in the past gives 0; anything above 60 s gives 60 000.
 */
export const parseRetryAfter = (value: string | null | undefined, nowMs: number): number | null => {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text === '') return null;
  let ms: number;
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    const date = Date.parse(text);
    if (Number.isNaN(date)) return null;
    ms = date - nowMs;
  }
  if (ms < 0) return 0;
  return Math.min(Math.ceil(ms), MAX_RETRY_AFTER_MS);
};

export type BackoffOptions = {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Cap of the exponential delay. */
  maxMs: number;
  /** Returns a number in [0, 1). Default Math.random. */
  random?: () => number;
  /**
   * `equal` (default): half the exponential delay plus a random half, so a retry never comes sooner than
   * half the delay. `full`: anywhere between 0 and the delay.
   */
  jitter?: 'equal' | 'full';
};

/**
 * Delay before retry number `attempt` (1 = the first retry): base·2^(attempt−1), capped at maxMs, with
 * jitter. Equal jitter with base 1000: attempt 1 in [500, 1000), attempt 2 in [1000, 2000), attempt 3 in
 * [2000, 4000), … and never above maxMs.
 */
export const backoffDelay = (attempt: number, options: BackoffOptions): number => {
  const random = options.random ?? Math.random;
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  const r = random();
  if ((options.jitter ?? 'equal') === 'full') return Math.floor(ceiling * r);
  return Math.floor(ceiling / 2 + (ceiling / 2) * r);
};

/** The facts about a failed attempt that decide whether it is retried. */
export type AttemptFailure =
  /** The service answered with this status. */
  | {kind: 'status'; status: number; retryAfterMs?: number | null}
  /** The connection failed; `beforeSend` when it provably failed before the request left. */
  | {kind: 'connection'; beforeSend: boolean}
  /** The per-request timeout fired. */
  | {kind: 'timeout'}
  /** The caller aborted, or anything else: never retried. */
  | {kind: 'aborted'}
  | {kind: 'other'};

export type ShouldRetryOptions = {
  method: string;
  error: AttemptFailure;
  /** Attempts made so far, including the one that just failed (1 after the first). */
  attempt: number;
  maxRetries: number;
};

/**
 * The retry table.
 * - GET: retried on 429, 5xx (and 408), connection errors, and per-request timeouts.
 * - POST (a submit creates a billed task): retried ONLY on 429 (the service refused it, so no task was
 *   created) or a connection error that provably happened before the request was sent. A 5xx, a reset
 *   or a timeout after sending may have created a task: not retried.
 * - Never 400, 401, 403, 413, or other 4xx; never an abort.
 */
export const shouldRetry = ({method, error, attempt, maxRetries}: ShouldRetryOptions): boolean => {
  if (attempt > maxRetries) return false;
  const post = method.toUpperCase() !== 'GET' && method.toUpperCase() !== 'HEAD';
  switch (error.kind) {
    case 'status':
      if (error.status === 429) return true;
      if (post) return false;
      return error.status >= 500 || error.status === 408;
    case 'connection':
      return post ? error.beforeSend : true;
    case 'timeout':
      return !post;
    default:
      return false;
  }
};

/**
 * How long to wait before retry number `attempt`. A 429 with Retry-After waits that long (not capped by
 * maxMs; the header itself is clamped to 60 s by parseRetryAfter), but never less than
 * `minRetryAfterMs` (default MIN_RETRY_AFTER_MS, 1 s); everything else backs off exponentially.
 */
export const retryDelay = (
  error: AttemptFailure,
  attempt: number,
  options: BackoffOptions & {minRetryAfterMs?: number},
): number => {
  if (error.kind === 'status' && error.status === 429 && typeof error.retryAfterMs === 'number') {
    return Math.max(error.retryAfterMs, options.minRetryAfterMs ?? MIN_RETRY_AFTER_MS);
  }
  return backoffDelay(attempt, options);
};

/**
 * Connection error codes that prove the request never left this machine: the name did not resolve, or
 * nothing accepted the connection (refused, or the connect timed out before the TCP handshake completed).
 */
const BEFORE_SEND_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/** True when `code` (a system or undici error code) means nothing was sent. */
export const isBeforeSendCode = (code: string | null | undefined): boolean =>
  code !== null && code !== undefined && BEFORE_SEND_CODES.has(code);
