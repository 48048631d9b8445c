import {type Dispatcher, request} from 'undici';
import {MMAudioError} from '../errors.ts';
import type {Logger} from '../log.ts';
import type {Clock} from './clock.ts';
import type {RequestLimiter} from './create-request-limiter.ts';
import {
  ApiConnectionError,
  InternalServerError,
  InvalidResponseError,
  QubicoApiError,
  RequestAbortedError,
  RequestTimeoutError,
  SubmitOutcomeUnknownError,
} from './errors.ts';
import {
  displayUrl,
  errorCode,
  flattenHeaders,
  MAX_ERROR_BODY_BYTES,
  pathOf,
  readTextLimited,
} from './http-body.ts';
import {type MakeApiErrorOptions, makeApiError} from './make-api-error.ts';
import type {DailyQuota} from './quota.ts';
import {isBeforeSendCode, retryDelay, shouldRetry} from './retry.ts';
import {toAttemptFailure} from './to-attempt-failure.ts';

export type RequestKind = 'submit' | 'poll' | 'download' | 'cancel';

export type RequestSpec<T> = {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  kind: RequestKind;
  body?: string;
  /** Requests to the API's origin carry the key and count against the window and the daily quota. */
  toApi: boolean;
  signal: AbortSignal;
  /** Consumes the body of a 2xx answer (and of a 3xx one: redirects are never followed here). */
  onResponse: (response: Dispatcher.ResponseData) => Promise<T>;
};

export type TransportStats = {
  /** HTTP requests sent (attempts, retries included). */
  requests: number;
  submits: number;
  polls: number;
  downloads: number;
  retries: number;
};

export type TransportOptions = {
  dispatcher: Dispatcher;
  /** Headers that carry the key; sent to the API's origin only (`toApi`). */
  authHeaders: Record<string, string>;
  logger: Logger;
  clock: Clock;
  random: () => number;
  limiter: Pick<RequestLimiter, 'acquire'>;
  dailyQuota: Pick<DailyQuota, 'consume'> | null;
  requestTimeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** Aborted when the owning client closes. */
  closing: AbortSignal;
  /** The host's error mapping (its label, key variable, body shape, 429 hint). Default Qubico's. */
  errorOptions?: Omit<MakeApiErrorOptions, 'nowMs' | 'redact'>;
};

export type Transport = {
  /** Sends `spec`, retrying what the retry table allows; a submit is never repeated after it may exist. */
  send: <T>(spec: RequestSpec<T>) => Promise<T>;
  stats: () => TransportStats;
  /** The abort error of a wait or request, saying whether the client was closed. */
  aborted: (what: string, signal: AbortSignal, cause?: unknown) => RequestAbortedError;
};

/**
 * The statuses of a submit after which the task may exist at the service: everything but a refusal
 * (4xx) or a failure before sending. Those are reported as SubmitOutcomeUnknownError.
 */
export const submitOutcomeUnknown = (err: unknown): boolean =>
  err instanceof InternalServerError ||
  err instanceof RequestTimeoutError ||
  err instanceof InvalidResponseError ||
  (err instanceof ApiConnectionError && !err.beforeSend);

/**
 * The one layer over undici: every request waits for the shared request window, counts the daily quota
 * before sending, gets the per-attempt timeout, has its answer mapped to a typed error, and is retried as
 * the retry table allows.
 */
