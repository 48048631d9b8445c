export type {
  DownloadedResult,
  QubicoClient,
  QubicoClientOptions,
  QubicoClientStats,
  WaitForTaskOptions,
} from './client.ts';
export {createQubicoClient, DEFAULT_BASE_URL} from './client.ts';
export type {Clock} from './clock.ts';
export type {RequestLimiter} from './create-request-limiter.ts';
export {createRequestLimiter} from './create-request-limiter.ts';
export type {Semaphore} from './create-semaphore.ts';
export {createSemaphore} from './create-semaphore.ts';
export type {InputField, ResponseHeaders} from './errors.ts';
export {
  ApiConnectionError,
  AuthenticationError,
  BadRequestError,
  InputValidationError,
  InternalServerError,
  InvalidResponseError,
  InvalidResultError,
  MissingApiKeyError,
  PayloadTooLargeError,
  QubicoApiError,
  QuotaExceededError,
  RateLimitError,
  RequestAbortedError,
  RequestTimeoutError,
  SubmitOutcomeUnknownError,
  TaskFailedError,
  TaskTimeoutError,
} from './errors.ts';
export type {DescribedErrorBody, MakeApiErrorOptions} from './make-api-error.ts';
export {makeApiError} from './make-api-error.ts';
export type {Mp4Info} from './mp4.ts';
export {Mp4Error, readMp4Info} from './mp4.ts';
export type {DailyQuota, DailyQuotaOptions} from './quota.ts';
export {createDailyQuota, defaultStateDirectory, quotaFileName} from './quota.ts';
export type {AttemptFailure, BackoffOptions} from './retry.ts';
export {backoffDelay, parseRetryAfter, retryDelay, shouldRetry} from './retry.ts';
export type {MmaudioInput, QubicoTask, QubicoTaskResult, QubicoTaskStatus} from './schema.ts';
export {
  apiErrorBodySchema,
  inferenceRequestSchema,
  MMAUDIO_MODEL,
  taskSchema,
  USD_PER_VIDEO_SECOND,
  VIDEO_MAX_SECONDS,
} from './schema.ts';
export type {ValidatedInput} from './validate-input.ts';
export {validateInput} from './validate-input.ts';
export type {WebhookReceiver, WebhookReceiverOptions} from './webhook.ts';
export {startWebhookReceiver} from './webhook.ts';
