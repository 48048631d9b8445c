import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {request} from 'undici';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {createQubicoClient} from '../../src/api/client.ts';
import {AuthenticationError, RequestAbortedError} from '../../src/api/errors.ts';
import {startWebhookReceiver} from '../../src/api/webhook.ts';
import {createLogger} from '../../src/log.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {makeTestMp4} from './helpers/make-mp4.ts';

const KEY = 'test-key-webhook-0004-secret-part';
const SECRET = 'whsec-0123456789-abcdef-secret';
let sim: Simulator;
let video: string;

beforeAll(async () => {
  sim = await startSimulator({apiKey: KEY, taskLatencyMs: 300});
  video = (await readFile(await makeTestMp4({seconds: 1, width: 32, height: 18}))).toString('base64');
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});

const post = (url: string, body: unknown, secret?: string) =>
  request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(secret === undefined ? {} : {'x-webhook-secret': secret}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  }).then(async (r) => ({status: r.statusCode, body: await r.body.text()}));

describe('startWebhookReceiver', () => {
  it('checks the secret, the method and the body; only an authentic task object wakes', async () => {
    const woken: string[] = [];
    const receiver = await startWebhookReceiver({secret: SECRET, onTask: (id) => woken.push(id)});
    try {
      expect(receiver.url).toBe(`http://127.0.0.1:${receiver.port}/`);
      const task = {task_id: 'task_1', status: 'completed', model: 'Qubico/mmaudio', results: []};
      expect((await post(receiver.url, task)).status).toBe(401);
      expect((await post(receiver.url, task, 'wrong')).status).toBe(401);
      expect((await post(receiver.url, task, `${SECRET}x`)).status).toBe(401);
      expect((await post(receiver.url, task, SECRET.slice(0, -1))).status).toBe(401);
      expect((await post(receiver.url, '{not json', SECRET)).status).toBe(400);
      expect((await post(receiver.url, {hello: 'world'}, SECRET)).status).toBe(400);
      expect((await post(receiver.url, {task_id: 'x', status: 'exploded'}, SECRET)).status).toBe(400);
      const get = await request(receiver.url);
      await get.body.dump();
      expect(get.statusCode).toBe(405);
      expect(woken).toEqual([]);
      const ok = await post(receiver.url, task, SECRET);
      expect(ok.status).toBe(200);
      expect(ok.body).not.toContain(SECRET);
      // A duplicate is harmless: it is only one more wake-up.
      expect((await post(receiver.url, task, SECRET)).status).toBe(200);
      expect(woken).toEqual(['task_1', 'task_1']);
    } finally {
      await receiver.close();
    }
  });
});

describe('webhook wake-ups', () => {
  /** A receiver and a client whose webhook points at it; the receiver wakes that client. */
  const setup = async () => {
    let wake: (taskId: string) => void = () => undefined;
    const receiver = await startWebhookReceiver({secret: SECRET, onTask: (id) => wake(id)});
    const client = createQubicoClient({
      apiKey: KEY,
      baseUrl: sim.url,
      dailyQuota: false,
      webhook: {url: receiver.url, secret: SECRET},
      // The fallback poll is far away: only a wake-up can make the client poll within the test.
      pollIntervalMs: {min: 50, max: 20_000},
    });
    wake = client.notifyTaskUpdate;
    return {client, receiver};
  };

  it('the right secret makes the waiter poll at once: exactly one GET', async () => {
    const {client, receiver} = await setup();
    try {
      sim.faults.webhook = {duplicate: true};
      const submitted = await client.submit({video, prompt: 'door slam'});
      const task = await client.waitForTask(submitted.task_id, {estimatedTimeSeconds: 0.3});
      expect(task.status).toBe('completed');
      // Let the duplicate delivery land too: it must not cause a second GET.
      await until(() => deliveriesOf(submitted.task_id).length === 2);
      expect(deliveriesOf(submitted.task_id).map((d) => d.status)).toEqual([200, 200]);
      const polls = sim.requests.filter((r) => r.kind === 'poll');
      expect(polls).toHaveLength(1);
      // The GET came after the webhook, not from the 20 s fallback.
      expect(polls[0].at).toBeGreaterThanOrEqual(deliveriesOf(submitted.task_id)[0].at);
    } finally {
      await receiver.close();
      await client.close();
    }
  });

  it('a wrong secret is refused (401) and triggers no GET', async () => {
    const {client, receiver} = await setup();
    try {
      sim.faults.webhook = {wrongSecret: true};
      const submitted = await client.submit({video, prompt: 'door slam'});
      const controller = new AbortController();
      const waiting = client
        .waitForTask(submitted.task_id, {signal: controller.signal})
        .catch((e: unknown) => e);
      await until(() => deliveriesOf(submitted.task_id).length === 1);
      await new Promise((r) => setTimeout(r, 200));
      controller.abort();
      expect(await waiting).toBeInstanceOf(RequestAbortedError);
      expect(deliveriesOf(submitted.task_id)[0]).toMatchObject({status: 401, wrongSecret: true});
      expect(sim.requests.filter((r) => r.kind === 'poll')).toHaveLength(0);
    } finally {
      await receiver.close();
      await client.close();
    }
  });
});

describe('logging', () => {
  it('nothing logged at trace level contains the key, the webhook secret or the video', async () => {
    const lines: string[] = [];
    const sink = {write: (chunk: string) => lines.push(chunk)};
    const logger = createLogger({level: 'trace', stdout: sink, stderr: sink});
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-log-'));
    const client = createQubicoClient({
      apiKey: KEY,
      baseUrl: sim.url,
      dailyQuota: {directory: dir},
      logger,
      webhook: {url: 'http://127.0.0.1:9/hook', secret: SECRET},
      pollIntervalMs: {min: 50, max: 200},
      retryBaseDelayMs: 5,
    });
    const receiver = await startWebhookReceiver({secret: SECRET, onTask: () => undefined, logger});
    try {
      sim.faults.failNext(1, 500, {kind: 'poll'});
      sim.faults.failNext(1, 429, {kind: 'submit', retryAfter: '0'});
      const submitted = await client.submit({video, prompt: 'glass breaking', seed: 3});
      const task = await client.waitForTask(submitted.task_id, {estimatedTimeSeconds: 0.3});
      await client.downloadResult(task.results![0].url, path.join(dir, 'out.wav'));
      await post(receiver.url, {task_id: 'x', status: 'pending'}, 'forged');
      const bad = createQubicoClient({apiKey: `${KEY}-wrong`, baseUrl: sim.url, dailyQuota: false, logger});
      const err = await bad.getTask('task_x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthenticationError);
      logger.error(err);
      await bad.close();
    } finally {
      await receiver.close();
      await client.close();
      await rm(dir, {recursive: true, force: true});
    }
    const text = lines.join('');
    expect(text).toContain('POST /v1/inference → 429 (attempt 1');
    expect(text).toContain('POST /v1/inference → 202 (attempt 2');
    expect(text).toMatch(/GET \/v1\/tasks\/task_\w+ → 500/);
    expect(text).toContain('retry 1/5');
    expect(text).toContain('refused: wrong or missing secret');
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(video.slice(0, 64));
  });
});

/** What the simulator delivered for one task (a previous test's late delivery may also be listed). */
const deliveriesOf = (taskId: string) => sim.webhookDeliveries.filter((d) => d.taskId === taskId);

/** Polls `condition` every 20 ms, for at most 5 s. */
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 250 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!condition()) throw new Error('condition not met within 5 s');
};