export const createTransport = (options: TransportOptions): Transport => {
  const {logger, clock, limiter, dailyQuota, requestTimeoutMs, closing} = options;
  const counters: TransportStats = {requests: 0, submits: 0, polls: 0, downloads: 0, retries: 0};

  const aborted: Transport['aborted'] = (what, signal, cause) =>
    new RequestAbortedError(closing.aborted ? `${what} (the client was closed)` : what, {
      cause: cause ?? signal.reason,
    });

  /** Takes a place in the window and counts the quota; returns the release of the place. */
  const admit = async (spec: RequestSpec<unknown>, what: string): Promise<() => void> => {
    if (!spec.toApi) {
      if (spec.signal.aborted) throw aborted(what, spec.signal);
      return () => {};
    }
    let release: () => void;
    try {
      release = await limiter.acquire(spec.signal);
    } catch (err) {
      throw aborted(what, spec.signal, err);
    }
    try {
      // Count, then send: a crash after this line over-counts, never under-counts.
      await dailyQuota?.consume(1, {beforeSpending: counters.requests === 0});
      if (spec.signal.aborted) throw aborted(what, spec.signal);
    } catch (err) {
      release();
      throw err;
    }
    return release;
  };

  const count = (kind: RequestKind) => {
    counters.requests++;
    if (kind === 'submit') counters.submits++;
    else if (kind === 'poll' || kind === 'cancel') counters.polls++;
    else counters.downloads++;
  };

  /** One HTTP attempt: window, quota, send, map the answer. */
  const attemptOnce = async <T>(spec: RequestSpec<T>, attempt: number): Promise<T> => {
    const what = `${spec.method} ${pathOf(spec.url)}`;
    /** Ends this request's place in the window; called once its answer (or failure) is in. */
    let releasePlace = await admit(spec, what);
    count(spec.kind);
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
      if (spec.toApi) Object.assign(headers, options.authHeaders);
      if (spec.body !== undefined) headers['content-type'] = 'application/json';
      logger.trace(`${what}: attempt ${attempt}${spec.body ? `, body ${spec.body.length} bytes` : ''}`);
      sent = true;
      response = await request(spec.url, {
        method: spec.method,
        headers,
        body: spec.body,
        signal: controller.signal,
        dispatcher: options.dispatcher,
        headersTimeout: requestTimeoutMs,
        bodyTimeout: requestTimeoutMs,
      });
      releasePlace();
      releasePlace = () => {};
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
        throw makeApiError(status, responseHeaders, text, {
          ...options.errorOptions,
          nowMs: clock.now(),
          redact: logger.redact,
        });
      }
      return await spec.onResponse(response);
    } catch (err) {
      response?.body.destroy();
      if (spec.signal.aborted && !committed) {
        const abortError = aborted(what, spec.signal, err);
        // Cancelled while the submit was on the wire: whether the task exists is unknown.
        if (spec.kind === 'submit' && sent) {
          throw new SubmitOutcomeUnknownError(abortError, options.errorOptions?.label);
        }
        throw abortError;
      }
      if (timedOut) throw new RequestTimeoutError(what, requestTimeoutMs);
      if (err instanceof MMAudioError) throw err;
      const code = errorCode(err);
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
        throw new RequestTimeoutError(what, requestTimeoutMs);
      }
      if (code !== null) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new ApiConnectionError(
          `${what} to ${new URL(spec.url).origin} failed: ${logger.redact(reason)} (${code})`,
          {code, beforeSend: isBeforeSendCode(code), cause: err},
        );
      }
      throw err;
    } finally {
      releasePlace();
      clearTimeout(timer);
      spec.signal.removeEventListener('abort', onAbort);
    }
  };

  const send: Transport['send'] = async (spec) => {
    const what = `${spec.method} ${pathOf(spec.url)}`;
    for (let attempt = 1; ; attempt++) {
      try {
        return await attemptOnce(spec, attempt);
      } catch (err) {
        const failure = toAttemptFailure(err);
        if (!shouldRetry({method: spec.method, error: failure, attempt, maxRetries: options.maxRetries})) {
          if (spec.kind === 'submit' && submitOutcomeUnknown(err)) {
            logger.verbose(`${what}: ${(err as Error).message}; not retried (the task may exist)`);
            throw new SubmitOutcomeUnknownError(err, options.errorOptions?.label);
          }
          throw err;
        }
        const delay = retryDelay(failure, attempt, {
          baseMs: options.retryBaseDelayMs,
          maxMs: options.retryMaxDelayMs,
          random: options.random,
        });
        counters.retries++;
        logger.verbose(
          `${what}: ${(err as Error).message} — retry ${attempt}/${options.maxRetries} in ${delay} ms`,
        );
        try {
          await clock.sleep(delay, spec.signal);
        } catch (sleepErr) {
          throw aborted(what, spec.signal, sleepErr);
        }
      }
    }
  };

  return {send, stats: () => ({...counters}), aborted};
};
