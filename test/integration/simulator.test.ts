import {createHash} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {createServer, type IncomingHttpHeaders, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {Readable} from 'node:stream';
import {request} from 'undici';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {readMp4Info} from '../../src/api/mp4.ts';
import {UsageError} from '../../src/errors.ts';
import {createLogger} from '../../src/log.ts';
import {
  type Simulator,
  type SimulatorOptions,
  simulatedSignal,
  simulatorErrorCodes,
  startSimulator,
} from '../../src/simulator/index.ts';
import {decodeWav, parseWavHeader, toInt16, WavError} from '../../src/wav/wav.ts';
import {makeTestMp4} from './helpers/make-mp4.ts';

const KEY = 'sim-test-key-0123456789';
const MODEL = 'Qubico/mmaudio';

type ErrorBody = {error: {code: string; message: string; details: Record<string, unknown>}};
type ResultBody = {url: string; duration: number; format: string; sample_rate: number; channels: number};
type TaskBody = {
  task_id: string;
  status: string;
  model: string;
  created_at: string;
  completed_at?: string;
  estimated_time?: number;
  results?: ResultBody[];
  usage?: {credits_used: number; processing_time: number};
  error?: {code: string; message: string};
};
type Answer<T> = {status: number; headers: IncomingHttpHeaders; bytes: Buffer; json: T};

const call = async <T = ErrorBody>(
  sim: Simulator,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  options: {key?: string | null; body?: unknown; headers?: Record<string, string>} = {},
): Promise<Answer<T>> => {
  const key = options.key === undefined ? KEY : options.key;
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const res = await request(`${sim.url}${path}`, {
    method,
    headers: {
      ...(key === null ? {} : {'x-api-key': key}),
      ...(body === undefined ? {} : {'content-type': 'application/json'}),
      ...options.headers,
    },
    body,
  });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  const isJson = String(res.headers['content-type'] ?? '').startsWith('application/json');
  return {
    status: res.statusCode,
    headers: res.headers,
    bytes,
    json: (isJson ? JSON.parse(bytes.toString()) : null) as T,
  };
};

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const until = async <T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 5000): Promise<T> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(25);
  }
};

/** Compares 16-bit samples of a decoded wav with the float signal quantised the way the wav writer does. */
const firstQuantisedDifference = (got: Float32Array, expected: Float32Array): number => {
  if (got.length !== expected.length) return Math.min(got.length, expected.length);
  for (let i = 0; i < got.length; i++) {
    if (Math.round(got[i] * 32768) !== toInt16(expected[i])) return i;
  }
  return -1;
};

let mp4: Buffer;
let mp4Seconds: number;
let longMp4: Buffer;
const sims: Simulator[] = [];
const servers: Server[] = [];

const start = async (options: SimulatorOptions = {}): Promise<Simulator> => {
  const sim = await startSimulator({apiKey: KEY, taskLatencyMs: 100, ...options});
  sims.push(sim);
  return sim;
};

