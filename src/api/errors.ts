import {MMAudioError, UsageError} from '../errors.ts';

/**
 * The errors of the Qubico client, in the openai-node style: one base class for every answer of the API
 * with an error status (carrying status, headers, body and request id), one subclass per status the
 * contract names, and the errors that have no status (connection, timeout, abort, task outcome).
 *
 * No message here ever contains the API key or the webhook secret: the client passes its logger's
 * redactor to `makeApiError`, so even a server that echoes the key cannot put it in a message.
 */

export type ResponseHeaders = Record<string, string>;

/** An answer of the API with an error status (4xx/5xx). */
export class QubicoApiError extends MMAudioError {
  readonly status: number;
  readonly headers: ResponseHeaders;
  /** `error.code` of the body, when the body has the documented shape. */
  readonly code: string | null;
  /** `error.details` of the body. */
  readonly details: unknown;
  /** The `x-request-id` header, when present: quote it to the service's support. */
  readonly requestId: string | null;
  /** The parsed body (or its text when it was not JSON). */
  readonly body: unknown;
  constructor(
    status: number,
    message: string,
    info: {headers?: ResponseHeaders; code?: string | null; details?: unknown; body?: unknown} = {},
  ) {
    super(message);
    this.status = status;
    this.headers = info.headers ?? {};
    this.code = info.code ?? null;
    this.details = info.details;
    this.requestId = this.headers['x-request-id'] ?? null;
    this.body = info.body;
  }
}

/** 400: the service refused the parameters. */
export class BadRequestError extends QubicoApiError {}

/** 401: missing or wrong API key. */
export class AuthenticationError extends QubicoApiError {}

/** 413: the (proxy) video is larger than the service accepts. */
export class PayloadTooLargeError extends QubicoApiError {}

/** 429: too many requests. `retryAfterMs` is the Retry-After header in ms (clamped to 60 s), or null. */
export class RateLimitError extends QubicoApiError {
  readonly retryAfterMs: number | null;
  constructor(
    status: number,
    message: string,
    info: ConstructorParameters<typeof QubicoApiError>[2] & {retryAfterMs?: number | null} = {},
  ) {
    super(status, message, info);
    this.retryAfterMs = info.retryAfterMs ?? null;
  }
}

/** 500 and above. */
export class InternalServerError extends QubicoApiError {}

/** The request could not be sent or the connection broke before a full answer arrived. */
export class ApiConnectionError extends MMAudioError {
  /** The system or undici error code, e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`. */
  readonly code: string | null;
  /** True when the error provably happened before any byte of the request reached the service. */
  readonly beforeSend: boolean;
  constructor(message: string, options: {code: string | null; beforeSend: boolean; cause?: unknown}) {
    super(message, {cause: options.cause});
    this.code = options.code;
    this.beforeSend = options.beforeSend;
  }
}

