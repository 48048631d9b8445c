import {
  ApiConnectionError,
  QubicoApiError,
  RateLimitError,
  RequestAbortedError,
  RequestTimeoutError,
} from './errors.ts';
import type {AttemptFailure} from './retry.ts';

/** What the retry table needs to know about an error thrown by one attempt. */
export const toAttemptFailure = (error: unknown): AttemptFailure => {
  if (error instanceof RateLimitError) return {kind: 'status', status: 429, retryAfterMs: error.retryAfterMs};
  if (error instanceof QubicoApiError) return {kind: 'status', status: error.status};
  if (error instanceof ApiConnectionError) return {kind: 'connection', beforeSend: error.beforeSend};
  if (error instanceof RequestTimeoutError) return {kind: 'timeout'};
  if (error instanceof RequestAbortedError) return {kind: 'aborted'};
  return {kind: 'other'};
};
