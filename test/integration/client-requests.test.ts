import {readFile} from 'node:fs/promises';
import net from 'node:net';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {createQubicoClient, type QubicoClientOptions} from '../../src/api/client.ts';
import type {Clock} from '../../src/api/clock.ts';
import {
  ApiConnectionError,
  AuthenticationError,
  BadRequestError,
  InputValidationError,
  InternalServerError,
  MissingApiKeyError,
  PayloadTooLargeError,
  RateLimitError,
  RequestAbortedError,
  SubmitOutcomeUnknownError,
} from '../../src/api/errors.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {makeTestMp4} from './helpers/make-mp4.ts';

const KEY = 'test-key-requests-0001';
let sim: Simulator;
let video2s: string;
let video61s: string;

beforeAll(async () => {
  sim = await startSimulator({
    apiKey: KEY,
    taskLatencyMs: 300,
    limits: {requestsPerWindow: 100, windowMs: 3000, concurrentTasks: 5, requestsPerDay: 10_000},
  });
  const [a, b] = await Promise.all([
    makeTestMp4({seconds: 2, width: 32, height: 18}),
    makeTestMp4({seconds: 61, width: 32, height: 18}),
  ]);
  video2s = (await readFile(a)).toString('base64');
  video61s = (await readFile(b)).toString('base64');
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});

const clientFor = (options: QubicoClientOptions = {}) =>
  createQubicoClient({
    apiKey: KEY,
    baseUrl: sim.url,
    dailyQuota: false,
    retryBaseDelayMs: 10,
    retryMaxDelayMs: 50,
    ...options,
  });

const ofKind = (kind: string) => sim.requests.filter((r) => r.kind === kind);