/** One HTTP attempt (upload, wait, and body) took longer than `requestTimeoutMs`. */
export class RequestTimeoutError extends MMAudioError {
  readonly timeoutMs: number;
  constructor(what: string, timeoutMs: number) {
    super(`${what} timed out after ${timeoutMs} ms (requestTimeoutMs)`);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller aborted (its AbortSignal fired). Never retried. */
export class RequestAbortedError extends MMAudioError {
  constructor(what: string, options?: {cause?: unknown}) {
    super(`${what} was aborted`, options);
  }
}

/** The service answered 200 with a body that does not follow the contract. */
export class InvalidResponseError extends MMAudioError {}

/** A downloaded result is not a complete RIFF/WAVE file (truncated, or not a wav at all). */
export class InvalidResultError extends MMAudioError {
  readonly url: string;
  constructor(url: string, reason: string, options?: {cause?: unknown}) {
    super(`The result at ${url} is not a complete wav file: ${reason}. Nothing was written.`, options);
    this.url = url;
  }
}

/**
 * A downloaded result refused before anything large is written or resampled: bigger than a segment's
 * audio can be, a sample rate outside 8–192 kHz, or far longer than its segment. Not retried: the same
 * URL would answer the same.
 */
export class ResultRejectedError extends MMAudioError {
  readonly source: string;
  constructor(source: string, reason: string, options?: {cause?: unknown}) {
    super(`The result ${source} was refused: ${reason}. Nothing was kept.`, options);
    this.source = source;
  }
}

/** The task ended with status `failed`. */
export class TaskFailedError extends MMAudioError {
  readonly taskId: string;
  /** The task's `error` field as the service sent it. */
  readonly serviceError: unknown;
  constructor(taskId: string, serviceError: unknown) {
    super(`Task ${taskId} failed at the service: ${describeServiceError(serviceError)}`);
    this.taskId = taskId;
    this.serviceError = serviceError;
  }
}

/** `waitForTask` gave up: the task did not complete within `timeoutMs`. */
export class TaskTimeoutError extends MMAudioError {
  readonly taskId: string;
  readonly timeoutMs: number;
  readonly lastStatus: string | null;
  constructor(taskId: string, timeoutMs: number, lastStatus: string | null) {
    super(
      `Task ${taskId} did not complete within ${Math.round(timeoutMs / 1000)} s` +
        (lastStatus ? ` (last status: ${lastStatus})` : '') +
        '. It may still finish at the service; a later run can pick it up from the journal.',
    );
    this.taskId = taskId;
    this.timeoutMs = timeoutMs;
    this.lastStatus = lastStatus;
  }
}

/**
 * A submit (POST) whose body was sent but whose answer never arrived intact: a 5xx, a reset connection,
 * a timeout. The task may exist and be billed, so the client does not resend it.
 */
export class SubmitOutcomeUnknownError extends MMAudioError {
  constructor(cause: unknown, hostLabel = 'Qubico') {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `The submit request failed after it was sent (${reason}): the task may have been created and ` +
        `billed; not retried to avoid paying twice. Check your ${hostLabel} dashboard before running again.`,
      {cause},
    );
  }
}

export type InputField = 'prompt' | 'negative_prompt' | 'steps' | 'seeds' | 'video';

/** An input the API would refuse; thrown before any request is sent. */
export class InputValidationError extends UsageError {
  readonly field: InputField;
  /** The limit that was broken: a number (characters, seconds) or a short description of the range. */
  readonly limit: number | string;
  constructor(field: InputField, limit: number | string, message: string, options?: {cause?: unknown}) {
    super(message, options);
    this.field = field;
    this.limit = limit;
  }
}

/** The daily request quota (500/day by default) would be exceeded. */
export class QuotaExceededError extends MMAudioError {
  readonly used: number;
  readonly limit: number;
  readonly requested: number;
  constructor(info: {used: number; limit: number; requested: number; beforeSpending: boolean}) {
    super(
      `This would need ${info.requested} more API request${info.requested === 1 ? '' : 's'} today, but ` +
        `${info.used} of the daily ${info.limit} are used (UTC day).` +
        (info.beforeSpending ? ' Nothing was sent.' : '') +
        ' Wait until 00:00 UTC, or generate fewer segments (cached segments cost no request).',
      {exitCode: info.beforeSpending ? 2 : 1},
    );
    this.used = info.used;
    this.limit = info.limit;
    this.requested = info.requested;
  }
}

/** No API key: neither the `apiKey` option nor `QUBICO_API_KEY`. */
export class MissingApiKeyError extends UsageError {
  constructor() {
    super(
      'No Qubico API key: set QUBICO_API_KEY (or pass apiKey), or use --backend offline to generate ' +
        'placeholder audio without the API.',
    );
  }
}

const describeServiceError = (error: unknown): string => {
  if (error === undefined || error === null || error === '') return 'no reason given';
  if (typeof error === 'string') return error;
  if (typeof error === 'object') {
    const e = error as {message?: unknown; code?: unknown};
    if (typeof e.message === 'string') {
      return typeof e.code === 'string' ? `${e.code}: ${e.message}` : e.message;
    }
  }
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
};