/** A tiny HTTP server for the test (video host, webhook receiver). */
const serve = async (handler: Parameters<typeof createServer>[1]): Promise<string> => {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const submitBody = (overrides: Record<string, unknown> = {}, video: Buffer = mp4) => ({
  model: MODEL,
  input: {video: video.toString('base64'), prompt: 'footsteps on gravel', seeds: 7, ...overrides},
});

const submit = async (sim: Simulator, overrides: Record<string, unknown> = {}, key: string = KEY) => {
  const answer = await call<TaskBody>(sim, 'POST', '/v1/inference', {key, body: submitBody(overrides)});
  expect(answer.status).toBe(202);
  return answer.json.task_id;
};

/**
 * Waits until the simulator's own view of the task reaches one of `statuses`, then reads it once over HTTP.
 * Polling the API itself every few ms would run into the simulator's 20 requests/min.
 */
const waitForStatus = async (sim: Simulator, taskId: string, statuses: string[]) => {
  await until(async () => statuses.includes(sim.tasks.get(taskId)?.status ?? ''));
  const answer = await call<TaskBody>(sim, 'GET', `/v1/tasks/${taskId}`);
  expect(answer.status).toBe(200);
  return answer.json;
};

beforeAll(async () => {
  mp4 = await readFile(await makeTestMp4({seconds: 2}));
  mp4Seconds = readMp4Info(mp4).durationInSeconds;
  longMp4 = await readFile(await makeTestMp4({seconds: 61, fps: 5, width: 32, height: 18}));
});

afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

describe('simulator: the contract', () => {
  it('answers a curl-shaped submit with 202, moves the task to completed, and serves the expected chirp', async () => {
    const sim = await start({taskLatencyMs: 800});
    // Exactly what the vendor's curl example sends, with a real mp4 as base64.
    const curlBody = `{
  "model": "Qubico/mmaudio",
  "input": {
    "video": "${mp4.toString('base64')}",
    "prompt": "Natural outdoor sounds with birds chirping",
    "negative_prompt": "music, speech, artificial sounds",
    "steps": 25,
    "seeds": 48511119825268
  }
}`;
    const submitted = await call<TaskBody>(sim, 'POST', '/v1/inference', {body: curlBody});
    expect(submitted.status).toBe(202);
    expect(Object.keys(submitted.json).sort()).toEqual([
      'created_at',
      'estimated_time',
      'model',
      'status',
      'task_id',
    ]);
    expect(submitted.json).toMatchObject({status: 'pending', model: MODEL, estimated_time: 1});
    expect(new Date(submitted.json.created_at).toISOString()).toBe(submitted.json.created_at);
    const taskId = submitted.json.task_id;
    expect(taskId).toMatch(/^task_[0-9a-f]{20}$/);

    const task = sim.tasks.get(taskId)!;
    expect(task).toMatchObject({
      status: 'pending',
      videoSha256: sha256(mp4),
      videoBytes: mp4.length,
      durationInSeconds: mp4Seconds,
      prompt: 'Natural outdoor sounds with birds chirping',
      negativePrompt: 'music, speech, artificial sounds',
      steps: 25,
      seed: 48511119825268,
      seedWasSent: true,
      submitSeq: 1,
    });
    expect(task.processingAt - task.createdAt).toBe(200);
    expect(task.finishesAt - task.createdAt).toBe(800);

    await until(async () => Date.now() > task.processingAt + 20);
    if (Date.now() < task.finishesAt - 50) {
      expect((await call<TaskBody>(sim, 'GET', `/v1/tasks/${taskId}`)).json.status).toBe('processing');
    }
    const done = await waitForStatus(sim, taskId, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    const frames = Math.round(mp4Seconds * 44_100);
    expect(done).toEqual({
      task_id: taskId,
      status: 'completed',
      model: MODEL,
      created_at: submitted.json.created_at,
      completed_at: new Date(task.finishesAt).toISOString(),
      results: [
        {
          url: `${sim.url}/v1/results/${taskId}/0.wav`,
          duration: frames / 44_100,
          format: 'wav',
          sample_rate: 44_100,
          channels: 1,
        },
      ],
      usage: {credits_used: Math.round(mp4Seconds * 0.05 * 10_000) / 10_000, processing_time: 0.8},
    });

    const wav = await call(sim, 'GET', new URL(done.results![0].url).pathname);
    expect(wav.status).toBe(200);
    expect(wav.headers['content-type']).toBe('audio/wav');
    const audio = decodeWav(wav.bytes);
    expect(audio.sampleRate).toBe(44_100);
    expect(audio.channels).toHaveLength(1);
    expect(audio.channels[0].length).toBe(frames);
    const expected = simulatedSignal({
      videoSha256: sha256(mp4),
      prompt: 'Natural outdoor sounds with birds chirping',
      seed: 48511119825268,
      durationInSeconds: mp4Seconds,
      sampleRate: 44_100,
      channels: 1,
    });
    expect(firstQuantisedDifference(audio.channels[0], expected.channels[0])).toBe(-1);

    expect(sim.requests.map((r) => [r.seq, r.method, r.kind, r.status, r.hadValidKey])).toEqual([
      [1, 'POST', 'submit', 202, true],
      ...sim.requests.slice(1, -1).map((r) => [r.seq, 'GET', 'poll', 200, true]),
      [sim.requests.length, 'GET', 'result', 200, true],
    ]);
    expect(sim.requests.every((r, i) => i === 0 || r.at >= sim.requests[i - 1].at)).toBe(true);
    expect(sim.requests.slice(1).every((r) => r.taskId === taskId)).toBe(true);
    expect(sim.tasks.get(taskId)?.status).toBe('completed');
  });

  it('accepts a data URI and a video URL, and refuses URLs it cannot fetch with 400', async () => {
    const videoHost = await serve((req, res) => {
      if (req.url === '/clip.mp4') {
        res.writeHead(200, {'content-type': 'video/mp4'});
        res.end(mp4);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    const closed = await serve(() => undefined);
    const closedServer = servers[servers.length - 1];
    closedServer.close();
    const sim = await start({videoFetchTimeoutMs: 2000});

    const viaDataUri = await submit(sim, {video: `data:video/mp4;base64,${mp4.toString('base64')}`});
    const viaUrl = await submit(sim, {video: `${videoHost}/clip.mp4`});
    for (const id of [viaDataUri, viaUrl]) {
      expect(sim.tasks.get(id)?.videoSha256).toBe(sha256(mp4));
      expect(sim.tasks.get(id)?.durationInSeconds).toBe(mp4Seconds);
    }

    const missing = await call(sim, 'POST', '/v1/inference', {
      body: submitBody({video: `${videoHost}/nope.mp4`}),
    });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatchObject({code: 'video_fetch_failed', details: {field: 'input.video'}});
    expect(missing.json.error.message).toContain('HTTP 404');
    const unreachable = await call(sim, 'POST', '/v1/inference', {
      body: submitBody({video: `${closed}/clip.mp4`}),
    });
    expect(unreachable.status).toBe(400);
    expect(unreachable.json.error.code).toBe('video_fetch_failed');
  });

  it('answers 401 without a key or with a wrong one, and accepts any non-empty key when none is configured', async () => {
    const sim = await start();
    const none = await call(sim, 'GET', '/v1/tasks/task_x', {key: null});
    expect(none.status).toBe(401);
    expect(none.json.error).toMatchObject({code: simulatorErrorCodes.missingKey});
    const empty = await call(sim, 'POST', '/v1/inference', {key: '', body: submitBody()});
    expect(empty.status).toBe(401);
    const wrong = await call(sim, 'POST', '/v1/inference', {key: `${KEY}x`, body: submitBody()});
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toMatchObject({code: simulatorErrorCodes.invalidKey, details: {}});
    expect(wrong.bytes.toString()).not.toContain(KEY);
    expect(sim.requests.map((r) => [r.status, r.hadValidKey])).toEqual([
      [401, false],
      [401, false],
      [401, false],
    ]);
    expect(sim.tasks.size).toBe(0);

    const open = await start({apiKey: null});
    expect((await call(open, 'GET', '/v1/tasks/task_x', {key: null})).status).toBe(401);
    const id = await submit(open, {}, 'any-key-at-all');
    expect((await call(open, 'GET', `/v1/tasks/${id}`, {key: 'any-key-at-all'})).status).toBe(200);
    // A task is visible to the key that submitted it only.
    const other = await call(open, 'GET', `/v1/tasks/${id}`, {key: 'another-key'});
    expect(other.status).toBe(404);
    expect(other.json.error.code).toBe(simulatorErrorCodes.taskNotFound);
  });

  it('reads the key from QUBICO_API_KEY when no apiKey option is given', async () => {
    const saved = process.env.QUBICO_API_KEY;
    process.env.QUBICO_API_KEY = 'key-from-the-environment';
    try {
      const sim = await start({apiKey: undefined});
      expect((await call(sim, 'GET', '/v1/tasks/t', {key: KEY})).status).toBe(401);
      expect((await call(sim, 'GET', '/v1/tasks/t', {key: 'key-from-the-environment'})).status).toBe(404);
    } finally {
      if (saved === undefined) delete process.env.QUBICO_API_KEY;
      else process.env.QUBICO_API_KEY = saved;
    }
  });

  it('answers 400 with an error body for each validation rule, and creates no task', async () => {
    const sim = await start({limits: {requestsPerWindow: 1000}});
    const cases: [string, unknown, string, string][] = [
      ['not JSON', '{"model": ', 'invalid_json', 'body'],
      ['not an object', '[1, 2]', 'invalid_request', 'body'],
      ['wrong model', {...submitBody(), model: 'Qubico/other'}, 'invalid_model', 'model'],
      ['no input', {model: MODEL}, 'invalid_request', 'input'],
      ['no prompt', submitBody({prompt: undefined}), 'invalid_prompt', 'input.prompt'],
      ['blank prompt', submitBody({prompt: '   '}), 'invalid_prompt', 'input.prompt'],
      ['prompt of 501 chars', submitBody({prompt: 'x'.repeat(501)}), 'invalid_prompt', 'input.prompt'],
      [
        'negative prompt of 201 chars',
        submitBody({negative_prompt: 'y'.repeat(201)}),
        'invalid_negative_prompt',
        'input.negative_prompt',
      ],
      [
        'negative prompt not a string',
        submitBody({negative_prompt: 5}),
        'invalid_negative_prompt',
        'input.negative_prompt',
      ],
      ['steps 19', submitBody({steps: 19}), 'invalid_steps', 'input.steps'],
      ['steps 51', submitBody({steps: 51}), 'invalid_steps', 'input.steps'],
      ['steps 25.5', submitBody({steps: 25.5}), 'invalid_steps', 'input.steps'],
      ['steps as text', submitBody({steps: '25'}), 'invalid_steps', 'input.steps'],
      ['negative seed', submitBody({seeds: -1}), 'invalid_seeds', 'input.seeds'],
      ['fractional seed', submitBody({seeds: 1.5}), 'invalid_seeds', 'input.seeds'],
      ['seed past 2^53 − 1', submitBody({seeds: 2 ** 53}), 'invalid_seeds', 'input.seeds'],
      ['no video', submitBody({video: undefined}), 'invalid_video', 'input.video'],
      ['video not base64', submitBody({video: 'not a video!'}), 'invalid_video', 'input.video'],
      ['video a bad URL', submitBody({video: 'http://'}), 'invalid_video', 'input.video'],
      [
        'base64 of a non-mp4',
        submitBody({video: Buffer.from('RIFF....WAVEfmt ').toString('base64')}),
        'invalid_video',
        'input.video',
      ],
      [
        'data URI of another type',
        submitBody({video: `data:video/webm;base64,${mp4.toString('base64')}`}),
        'invalid_video',
        'input.video',
      ],
      [
        'truncated mp4',
        submitBody({video: mp4.subarray(0, 200).toString('base64')}),
        'invalid_video',
        'input.video',
      ],
      ['video of 61 s', submitBody({video: longMp4.toString('base64')}), 'video_too_long', 'input.video'],
      [
        'webhook without secret',
        {...submitBody(), config: {webhook_config: {endpoint: 'http://127.0.0.1:1/hook'}}},
        'invalid_webhook_config',
        'config.webhook_config.secret',
      ],
      [
        'webhook endpoint not a URL',
        {...submitBody(), config: {webhook_config: {endpoint: 'hook', secret: 's3cret'}}},
        'invalid_webhook_config',
        'config.webhook_config.endpoint',
      ],
    ];
    for (const [name, body, code, field] of cases) {
      const answer = await call(sim, 'POST', '/v1/inference', {body});
      expect({name, status: answer.status, code: answer.json?.error?.code}).toEqual({
        name,
        status: 400,
        code,
      });
      expect(answer.json.error.details.field).toBe(field);
      expect(answer.json.error.message.length).toBeGreaterThan(10);
    }
    expect(sim.tasks.size).toBe(0);
    expect(sim.requests).toHaveLength(cases.length);
    expect(sim.requests.every((r) => r.kind === 'submit' && r.status === 400 && r.hadValidKey)).toBe(true);

    // The limits themselves are accepted: 500 characters, 200 characters, 20 and 50 steps, 0 and 2^53 − 1.
    await submit(sim, {prompt: 'p'.repeat(500), negative_prompt: 'n'.repeat(200), steps: 20, seeds: 0});
    const id = await submit(sim, {steps: 50, seeds: Number.MAX_SAFE_INTEGER, negative_prompt: null});
    expect(sim.tasks.get(id)).toMatchObject({steps: 50, seed: Number.MAX_SAFE_INTEGER, negativePrompt: null});
    // Without seeds the service picks one, and says so in the task record.
    const unseeded = await submit(sim, {seeds: undefined, steps: undefined});
    expect(sim.tasks.get(unseeded)).toMatchObject({seedWasSent: false, steps: 25});
    expect(Number.isSafeInteger(sim.tasks.get(unseeded)?.seed)).toBe(true);
  });

  it('answers 413 for a video over maxVideoBytes: decoded base64, content-length, and fetched URLs', async () => {
    const big = Buffer.alloc(5000, 1);
    const videoHost = await serve((req, res) => {
      if (req.url === '/declared.mp4') {
        res.writeHead(200, {'content-length': String(mp4.length)});
        res.end(mp4);
      } else {
        // No content-length: the simulator must count while streaming.
        res.writeHead(200, {'transfer-encoding': 'chunked'});
        res.write(mp4.subarray(0, 1000));
        setTimeout(() => res.end(mp4.subarray(1000)), 20);
      }
    });
    const sim = await start({maxVideoBytes: mp4.length - 1, limits: {requestsPerWindow: 1000}});
    const decoded = await call(sim, 'POST', '/v1/inference', {body: submitBody()});
    expect(decoded.status).toBe(413);
    expect(decoded.json.error).toMatchObject({
      code: simulatorErrorCodes.videoTooLarge,
      details: {max_video_bytes: mp4.length - 1, video_bytes: mp4.length},
    });
    const declared = await call(sim, 'POST', '/v1/inference', {
      body: submitBody({video: `${videoHost}/declared.mp4`}),
    });
    expect(declared.status).toBe(413);
    const streamed = await call(sim, 'POST', '/v1/inference', {
      body: submitBody({video: `${videoHost}/chunked.mp4`}),
    });
    expect(streamed.status).toBe(413);

    // A body far over the limit is refused from its content-length, before it is buffered.
    const small = await start({maxVideoBytes: 1000});
    const huge = await call(small, 'POST', '/v1/inference', {
      body: submitBody({video: Buffer.concat([mp4, big, Buffer.alloc(2_000_000)]).toString('base64')}),
    });
    expect(huge.status).toBe(413);
    expect(huge.json.error.code).toBe(simulatorErrorCodes.videoTooLarge);
    // The connection is still usable afterwards.
    expect((await call(small, 'GET', '/v1/tasks/task_none')).status).toBe(404);
    // Without a content-length (chunked upload), the simulator counts bytes as they come.
    const chunked = await request(`${small.url}/v1/inference`, {
      method: 'POST',
      headers: {'x-api-key': KEY, 'content-type': 'application/json'},
      body: Readable.from(
        (function* () {
          yield '{"model":"Qubico/mmaudio","input":{"prompt":"p","video":"';
          for (let i = 0; i < 40; i++) yield 'A'.repeat(64 * 1024);
          yield '"}}';
        })(),
      ),
    });
    expect(chunked.statusCode).toBe(413);
    expect(((await chunked.body.json()) as ErrorBody).error.code).toBe(simulatorErrorCodes.videoTooLarge);
    expect(small.requests.map((r) => r.status)).toEqual([413, 404, 413]);
  });

  it('answers 404 with an error body for unknown tasks, results not ready and unknown routes', async () => {
    const sim = await start({taskLatencyMs: 5000});
    const unknown = await call(sim, 'GET', '/v1/tasks/task_does_not_exist');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({
      error: {
        code: simulatorErrorCodes.taskNotFound,
        message: 'No task with id task_does_not_exist.',
        details: {task_id: 'task_does_not_exist'},
      },
    });
    const id = await submit(sim);
    const early = await call(sim, 'GET', `/v1/results/${id}/0.wav`);
    expect(early.status).toBe(404);
    expect(early.json.error.code).toBe(simulatorErrorCodes.resultNotFound);
    const route = await call(sim, 'GET', '/v2/whatever');
    expect(route.status).toBe(404);
    expect(route.json.error.code).toBe('not_found');
    const method = await call(sim, 'PUT', '/v1/inference');
    expect(method.status).toBe(405);
    expect(method.headers.allow).toBe('POST');
    expect(sim.requests.map((r) => [r.kind, r.status])).toEqual([
      ['poll', 404],
      ['submit', 202],
      ['result', 404],
      ['other', 404],
      ['other', 405],
    ]);
  });

  it('validates its options with a UsageError naming the option', async () => {
    await expect(startSimulator({port: 70_000})).rejects.toThrow(UsageError);
    await expect(startSimulator({taskLatencyMs: -1})).rejects.toThrow(/taskLatencyMs/);
    await expect(startSimulator({limits: {requestsPerWindow: 0}})).rejects.toThrow(
      /limits.requestsPerWindow/,
    );
    await expect(startSimulator({result: {channels: 0}})).rejects.toThrow(/result.channels/);
    const sim = await start();
    await expect(startSimulator({port: sim.port})).rejects.toThrow(/already in use/);
    expect(() => sim.faults.failNext(1, 200)).toThrow(UsageError);
    expect(() => sim.faults.dropNext(-1)).toThrow(UsageError);
  });

  it('logs request lines at verbose level without the key or the webhook secret', async () => {
    const lines: string[] = [];
    const sink = {write: (chunk: string) => lines.push(chunk)};
    const sim = await start({logger: createLogger({level: 'trace', stdout: sink, stderr: sink})});
    const id = await submit(sim, {}, KEY);
    await call(sim, 'POST', '/v1/inference', {
      body: {
        ...submitBody(),
        config: {webhook_config: {endpoint: 'http://127.0.0.1:9/hook', secret: 'hook-secret-value'}},
      },
    });
    await call(sim, 'GET', `/v1/tasks/${id}`, {key: 'wrong-key-value'});
    const text = lines.join('');
    expect(text).toContain(`POST /v1/inference → 202 ${id}`);
    expect(text).toContain('→ 401');
    for (const secret of [KEY, 'hook-secret-value', 'wrong-key-value']) expect(text).not.toContain(secret);
  });
});

describe('simulator: limits', () => {
  it('answers 429 rate_limit_exceeded with Retry-After once the window is full, counting every request', async () => {
    const sim = await start({limits: {requestsPerWindow: 3, windowMs: 1000}});
    expect((await call(sim, 'GET', '/v1/tasks/a', {key: null})).status).toBe(401);
    expect((await call(sim, 'GET', '/v1/tasks/b')).status).toBe(404);
    const id = await submit(sim);
    const limited = await call(sim, 'GET', `/v1/tasks/${id}`);
    expect(limited.status).toBe(429);
    expect(limited.json.error).toMatchObject({
      code: simulatorErrorCodes.rateLimit,
      details: {limit: 3, window_ms: 1000},
    });
    const waitMs = limited.json.error.details.retry_after_ms as number;
    expect(waitMs).toBeGreaterThan(0);
    expect(waitMs).toBeLessThanOrEqual(1000);
    expect(limited.headers['retry-after']).toBe(String(Math.ceil(waitMs / 1000)));
    // The refused request counted too: still refused right away.
    expect((await call(sim, 'GET', `/v1/tasks/${id}`)).status).toBe(429);
    expect(sim.requests.map((r) => r.limit ?? null)).toEqual([null, null, null, 'window', 'window']);
    // After Retry-After, a request is accepted again.
    await sleep(Number(limited.headers['retry-after']) * 1000 + 20);
    expect((await call(sim, 'GET', `/v1/tasks/${id}`)).status).toBe(200);
    expect(sim.maxRequestsInWindow(1000)).toBe(5);
  });

  it('answers 429 to a submit over the concurrent task limit, per key, and tracks the most tasks at once', async () => {
    const sim = await start({apiKey: null, taskLatencyMs: 1500, limits: {concurrentTasks: 2}});
    await submit(sim, {}, 'key-one');
    await submit(sim, {seeds: 8}, 'key-one');
    const over = await call(sim, 'POST', '/v1/inference', {key: 'key-one', body: submitBody()});
    expect(over.status).toBe(429);
    expect(over.json.error).toMatchObject({
      code: simulatorErrorCodes.concurrencyLimit,
      details: {limit: 2, active: 2},
    });
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(2);
    expect(sim.requests[2].limit).toBe('concurrency');
    // Another key has its own allowance.
    await submit(sim, {}, 'key-two');
    expect(sim.maxConcurrentTasksSeen).toBe(3);
    expect(sim.tasks.size).toBe(3);
  });

  it('answers 429 daily_request_limit_exceeded past the requests per day of a key', async () => {
    const sim = await start({limits: {requestsPerDay: 3}});
    for (let i = 0; i < 3; i++) expect((await call(sim, 'GET', `/v1/tasks/t${i}`)).status).toBe(404);
    const over = await call(sim, 'GET', '/v1/tasks/t3');
    expect(over.status).toBe(429);
    expect(over.json.error).toMatchObject({code: simulatorErrorCodes.dailyLimit, details: {limit: 3}});
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(86_000);
    expect(sim.requests[3].limit).toBe('day');
    // Requests without a valid key do not use the key's quota (and get 401).
    expect((await call(sim, 'GET', '/v1/tasks/t4', {key: 'nope-nope'})).status).toBe(401);
  });
});

describe('simulator: faults', () => {
  it('failNext answers the given status to the next requests of a kind, with Retry-After when asked', async () => {
    const sim = await start();
    sim.faults.failNext(2, 503, {kind: 'poll'});
    sim.faults.failNext(1, 429, {retryAfter: '7'});
    // The 429 fault is for any kind, queued after the poll one: the submit takes it.
    const refused = await call(sim, 'POST', '/v1/inference', {body: submitBody()});
    expect([refused.status, refused.headers['retry-after'], refused.json.error.code]).toEqual([
      429,
      '7',
      simulatorErrorCodes.injectedFault,
    ]);
    expect(sim.requests[0]).toMatchObject({kind: 'submit', status: 429, fault: 'fail'});
    // An injected 429 is not a limit.
    expect(sim.requests[0].limit).toBeUndefined();
    expect(sim.tasks.size).toBe(0);
    const taskId = await submit(sim);
    const first = await call(sim, 'GET', `/v1/tasks/${taskId}`);
    expect(first.status).toBe(503);
    expect(first.json.error).toMatchObject({
      code: simulatorErrorCodes.injectedFault,
      details: {injected: true},
    });
    expect((await call(sim, 'GET', `/v1/tasks/${taskId}`)).status).toBe(503);
    expect((await call(sim, 'GET', `/v1/tasks/${taskId}`)).status).toBe(200);
    expect(sim.requests.map((r) => [r.kind, r.status, r.fault ?? null])).toEqual([
      ['submit', 429, 'fail'],
      ['submit', 202, null],
      ['poll', 503, 'fail'],
      ['poll', 503, 'fail'],
      ['poll', 200, null],
    ]);
  });

  it('dropNext reads the request and closes the connection without an answer', async () => {
    const sim = await start();
    sim.faults.dropNext(1, {kind: 'submit'});
    await expect(call(sim, 'POST', '/v1/inference', {body: submitBody()})).rejects.toThrow();
    expect(sim.tasks.size).toBe(0);
    await submit(sim);
    expect(sim.requests.map((r) => [r.kind, r.status, r.fault ?? null])).toEqual([
      ['submit', 0, 'drop'],
      ['submit', 202, null],
    ]);
  });

  it('delayNext holds the answer, then handles the request normally', async () => {
    const sim = await start();
    sim.faults.delayNext(1, 300, {kind: 'poll'});
    const id = await submit(sim);
    const before = Date.now();
    const answer = await call<TaskBody>(sim, 'GET', `/v1/tasks/${id}`);
    expect(Date.now() - before).toBeGreaterThanOrEqual(290);
    expect(answer.status).toBe(200);
    expect(sim.requests[1]).toMatchObject({kind: 'poll', status: 200, fault: 'delay'});
  });

  it('failTasks and failTasksWhere end tasks failed with an error message', async () => {
    const sim = await start({limits: {requestsPerWindow: 1000}});
    sim.faults.failTasks(1);
    sim.faults.failTasksWhere((task) => task.prompt === 'always fails');
    const a = await submit(sim);
    const b = await submit(sim);
    const c = await submit(sim, {prompt: 'always fails'});
    const failedA = await waitForStatus(sim, a, ['completed', 'failed']);
    expect(failedA.status).toBe('failed');
    expect(failedA.error).toEqual({code: 'generation_failed', message: expect.stringContaining('failed')});
    expect(failedA.results).toBeUndefined();
    expect((await waitForStatus(sim, b, ['completed', 'failed'])).status).toBe('completed');
    expect((await waitForStatus(sim, c, ['completed', 'failed'])).status).toBe('failed');
    expect(sim.tasks.get(c)?.failed).toBe(true);
    expect((await call(sim, 'GET', `/v1/results/${a}/0.wav`)).status).toBe(404);
  });

  it('setTaskLatency changes the latency of later tasks and the estimated time', async () => {
    const sim = await start({taskLatencyMs: 200});
    sim.faults.setTaskLatency(3000);
    const submitted = await call<TaskBody>(sim, 'POST', '/v1/inference', {body: submitBody()});
    expect(submitted.json.estimated_time).toBe(3);
    const task = sim.tasks.get(submitted.json.task_id)!;
    expect(task.finishesAt - task.createdAt).toBe(3000);
    expect(task.status).toBe('pending');
  });

  it('resultDuration, resultFormat and resultCount shape the results; the chirp is the same, cut or continued', async () => {
    const sim = await start({limits: {requestsPerWindow: 1000}});
    const expectedFor = (durationInSeconds: number, sampleRate: number, channels: number, variant = 0) =>
      simulatedSignal({
        videoSha256: sha256(mp4),
        prompt: 'footsteps on gravel',
        seed: 7,
        durationInSeconds,
        sweepSeconds: mp4Seconds,
        sampleRate,
        channels,
        variant,
      });
    const fetchResults = async (id: string) => {
      const done = await waitForStatus(sim, id, ['completed']);
      return Promise.all(
        done.results!.map(async (r) => ({
          meta: r,
          audio: decodeWav((await call(sim, 'GET', new URL(r.url).pathname)).bytes),
        })),
      );
    };

    sim.faults.resultDuration = {scale: 0.5};
    const [short] = await fetchResults(await submit(sim));
    expect(short.audio.channels[0].length).toBe(Math.round(mp4Seconds * 0.5 * 44_100));
    expect(short.meta.duration).toBe(short.audio.channels[0].length / 44_100);
    expect(
      firstQuantisedDifference(short.audio.channels[0], expectedFor(mp4Seconds * 0.5, 44_100, 1).channels[0]),
    ).toBe(-1);

    sim.faults.resultDuration = {offsetSeconds: 0.5};
    const [long] = await fetchResults(await submit(sim));
    expect(long.audio.channels[0].length).toBe(Math.round((mp4Seconds + 0.5) * 44_100));
    const normal = expectedFor(mp4Seconds, 44_100, 1).channels[0];
    expect(firstQuantisedDifference(long.audio.channels[0].subarray(0, normal.length), normal)).toBe(-1);

    sim.faults.resultDuration = {};
    sim.faults.resultFormat = {sampleRate: 16_000, channels: 2};
    sim.faults.resultCount = 2;
    const pair = await fetchResults(await submit(sim));
    expect(
      pair.map((p) => [p.meta.sample_rate, p.meta.channels, p.audio.sampleRate, p.audio.channels.length]),
    ).toEqual([
      [16_000, 2, 16_000, 2],
      [16_000, 2, 16_000, 2],
    ]);
    for (const [n, p] of pair.entries()) {
      const expected = expectedFor(mp4Seconds, 16_000, 2, n);
      expect(firstQuantisedDifference(p.audio.channels[0], expected.channels[0])).toBe(-1);
      expect(firstQuantisedDifference(p.audio.channels[1], expected.channels[1])).toBe(-1);
    }
    expect(firstQuantisedDifference(pair[0].audio.channels[0], pair[1].audio.channels[0])).not.toBe(-1);
  });

  it('result404Next and truncateResultNext break the next downloads, then downloads work again', async () => {
    const sim = await start();
    const id = await submit(sim);
    const done = await waitForStatus(sim, id, ['completed']);
    const path = new URL(done.results![0].url).pathname;
    sim.faults.result404Next(1);
    sim.faults.truncateResultNext(1);
    const gone = await call(sim, 'GET', path);
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe(simulatorErrorCodes.resultNotFound);
    const cut = await call(sim, 'GET', path);
    expect(cut.status).toBe(200);
    expect(Number(cut.headers['content-length'])).toBe(cut.bytes.length);
    expect(() => parseWavHeader(cut.bytes)).toThrow(WavError);
    expect(() => parseWavHeader(cut.bytes)).toThrow(/Truncated wav/);
    const whole = await call(sim, 'GET', path);
    expect(decodeWav(whole.bytes).channels[0].length).toBe(Math.round(mp4Seconds * 44_100));
    expect(cut.bytes.length).toBeLessThan(whole.bytes.length * 0.6);
    expect(sim.requests.slice(-3).map((r) => [r.status, r.fault ?? null])).toEqual([
      [404, 'result404'],
      [200, 'truncate'],
      [200, null],
    ]);
  });

  it('delivers the webhook with the secret when a task ends; duplicate, wrongSecret and drop do what they say', async () => {
    const received: {secret: string | undefined; body: TaskBody}[] = [];
    const hook = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          secret: req.headers['x-webhook-secret'] as string | undefined,
          body: JSON.parse(Buffer.concat(chunks).toString()) as TaskBody,
        });
        res.writeHead(204);
        res.end();
      });
    });
    const sim = await start({limits: {requestsPerWindow: 1000}});
    const withHook = (secret: string) => ({
      ...submitBody(),
      config: {webhook_config: {endpoint: `${hook}/hook`, secret}},
    });
    const post = async (secret: string) =>
      (await call<TaskBody>(sim, 'POST', '/v1/inference', {body: withHook(secret)})).json.task_id;

    const plain = await post('secret-one');
    await until(async () => sim.webhookDeliveries.length === 1);
    expect(received).toHaveLength(1);
    expect(received[0].secret).toBe('secret-one');
    expect(received[0].body).toMatchObject({task_id: plain, status: 'completed'});
    expect(received[0].body.results?.[0].url).toBe(`${sim.url}/v1/results/${plain}/0.wav`);
    expect(sim.webhookDeliveries[0]).toMatchObject({
      taskId: plain,
      endpoint: `${hook}/hook`,
      status: 204,
      wrongSecret: false,
      dropped: false,
      taskStatus: 'completed',
    });
    expect(JSON.stringify(sim.tasks.get(plain))).not.toContain('secret-one');

    sim.faults.webhook = {duplicate: true};
    sim.faults.failTasks(1);
    const twice = await post('secret-two');
    await until(async () => sim.webhookDeliveries.length === 3);
    expect(received.slice(1).map((r) => [r.secret, r.body.task_id, r.body.status])).toEqual([
      ['secret-two', twice, 'failed'],
      ['secret-two', twice, 'failed'],
    ]);

    sim.faults.webhook = {wrongSecret: true};
    const forged = await post('secret-three');
    await until(async () => sim.webhookDeliveries.length === 4);
    expect(received[3].body.task_id).toBe(forged);
    expect(received[3].secret).toBeTruthy();
    expect(received[3].secret).not.toBe('secret-three');
    expect(sim.webhookDeliveries[3].wrongSecret).toBe(true);

    sim.faults.webhook = {drop: true};
    const dropped = await post('secret-four');
    await until(async () => sim.webhookDeliveries.length === 5);
    expect(sim.webhookDeliveries[4]).toMatchObject({taskId: dropped, status: null, dropped: true});
    await sleep(100);
    expect(received).toHaveLength(4);
  });

  it('reset clears records, tasks, counters and faults', async () => {
    const sim = await start({limits: {requestsPerWindow: 2, windowMs: 60_000}});
    const requests = sim.requests;
    await submit(sim);
    sim.faults.failNext(5, 500);
    sim.faults.resultCount = 2;
    sim.faults.setTaskLatency(9000);
    expect((await call(sim, 'GET', '/v1/tasks/x')).status).toBe(500);
    sim.reset();
    expect(sim.requests).toBe(requests);
    expect(sim.requests).toHaveLength(0);
    expect(sim.tasks.size).toBe(0);
    expect(sim.maxConcurrentTasksSeen).toBe(0);
    expect(sim.faults.resultCount).toBe(1);
    const id = await submit(sim);
    expect(sim.requests[0].seq).toBe(1);
    const task = sim.tasks.get(id)!;
    expect(task.finishesAt - task.createdAt).toBe(100);
    expect((await call(sim, 'GET', `/v1/tasks/${id}`)).status).toBe(200);
  });
});

