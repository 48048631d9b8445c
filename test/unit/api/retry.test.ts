import {describe, expect, it} from 'vitest';
import {ApiConnectionError, RequestAbortedError, RequestTimeoutError} from '../../../src/api/errors.ts';
import {makeApiError} from '../../../src/api/make-api-error.ts';
import {
  backoffDelay,
  isBeforeSendCode,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  retryDelay,
  shouldRetry,
} from '../../../src/api/retry.ts';
import {toAttemptFailure} from '../../../src/api/to-attempt-failure.ts';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('2', NOW)).toBe(2000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
  });

  it('reads an HTTP date relative to now', () => {
    expect(parseRetryAfter('Wed, 15 Jan 2025 12:00:07 GMT', NOW)).toBe(7000);
    expect(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
  });

  it('turns a date in the past or a negative value into 0', () => {
    expect(parseRetryAfter('Wed, 15 Jan 2025 11:59:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('-3', NOW)).toBe(0);
  });

  it('honours 60 s fully and clamps anything longer to 60 s', () => {
    expect(parseRetryAfter('60', NOW)).toBe(60_000);
    expect(parseRetryAfter('61', NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('3600', NOW)).toBe(60_000);
    expect(parseRetryAfter('Wed, 15 Jan 2025 13:00:00 GMT', NOW)).toBe(60_000);
  });

  it('returns null when absent or unreadable', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeNull();
    expect(parseRetryAfter(null, NOW)).toBeNull();
    expect(parseRetryAfter('', NOW)).toBeNull();
    expect(parseRetryAfter('soon', NOW)).toBeNull();
  });
});

describe('backoffDelay', () => {
  const low = () => 0;
  const high = () => 0.999999;

  it('doubles from the base: 1000/2000/4000 at the top of the equal-jitter range', () => {
    const opts = {baseMs: 1000, maxMs: 30_000, random: high};
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, opts))).toEqual([999, 1999, 3999, 7999, 15_999]);
  });

  it('never goes below half the delay with equal jitter', () => {
    const opts = {baseMs: 1000, maxMs: 30_000, random: low};
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, opts))).toEqual([500, 1000, 2000, 4000, 8000]);
  });

  it('caps at maxMs', () => {
    expect(backoffDelay(6, {baseMs: 1000, maxMs: 30_000, random: high})).toBe(29_999);
    expect(backoffDelay(6, {baseMs: 1000, maxMs: 30_000, random: low})).toBe(15_000);
    expect(backoffDelay(20, {baseMs: 1000, maxMs: 30_000, random: () => 0.5})).toBe(22_500);
  });

  it('full jitter spans 0 to the delay', () => {
    expect(backoffDelay(3, {baseMs: 1000, maxMs: 30_000, random: low, jitter: 'full'})).toBe(0);
    expect(backoffDelay(3, {baseMs: 1000, maxMs: 30_000, random: () => 0.5, jitter: 'full'})).toBe(2000);
    expect(backoffDelay(3, {baseMs: 1000, maxMs: 30_000, random: high, jitter: 'full'})).toBe(3999);
  });
});

describe('retryDelay', () => {
  const opts = {baseMs: 1000, maxMs: 30_000, random: () => 0};

  it('waits exactly the Retry-After of a 429, even beyond maxMs', () => {
    const err = makeApiError(429, {'retry-after': '60'}, '', {nowMs: NOW});
    expect(retryDelay(toAttemptFailure(err), 1, opts)).toBe(60_000);
    const two = makeApiError(429, {'retry-after': '2'}, '', {nowMs: NOW});
    expect(retryDelay(toAttemptFailure(two), 4, opts)).toBe(2000);
  });

  it('backs off on a 429 without Retry-After and on a 500', () => {
    expect(retryDelay(toAttemptFailure(makeApiError(429, {}, '')), 2, opts)).toBe(1000);
    expect(retryDelay(toAttemptFailure(makeApiError(500, {}, '')), 3, opts)).toBe(2000);
  });
});

describe('shouldRetry: the retry table', () => {
  const statusError = (status: number) => toAttemptFailure(makeApiError(status, {}, ''));
  const connection = (code: string) =>
    toAttemptFailure(new ApiConnectionError('x', {code, beforeSend: isBeforeSendCode(code)}));
  const cases: [string, ReturnType<typeof toAttemptFailure>, boolean, boolean][] = [
    // name, failure, GET retried, POST retried
    ['400', statusError(400), false, false],
    ['401', statusError(401), false, false],
    ['403', statusError(403), false, false],
    ['404', statusError(404), false, false],
    ['413', statusError(413), false, false],
    ['422', statusError(422), false, false],
    ['429', statusError(429), true, true],
    ['500', statusError(500), true, false],
    ['502', statusError(502), true, false],
    ['503', statusError(503), true, false],
    ['ECONNREFUSED', connection('ECONNREFUSED'), true, true],
    ['ENOTFOUND', connection('ENOTFOUND'), true, true],
    ['EAI_AGAIN', connection('EAI_AGAIN'), true, true],
    ['UND_ERR_CONNECT_TIMEOUT', connection('UND_ERR_CONNECT_TIMEOUT'), true, true],
    ['ECONNRESET', connection('ECONNRESET'), true, false],
    ['UND_ERR_SOCKET', connection('UND_ERR_SOCKET'), true, false],
    ['timeout', toAttemptFailure(new RequestTimeoutError('GET /x', 100)), true, false],
    ['abort', toAttemptFailure(new RequestAbortedError('GET /x')), false, false],
    ['other', toAttemptFailure(new Error('boom')), false, false],
  ];

  it.each(cases)('%s → GET %s, POST %s', (_name, error, get, post) => {
    expect(shouldRetry({method: 'GET', error, attempt: 1, maxRetries: 5})).toBe(get);
    expect(shouldRetry({method: 'POST', error, attempt: 1, maxRetries: 5})).toBe(post);
  });

  it('stops after maxRetries retries', () => {
    const error = statusError(500);
    expect(shouldRetry({method: 'GET', error, attempt: 5, maxRetries: 5})).toBe(true);
    expect(shouldRetry({method: 'GET', error, attempt: 6, maxRetries: 5})).toBe(false);
    expect(shouldRetry({method: 'GET', error, attempt: 1, maxRetries: 0})).toBe(false);
  });
});
