import {describe, expect, it} from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  InputValidationError,
  InternalServerError,
  MissingApiKeyError,
  PayloadTooLargeError,
  QubicoApiError,
  QuotaExceededError,
  RateLimitError,
  SubmitOutcomeUnknownError,
  TaskFailedError,
} from '../../../src/api/errors.ts';
import {makeApiError} from '../../../src/api/make-api-error.ts';
import {inferenceRequestSchema, taskSchema} from '../../../src/api/schema.ts';
import {MMAudioError} from '../../../src/errors.ts';
import {createLogger} from '../../../src/log.ts';

const KEY = 'sk-live-0123456789abcdef';

describe('makeApiError', () => {
  const body = (code: string, message: string, details?: unknown) =>
    JSON.stringify({error: {code, message, details}});

  it.each([
    [400, BadRequestError],
    [401, AuthenticationError],
    [413, PayloadTooLargeError],
    [429, RateLimitError],
    [500, InternalServerError],
    [502, InternalServerError],
    [503, InternalServerError],
  ])('maps %i to its class', (status, cls) => {
    const err = makeApiError(status, {}, body('x', 'y'));
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(QubicoApiError);
    expect(err).toBeInstanceOf(MMAudioError);
    expect(err.status).toBe(status);
    expect(err.exitCode).toBe(1);
  });

  it('keeps code, details, headers and the request id', () => {
    const err = makeApiError(
      400,
      {'x-request-id': 'req_42', 'content-type': 'application/json'},
      body('invalid_steps', 'steps must be between 20 and 50', {field: 'steps'}),
    );
    expect(err.code).toBe('invalid_steps');
    expect(err.details).toEqual({field: 'steps'});
    expect(err.requestId).toBe('req_42');
    expect(err.headers['content-type']).toBe('application/json');
    expect(err.message).toContain('invalid_steps: steps must be between 20 and 50');
  });

  it('tolerates a body that is not JSON or not the documented shape', () => {
    const html = makeApiError(502, {}, '<html>Bad Gateway</html>');
    expect(html).toBeInstanceOf(InternalServerError);
    expect(html.code).toBeNull();
    expect(html.body).toBe('<html>Bad Gateway</html>');
    const empty = makeApiError(500, {}, '');
    expect(empty.requestId).toBeNull();
    const numeric = makeApiError(400, {}, JSON.stringify({error: {code: 1001, message: 'bad'}}));
    expect(numeric.code).toBe('1001');
  });

  it('reads Retry-After into retryAfterMs', () => {
    const err = makeApiError(429, {'retry-after': '2'}, body('rate_limited', 'slow down'));
    expect((err as RateLimitError).retryAfterMs).toBe(2000);
    expect((makeApiError(429, {}, '') as RateLimitError).retryAfterMs).toBeNull();
  });

  it('401 says to check QUBICO_API_KEY and never repeats the key, even when the service echoes it', () => {
    const logger = createLogger({secrets: [KEY]});
    const err = makeApiError(401, {}, body('unauthorized', `invalid api key ${KEY}`), {
      redact: logger.redact,
    });
    expect(err.message).toContain('QUBICO_API_KEY');
    expect(err.message).not.toContain(KEY);
    expect(JSON.stringify(err.body)).not.toContain(KEY);
  });

  it('413 suggests a shorter --max-segment-seconds or hosted proxies', () => {
    const err = makeApiError(413, {}, body('payload_too_large', 'video too large'));
    expect(err.message).toContain('--max-segment-seconds');
    expect(err.message).toContain('upload');
  });
});

describe('other errors', () => {
  it('usage-type errors exit with 2', () => {
    expect(new MissingApiKeyError().exitCode).toBe(2);
    expect(new MissingApiKeyError().message).toContain('QUBICO_API_KEY');
    expect(new InputValidationError('prompt', 500, 'x').exitCode).toBe(2);
    expect(new QuotaExceededError({used: 499, limit: 500, requested: 3, beforeSpending: true}).exitCode).toBe(
      2,
    );
    expect(
      new QuotaExceededError({used: 500, limit: 500, requested: 1, beforeSpending: false}).exitCode,
    ).toBe(1);
  });

  it('SubmitOutcomeUnknownError explains why it was not retried', () => {
    const err = new SubmitOutcomeUnknownError(makeApiError(500, {}, ''));
    expect(err.message).toContain('may have been created and billed');
    expect(err.message).toContain('not retried to avoid paying twice');
    expect(err.cause).toBeInstanceOf(InternalServerError);
  });

  it('TaskFailedError carries the service error', () => {
    expect(new TaskFailedError('t1', 'model crashed').message).toContain('model crashed');
    const err = new TaskFailedError('t2', {code: 'oom', message: 'out of memory'});
    expect(err.taskId).toBe('t2');
    expect(err.message).toContain('oom: out of memory');
  });
});

describe('schemas', () => {
  it('taskSchema keeps unknown fields and needs only task_id and status', () => {
    const task = taskSchema.parse({task_id: 'a', status: 'pending', extra: 1, model: 'Qubico/mmaudio'});
    expect(task).toMatchObject({task_id: 'a', status: 'pending', extra: 1});
    expect(taskSchema.safeParse({task_id: 'a', status: 'queued'}).success).toBe(false);
    expect(taskSchema.safeParse({status: 'pending'}).success).toBe(false);
    const done = taskSchema.parse({
      task_id: 'b',
      status: 'completed',
      results: [{url: 'http://x/r.wav', duration: 8, format: 'wav', sample_rate: 44100, channels: 2, v: 1}],
      usage: {credits_used: 0.4, processing_time: 3.2},
    });
    expect(done.results?.[0].sample_rate).toBe(44100);
  });

  it('inferenceRequestSchema takes the documented body', () => {
    const ok = inferenceRequestSchema.safeParse({
      model: 'Qubico/mmaudio',
      input: {video: 'https://x/v.mp4', prompt: 'rain', steps: 25, seeds: 7},
      config: {webhook_config: {endpoint: 'https://h/hook', secret: 's'}},
    });
    expect(ok.success).toBe(true);
    expect(inferenceRequestSchema.safeParse({model: 'other', input: {video: 'v', prompt: 'p'}}).success).toBe(
      false,
    );
  });
});