describe('submit and getTask', () => {
  it('submits a base64 mp4 and reads the task back', async () => {
    const client = clientFor({baseUrl: `${sim.url}/`});
    try {
      expect(client.baseUrl).toBe(sim.url);
      const task = await client.submit({video: video2s, prompt: 'footsteps on gravel', steps: 20, seed: 42});
      expect(task.status).toBe('pending');
      expect(task.estimated_time).toBe(1);
      const simTask = sim.tasks.get(task.task_id)!;
      expect(simTask).toMatchObject({prompt: 'footsteps on gravel', steps: 20, seed: 42, seedWasSent: true});
      expect(simTask.durationInSeconds).toBeCloseTo(2, 1);
      const again = await client.getTask(task.task_id);
      expect(again.task_id).toBe(task.task_id);
      expect(sim.requests.map((r) => [r.method, r.path, r.status])).toEqual([
        ['POST', '/v1/inference', 202],
        ['GET', `/v1/tasks/${task.task_id}`, 200],
      ]);
      expect(client.stats()).toEqual({requests: 2, submits: 1, polls: 1, downloads: 0, retries: 0});
    } finally {
      await client.close();
    }
  });

  it('refuses every invalid input before sending anything', async () => {
    const client = clientFor();
    try {
      const bad: [string, Parameters<typeof client.submit>[0]][] = [
        ['prompt', {video: video2s, prompt: ''}],
        ['prompt', {video: video2s, prompt: 'x'.repeat(501)}],
        ['negative_prompt', {video: video2s, prompt: 'p', negativePrompt: 'n'.repeat(201)}],
        ['steps', {video: video2s, prompt: 'p', steps: 19}],
        ['steps', {video: video2s, prompt: 'p', steps: 51}],
        ['steps', {video: video2s, prompt: 'p', steps: 30.5}],
        ['seeds', {video: video2s, prompt: 'p', seed: -1}],
        ['seeds', {video: video2s, prompt: 'p', seed: 2 ** 53}],
        ['video', {video: video61s, prompt: 'p'}],
        ['video', {video: `data:video/mp4;base64,${video61s}`, prompt: 'p'}],
        ['video', {video: Buffer.from('not an mp4 at all').toString('base64'), prompt: 'p'}],
        ['video', {video: 'ftp://example.com/v.mp4', prompt: 'p'}],
        ['video', {video: '', prompt: 'p'}],
      ];
      for (const [field, input] of bad) {
        const err = await client.submit(input).catch((e: unknown) => e);
        expect(err, field).toBeInstanceOf(InputValidationError);
        expect((err as InputValidationError).field).toBe(field);
        expect((err as InputValidationError).exitCode).toBe(2);
      }
      expect(sim.requests).toHaveLength(0);
      expect(client.stats().requests).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('a missing key is refused before anything is sent', () => {
    const saved = process.env.QUBICO_API_KEY;
    delete process.env.QUBICO_API_KEY;
    try {
      expect(() => createQubicoClient({baseUrl: sim.url})).toThrow(MissingApiKeyError);
      expect(() => createQubicoClient({apiKey: '  ', baseUrl: sim.url})).toThrow(MissingApiKeyError);
    } finally {
      if (saved !== undefined) process.env.QUBICO_API_KEY = saved;
    }
    expect(sim.requests).toHaveLength(0);
  });
});

describe('retries', () => {
  it('401 is not retried: exactly one request', async () => {
    const client = clientFor({apiKey: 'wrong-key-123456'});
    try {
      const err = await client.submit({video: video2s, prompt: 'p'}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthenticationError);
      expect((err as AuthenticationError).message).toContain('QUBICO_API_KEY');
      expect((err as AuthenticationError).message).not.toContain('wrong-key-123456');
      expect((err as AuthenticationError).requestId).toBe('req_1');
      expect(sim.requests).toHaveLength(1);
      const poll = await client.getTask('task_x').catch((e: unknown) => e);
      expect(poll).toBeInstanceOf(AuthenticationError);
      expect(sim.requests).toHaveLength(2);
    } finally {
      await client.close();
    }
  });

  it('400 and 413 are not retried', async () => {
    const client = clientFor();
    try {
      sim.faults.failNext(1, 400, {kind: 'submit'});
      await expect(client.submit({video: video2s, prompt: 'p'})).rejects.toBeInstanceOf(BadRequestError);
      sim.faults.failNext(1, 413, {kind: 'submit'});
      const err = await client.submit({video: video2s, prompt: 'p'}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PayloadTooLargeError);
      expect((err as Error).message).toContain('--max-segment-seconds');
      expect(ofKind('submit')).toHaveLength(2);
      expect(client.stats().retries).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('500 on GET is retried and succeeds', async () => {
    const client = clientFor();
    try {
      const task = await client.submit({video: video2s, prompt: 'p'});
      sim.faults.failNext(2, 500, {kind: 'poll'});
      const read = await client.getTask(task.task_id);
      expect(read.task_id).toBe(task.task_id);
      expect(ofKind('poll').map((r) => r.status)).toEqual([500, 500, 200]);
      expect(client.stats().retries).toBe(2);
    } finally {
      await client.close();
    }
  });

  it('a dropped GET is retried', async () => {
    const client = clientFor();
    try {
      const task = await client.submit({video: video2s, prompt: 'p'});
      sim.faults.dropNext(1, {kind: 'poll'});
      await client.getTask(task.task_id);
      expect(ofKind('poll').map((r) => r.status)).toEqual([0, 200]);
    } finally {
      await client.close();
    }
  });

  it('GET gives up after maxRetries and throws the last error', async () => {
    const client = clientFor({maxRetries: 2});
    try {
      sim.faults.failNext(5, 503, {kind: 'poll'});
      await expect(client.getTask('task_any')).rejects.toBeInstanceOf(InternalServerError);
      expect(ofKind('poll')).toHaveLength(3);
    } finally {
      await client.close();
    }
  });

  it('500 on POST is not retried: SubmitOutcomeUnknownError after exactly one request', async () => {
    const client = clientFor();
    try {
      sim.faults.failNext(1, 500, {kind: 'submit'});
      const err = await client.submit({video: video2s, prompt: 'p'}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SubmitOutcomeUnknownError);
      expect((err as Error).message).toContain('not retried to avoid paying twice');
      expect((err as Error).cause).toBeInstanceOf(InternalServerError);
      expect(sim.requests).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('a dropped connection on POST is not retried: SubmitOutcomeUnknownError after one request', async () => {
    const client = clientFor();
    try {
      sim.faults.dropNext(1, {kind: 'submit'});
      const err = await client.submit({video: video2s, prompt: 'p'}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SubmitOutcomeUnknownError);
      expect((err as Error).cause).toBeInstanceOf(ApiConnectionError);
      expect(sim.requests).toHaveLength(1);
      expect(sim.tasks.size).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('a POST that times out after sending is not retried', async () => {
    const client = clientFor({requestTimeoutMs: 150});
    try {
      sim.faults.delayNext(1, 600, {kind: 'submit'});
      const err = await client.submit({video: video2s, prompt: 'p'}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SubmitOutcomeUnknownError);
      expect((err as Error).message).toContain('timed out after 150 ms');
      expect(ofKind('submit')).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('a GET that times out is retried', async () => {
    const client = clientFor({requestTimeoutMs: 150});
    try {
      const task = await client.submit({video: video2s, prompt: 'p'});
      sim.faults.delayNext(1, 600, {kind: 'poll'});
      await client.getTask(task.task_id);
      expect(ofKind('poll')).toHaveLength(2);
      expect(client.stats().retries).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('429 on POST is retried (no task was created)', async () => {
    const client = clientFor();
    try {
      sim.faults.failNext(2, 429, {kind: 'submit'});
      const task = await client.submit({video: video2s, prompt: 'p'});
      expect(ofKind('submit').map((r) => r.status)).toEqual([429, 429, 202]);
      expect(sim.tasks.size).toBe(1);
      expect(sim.tasks.has(task.task_id)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('429 with Retry-After: 2 makes the next attempt wait at least 2 s (measured at the server)', async () => {
    const client = clientFor();
    try {
      sim.faults.failNext(1, 429, {kind: 'submit', retryAfter: '2'});
      await client.submit({video: video2s, prompt: 'p'});
      const [first, second] = ofKind('submit');
      expect(first.status).toBe(429);
      expect(second.status).toBe(202);
      expect(second.at - first.at).toBeGreaterThanOrEqual(2000);
    } finally {
      await client.close();
    }
  });

  it('a Retry-After of 60 s is honoured in full, beyond retryMaxDelayMs (fake clock)', async () => {
    const sleeps: number[] = [];
    let offset = 0;
    const clock: Clock = {
      now: () => Date.now() + offset,
      sleep: async (ms) => {
        sleeps.push(ms);
        offset += ms;
      },
    };
    const client = clientFor({clock, retryMaxDelayMs: 30_000});
    try {
      sim.faults.failNext(1, 429, {kind: 'submit', retryAfter: '60'});
      await client.submit({video: video2s, prompt: 'p'});
      expect(sleeps).toEqual([60_000]);
      expect(ofKind('submit').map((r) => r.status)).toEqual([429, 202]);
      sim.reset();
      sim.faults.failNext(1, 429, {kind: 'poll', retryAfter: '600'});
      await client.getTask('task_missing').catch(() => undefined);
      expect(sleeps).toEqual([60_000, 60_000]);
    } finally {
      await client.close();
    }
  });

  it('429 is given up after maxRetries with a RateLimitError', async () => {
    const client = clientFor({maxRetries: 1});
    try {
      sim.faults.failNext(3, 429, {kind: 'submit'});
      const err = await client.submit({video: video2s, prompt: 'p'}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RateLimitError);
      expect(ofKind('submit')).toHaveLength(2);
    } finally {
      await client.close();
    }
  });

  it('a refused connection is retried, for POST too (nothing was sent)', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1', () => {
        const p = (server.address() as net.AddressInfo).port;
        server.close(() => resolve(p));
      });
    });
    const client = clientFor({baseUrl: `http://127.0.0.1:${port}`, maxRetries: 3});
    try {
      const err = await client.submit({video: video2s, prompt: 'p'}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiConnectionError);
      expect((err as ApiConnectionError).code).toBe('ECONNREFUSED');
      expect((err as ApiConnectionError).beforeSend).toBe(true);
      expect(client.stats()).toMatchObject({requests: 4, submits: 4, retries: 3});
    } finally {
      await client.close();
    }
  });

  it('an abort during a retry wait ends at once with RequestAbortedError', async () => {
    const client = clientFor({retryBaseDelayMs: 5000, retryMaxDelayMs: 5000});
    try {
      sim.faults.failNext(1, 500, {kind: 'poll'});
      const controller = new AbortController();
      const pending = client.getTask('task_any', {signal: controller.signal});
      setTimeout(() => controller.abort(), 100);
      // Without the abort, the retry 5 s later would end in a 404 (no such task), not in an abort.
      await expect(pending).rejects.toBeInstanceOf(RequestAbortedError);
      expect(ofKind('poll')).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});