describe('simulator: records', () => {
  it('records every request in order of arrival, rejected and faulted ones included', async () => {
    const sim = await start({limits: {requestsPerWindow: 6, windowMs: 60_000}});
    sim.faults.failNext(1, 500, {kind: 'poll'});
    const answers: number[] = [];
    const id = await submit(sim);
    answers.push(202);
    for (const [method, path, key] of [
      ['GET', `/v1/tasks/${id}`, KEY],
      ['GET', `/v1/tasks/${id}`, null],
      ['POST', '/v1/inference', KEY],
      ['GET', '/favicon.ico', KEY],
      ['GET', `/v1/tasks/${id}`, KEY],
      ['GET', `/v1/tasks/${id}`, KEY],
    ] as const) {
      answers.push(
        (await call(sim, method, path, {key, body: method === 'POST' ? {model: MODEL} : undefined})).status,
      );
    }
    expect(answers).toEqual([202, 500, 401, 400, 404, 200, 429]);
    expect(sim.requests.map((r) => r.status)).toEqual(answers);
    expect(sim.requests.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(sim.requests.map((r) => r.kind)).toEqual([
      'submit',
      'poll',
      'poll',
      'submit',
      'other',
      'poll',
      'poll',
    ]);
    expect(sim.requests.map((r) => r.hadValidKey)).toEqual([true, true, false, true, true, true, true]);
    expect(sim.requests.map((r) => r.taskId ?? null)).toEqual([id, id, id, null, null, id, id]);
    expect(sim.requests.map((r) => r.path)).toEqual([
      '/v1/inference',
      `/v1/tasks/${id}`,
      `/v1/tasks/${id}`,
      '/v1/inference',
      '/favicon.ico',
      `/v1/tasks/${id}`,
      `/v1/tasks/${id}`,
    ]);
    expect(sim.maxRequestsInWindow(60_000)).toBe(7);
    expect(sim.maxRequestsInWindow(1)).toBeLessThanOrEqual(7);
  });
});
