import {existsSync, readdirSync, statSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {createQubicoClient, type QubicoClientOptions} from '../../src/api/client.ts';
import {
  InvalidResponseError,
  ResultRejectedError,
  SubmitOutcomeUnknownError,
  TaskTimeoutError,
} from '../../src/api/errors.ts';
import {resultLimitsFor} from '../../src/api/result-limits.ts';
import {createQubicoBackend} from '../../src/backends/qubico.ts';
import {UnknownSubmitError} from '../../src/backends/unknown-submit-error.ts';
import {UsageError} from '../../src/errors.ts';
import {createLogger, silentLogger} from '../../src/log.ts';
import {runFf} from '../../src/media/ffmpeg.ts';
import {normalizeSegmentAudio} from '../../src/pipeline/normalize-audio.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {createSubmitJournal} from '../../src/state/journal.ts';
import {decodeWav, encodeWav} from '../../src/wav/wav.ts';
import {makeTestMp4} from './helpers/make-mp4.ts';

/**
 * The client and the Qubico backend where money or disk is at stake, over real HTTP against the
 * simulator (and small hand-written servers where the simulator cannot misbehave that way): a submit
 * whose answer is lost, a cancel while the task id is read, results no segment can have, oversize task
 * JSON, Retry-After 0, an estimate of a day, redirects, wake-up storms, a base URL with a password.
 */

const KEY = 'test-key-money-0011';
const WINDOW = {requests: 50, intervalMs: 1000};
let sim: Simulator;
let video: string;
let proxyPath: string;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({
    apiKey: KEY,
    taskLatencyMs: 300,
    limits: {requestsPerWindow: WINDOW.requests, windowMs: WINDOW.intervalMs, concurrentTasks: 5},
  });
  proxyPath = await makeTestMp4({seconds: 2, width: 32, height: 18});
  video = (await readFile(proxyPath)).toString('base64');
  dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-money-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, {recursive: true, force: true});
});
beforeEach(() => {
  sim.reset();
});

const clientFor = (options: QubicoClientOptions = {}) =>
  createQubicoClient({
    apiKey: KEY,
    baseUrl: sim.url,
    dailyQuota: false,
    rateLimit: WINDOW,
    retryBaseDelayMs: 10,
    retryMaxDelayMs: 50,
    pollIntervalMs: {min: 50, max: 400},
    ...options,
  });

const ofKind = (kind: string) => sim.requests.filter((r) => r.kind === kind);

/** Every file under `root`, with its size. */
const filesUnder = (root: string): {file: string; bytes: number}[] => {
  if (!existsSync(root)) return [];
  const out: {file: string; bytes: number}[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push({file: path.relative(root, p), bytes: st.size});
    }
  };
  walk(root);
  return out;
};

const startServer = async (
  handler: http.RequestListener,
): Promise<{url: string; close: () => Promise<void>}> => {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};

describe('a submit whose answer is lost', () => {
  it('a 504 after the task was created: SubmitOutcomeUnknownError, one POST, the task exists', async () => {
    const client = clientFor();
    try {
      sim.faults.failAfterCreateNext(1, 504);
      const err = await client.submit({video, prompt: 'rain'}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SubmitOutcomeUnknownError);
      expect(ofKind('submit')).toHaveLength(1);
      expect(ofKind('submit')[0]).toMatchObject({status: 504, fault: 'failAfterCreate'});
      expect(sim.tasks.size).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('cancelled while the POST is on the wire: SubmitOutcomeUnknownError, not a plain abort', async () => {
    const client = clientFor();
    try {
      sim.faults.delayNext(1, 800, {kind: 'submit'});
      const controller = new AbortController();
      const pending = client.submit({video, prompt: 'rain'}, {signal: controller.signal});
      setTimeout(() => controller.abort(new Error('Ctrl-C')), 200);
      const err = await pending.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SubmitOutcomeUnknownError);
      expect((err as Error).message).toMatch(/was aborted/);
    } finally {
      await client.close();
    }
  });

  it('cancelled after the 2xx headers: the task id is read to the end and returned', async () => {
    const client = clientFor();
    try {
      sim.faults.stallSubmitAnswerNext(1, 600);
      const controller = new AbortController();
      const t0 = Date.now();
      const pending = client.submit({video, prompt: 'rain'}, {signal: controller.signal});
      // Cancel once the headers are out and the body is held.
      while (!ofKind('submit').some((r) => r.fault === 'stallAnswer')) {
        await new Promise((r) => setTimeout(r, 5));
      }
      // The headers left the simulator; give them a moment to be parsed on this side.
      await new Promise((r) => setTimeout(r, 150));
      controller.abort(new Error('Ctrl-C'));
      const task = await pending;
      console.log(`task id read ${Date.now() - t0} ms after the submit, despite the cancel: ${task.task_id}`);
      expect(sim.tasks.has(task.task_id)).toBe(true);
      expect(controller.signal.aborted).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('a certain refusal (400) is not an unknown outcome', async () => {
    const client = clientFor();
    try {
      sim.faults.failNext(1, 400, {kind: 'submit'});
      const err = await client.submit({video, prompt: 'rain'}).catch((e: unknown) => e);
      expect(err).not.toBeInstanceOf(SubmitOutcomeUnknownError);
      expect((err as {status?: number}).status).toBe(400);
    } finally {
      await client.close();
    }
  });
});

describe('the backend and the journal', () => {
  const setUp = async (options: {resubmitUnknown?: boolean} = {}) => {
    const cacheDir = await mkdtemp(path.join(dir, 'cache-'));
    const journal = createSubmitJournal(path.join(cacheDir, 'journal'));
    const client = clientFor();
    const backend = createQubicoBackend({client, journal, ...options});
    return {journal, client, backend, cacheDir};
  };
  const request = (cacheKey: string, outputPath: string) => ({
    segmentIndex: 1,
    proxyPath,
    durationInSeconds: 2,
    prompt: 'rain on a tin roof',
    negativePrompt: null,
    steps: 25,
    seed: 7,
    outputPath,
    cacheKey,
    compositionId: 'c',
    startFrame: 10,
    endFrame: 20,
  });

  it('504 after create → unknown (with when); again → 0 submits; with resubmitUnknown → exactly 1', async () => {
    const a = await setUp();
    const out = path.join(a.cacheDir, 'out.wav');
    const rows: {run: string; submits: number; outcome: string; journal: string}[] = [];
    const run = async (label: string, backend = a.backend) => {
      const before = ofKind('submit').length;
      let outcome = 'ok';
      try {
        await backend.generate(request('key-504', out), {logger: silentLogger()});
      } catch (err) {
        outcome = err instanceof UnknownSubmitError ? 'UnknownSubmitError' : String(err);
        if (err instanceof UnknownSubmitError) {
          expect(err.segments).toHaveLength(1);
          expect(err.segments[0].segmentIndex).toBe(1);
          expect(err.message).toMatch(/segment 2 \(submitted \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)/);
        }
      }
      const entry = await a.journal.get('key-504');
      rows.push({
        run: label,
        submits: ofKind('submit').length - before,
        outcome,
        journal: entry ? `${entry.state} @ ${entry.submittedAt}` : '—',
      });
    };
    try {
      sim.faults.failAfterCreateNext(1, 504);
      await run('1: 504 after create');
      const entry = await a.journal.get('key-504');
      expect(entry?.state).toBe('unknown');
      expect(entry?.compositionId).toBe('c');
      expect(entry?.startFrame).toBe(10);
      expect(Date.parse(entry?.submittedAt ?? '')).toBeLessThanOrEqual(Date.now());
      await run('2: same again');
      const b = createQubicoBackend({client: a.client, journal: a.journal, resubmitUnknown: true});
      await run('3: resubmitUnknown', b);
      console.table(rows);
      expect(rows.map((r) => [r.submits, r.outcome])).toEqual([
        [1, 'UnknownSubmitError'],
        [0, 'UnknownSubmitError'],
        [1, 'ok'],
      ]);
      expect(sim.tasks.size).toBe(2);
    } finally {
      await a.client.close();
    }
  });

  it('a certain refusal (400) drops the intent: the journal is empty, the next run may submit', async () => {
    const a = await setUp();
    try {
      sim.faults.failNext(1, 400, {kind: 'submit'});
      await expect(
        a.backend.generate(request('key-400', path.join(a.cacheDir, 'o.wav')), {logger: silentLogger()}),
      ).rejects.toThrow(/400/);
      expect(await a.journal.get('key-400')).toBeNull();
    } finally {
      await a.client.close();
    }
  });

  it('a resumed task the service answers 404 becomes unknown, with the same message', async () => {
    const a = await setUp();
    try {
      const task = await a.client.submit({video, prompt: 'rain'});
      await a.journal.recordSubmitted({
        cacheKey: 'key-404',
        baseUrl: a.client.baseUrl,
        segmentIndex: 1,
        seed: 7,
        taskId: task.task_id,
        estimatedTimeSeconds: 0,
        submittedAt: '2026-12-01T08:00:00.000Z',
      });
      sim.faults.forgetTasks([task.task_id]);
      const before = ofKind('submit').length;
      const err = await a.backend
        .generate(request('key-404', path.join(a.cacheDir, 'o.wav')), {logger: silentLogger()})
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnknownSubmitError);
      expect((err as Error).message).toContain('segment 2 (submitted 2026-12-01 08:00:00 UTC)');
      expect(ofKind('submit').length - before).toBe(0);
      expect(ofKind('poll').filter((r) => r.fault === 'forgotten')).toHaveLength(1);
      expect((await a.journal.get('key-404'))?.state).toBe('unknown');
    } finally {
      await a.client.close();
    }
  });
});

describe('caps on what comes back', () => {
  const rejects = async (setUp: () => void, segmentSeconds = 2) => {
    const client = clientFor();
    const target = path.join(dir, `capped-${Math.random().toString(36).slice(2)}`, 'r.wav');
    try {
      const task = await client.submit({video, prompt: 'rain'});
      const done = await client.waitForTask(task.task_id, {estimatedTimeSeconds: 0.3});
      setUp();
      const err = await client
        .downloadResult(done.results![0].url, target, {segmentSeconds})
        .catch((e: unknown) => e);
      return {err, files: filesUnder(path.dirname(target))};
    } finally {
      await client.close();
    }
  };

  it('a 200 MB result, streamed without content-length: refused at the cap, nothing kept', async () => {
    const {err, files} = await rejects(() => sim.faults.oversizeResultNext(1, {bytes: 200 * 1024 * 1024}));
    const sent = ofKind('result').find((r) => r.fault === 'oversize')?.bytesSent ?? 0;
    console.log(
      `oversize result (counted): cap ${resultLimitsFor(2).maxBytes} bytes; the simulator got to write ${sent} of ${200 * 1024 * 1024}`,
    );
    expect(err).toBeInstanceOf(ResultRejectedError);
    expect((err as Error).message).toMatch(/more than the 2584576 bytes/);
    expect(sent).toBeLessThan(20 * 1024 * 1024);
    expect(files).toEqual([]);
  });

  it('a 200 MB result announced by content-length: refused before its body is read', async () => {
    const {err, files} = await rejects(() =>
      sim.faults.oversizeResultNext(1, {bytes: 200 * 1024 * 1024, declareLength: true}),
    );
    expect(err).toBeInstanceOf(ResultRejectedError);
    expect((err as Error).message).toMatch(/announces 209715200 bytes/);
    expect(files).toEqual([]);
  });

  it('a wav whose header claims 1 Hz: refused before anything reads it as audio', async () => {
    const client = clientFor();
    try {
      sim.faults.resultFormat = {sampleRate: 1};
      const task = await client.submit({video, prompt: 'rain'});
      const done = await client.waitForTask(task.task_id, {estimatedTimeSeconds: 0.3});
      const target = path.join(dir, 'one-hz', 'r.wav');
      const err = await client
        .downloadResult(done.results![0].url, target, {segmentSeconds: 2})
        .catch((x: unknown) => x);
      expect(err).toBeInstanceOf(ResultRejectedError);
      expect((err as Error).message).toMatch(/claims 1 Hz, outside 8000–192000 Hz/);
      expect(filesUnder(path.dirname(target))).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('normalizeSegmentAudio refuses a 94-byte wav claiming 1 Hz before resampling', async () => {
    const input = path.join(dir, 'one-hz-94.wav');
    const wav = encodeWav({sampleRate: 1, channels: [new Float32Array(25).fill(0.5)]});
    await writeFile(input, wav);
    const output = path.join(dir, 'one-hz-out', 'n.wav');
    const err = await normalizeSegmentAudio({input, output, durationInSeconds: 2}).catch((e: unknown) => e);
    console.log(`a ${wav.byteLength}-byte wav claiming 1 Hz: ${(err as Error).message}`);
    expect(wav.byteLength).toBe(94);
    expect(err).toBeInstanceOf(ResultRejectedError);
    expect(existsSync(output)).toBe(false);
  });

  it('normalizeSegmentAudio with -t: the same samples as resampling the whole result and trimming', async () => {
    const seconds = 3;
    const rate = 44_100;
    const left = new Float32Array(seconds * rate).map(
      (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / rate),
    );
    const right = new Float32Array(seconds * rate).map(
      (_, i) => 0.3 * Math.sin((2 * Math.PI * 660 * i) / rate),
    );
    const input = path.join(dir, 'long-44k.wav');
    await writeFile(input, encodeWav({sampleRate: rate, channels: [left, right]}));
    const output = path.join(dir, 'norm', 'long-44k.wav');
    await mkdir(path.dirname(output), {recursive: true});
    const result = await normalizeSegmentAudio({input, output, durationInSeconds: 2});
    const full = path.join(dir, 'norm', 'full-48k.wav');
    await runFf('ffmpeg', [
      '-y',
      '-i',
      input,
      '-af',
      'aresample=48000',
      '-ac',
      '2',
      '-c:a',
      'pcm_s16le',
      '-f',
      'wav',
      full,
    ]);
    const ours = decodeWav(new Uint8Array(await readFile(output)));
    const reference = decodeWav(new Uint8Array(await readFile(full)));
    let maxDiff = 0;
    for (let c = 0; c < 2; c++) {
      for (let i = 0; i < 96_000; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(ours.channels[c][i] - reference.channels[c][i]));
      }
    }
    console.log(
      `-t ${2 + 0.1} s vs the whole result resampled: ${ours.channels[0].length} frames, max sample difference ${maxDiff}`,
    );
    expect(result.frames).toBe(96_000);
    expect(ours.channels[0]).toHaveLength(96_000);
    expect(maxDiff).toBe(0);
  });

  it('a task JSON over 1 MiB is refused (a GET: InvalidResponseError, nothing parsed)', async () => {
    const big = await startServer((req, res) => {
      req.resume();
      res.writeHead(200, {'content-type': 'application/json'});
      // No content-length: counted.
      res.write('{"task_id":"t","status":"pending","model":"Qubico/mmaudio","created_at":"x","pad":"');
      const chunk = 'x'.repeat(64 * 1024);
      let sent = 0;
      const more = () => {
        while (sent < 3 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', more);
            return;
          }
        }
        res.end('"}');
      };
      more();
    });
    const client = createQubicoClient({apiKey: KEY, baseUrl: big.url, dailyQuota: false, maxRetries: 0});
    try {
      const err = await client.getTask('t').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidResponseError);
      expect((err as Error).message).toMatch(/more than the 1048576 a task can take/);
    } finally {
      await client.close();
      await big.close();
    }
  });
});

describe('waits', () => {
  it('Retry-After: 0 on a 429 waits the 1 s floor, not a hot loop', async () => {
    const client = clientFor();
    try {
      sim.faults.failNext(1, 429, {kind: 'submit', retryAfter: '0'});
      await client.submit({video, prompt: 'rain'});
      const [first, second] = ofKind('submit');
      console.log(`Retry-After: 0 → retried after ${second.at - first.at} ms`);
      expect(second.at - first.at).toBeGreaterThanOrEqual(990);
    } finally {
      await client.close();
    }
  });

  it('an estimated_time of a day does not put the first poll past the task timeout', async () => {
    const client = clientFor();
    try {
      const task = await client.submit({video, prompt: 'rain'});
      const t0 = Date.now();
      const done = await client.waitForTask(task.task_id, {estimatedTimeSeconds: 86_400, timeoutMs: 2000});
      const firstPoll = ofKind('poll')[0].at - t0;
      console.log(`estimated_time 86400 s, timeout 2000 ms → first poll after ${firstPoll} ms`);
      expect(done.status).toBe('completed');
      expect(firstPoll).toBeLessThan(1900);
    } finally {
      await client.close();
    }
  });

  it('still times out when the task really is slower than the timeout', async () => {
    const client = clientFor();
    try {
      sim.faults.setTaskLatency(5000);
      const task = await client.submit({video, prompt: 'rain'});
      await expect(
        client.waitForTask(task.task_id, {estimatedTimeSeconds: 86_400, timeoutMs: 600}),
      ).rejects.toBeInstanceOf(TaskTimeoutError);
    } finally {
      await client.close();
    }
  });

  it('a storm of webhook wake-ups is coalesced per task: polls stay few', async () => {
    const client = clientFor({
      webhook: {url: 'http://127.0.0.1:9/hook', secret: 'a-webhook-secret-for-tests'},
      pollIntervalMs: {min: 200, max: 5000},
    });
    try {
      sim.faults.setTaskLatency(1500);
      const task = await client.submit({video, prompt: 'rain'});
      const storm = setInterval(() => {
        for (let i = 0; i < 10; i++) client.notifyTaskUpdate(task.task_id);
      }, 10);
      const t0 = Date.now();
      try {
        await client.waitForTask(task.task_id, {estimatedTimeSeconds: 0});
      } finally {
        clearInterval(storm);
      }
      const waited = Date.now() - t0;
      const polls = ofKind('poll').length;
      const gaps = ofKind('poll')
        .slice(1)
        .map((r, i) => r.at - ofKind('poll')[i].at);
      console.log(
        `~${Math.round(waited / 10) * 10} wake-ups in ${waited} ms → ${polls} polls ` +
          `(smallest gap seen at the server ${Math.min(...gaps)} ms; the client waits ≥ 200 ms)`,
      );
      // Coalesced: at most one poll per 200 ms of waiting, against a hundred wake-ups per 10 ms. (Gaps as the
      // server sees them are not asserted: on a loaded machine one request can sit in the kernel while the
      // next is sent on time, and arrival times bunch up.)
      expect(polls).toBeLessThanOrEqual(Math.ceil(waited / 200) + 1);
    } finally {
      await client.close();
    }
  });
});

describe('URLs', () => {
  it('user:password in the base URL is refused (exit 2) without repeating it', () => {
    let error: unknown = null;
    try {
      createQubicoClient({
        apiKey: KEY,
        baseUrl: 'https://bob:hunter2-secret@api.qubico.ai',
        dailyQuota: false,
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('warns about a plain-http webhook URL off this machine, not about a loopback one', async () => {
    let log = '';
    const logger = createLogger({
      level: 'warn',
      stdout: {write: (s) => (log += s)},
      stderr: {write: (s) => (log += s)},
    });
    const secret = 'a-webhook-secret-for-tests';
    const a = clientFor({logger, webhook: {url: 'http://hooks.example.com/mmaudio', secret}});
    await a.close();
    expect(log).toMatch(/plain http:\/\/ \(hooks\.example\.com\)/);
    expect(log).not.toContain(secret);
    log = '';
    const b = clientFor({logger, webhook: {url: 'http://127.0.0.1:8788/hook', secret}});
    await b.close();
    expect(log).toBe('');
  });

  it('redirects are followed by hand: same origin with the key, never to http elsewhere, never the key elsewhere', async () => {
    const wav = encodeWav({sampleRate: 48_000, channels: [new Float32Array(48_000)]});
    const seen: {server: string; path: string; key: boolean}[] = [];
    const cdn = await startServer((req, res) => {
      seen.push({server: 'cdn', path: req.url ?? '', key: req.headers['x-api-key'] !== undefined});
      req.resume();
      res.writeHead(200, {'content-type': 'audio/wav', 'content-length': wav.byteLength});
      res.end(wav);
    });
    const api = await startServer((req, res) => {
      seen.push({server: 'api', path: req.url ?? '', key: req.headers['x-api-key'] === KEY});
      req.resume();
      if (req.url === '/r/1') {
        res.writeHead(302, {location: '/r/2'});
        res.end();
      } else if (req.url === '/r/2') {
        res.writeHead(200, {'content-type': 'audio/wav', 'content-length': wav.byteLength});
        res.end(wav);
      } else if (req.url === '/r/to-cdn') {
        res.writeHead(307, {location: `${cdn.url}/a.wav`});
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    const client = createQubicoClient({apiKey: KEY, baseUrl: api.url, dailyQuota: false, maxRetries: 0});
    try {
      const ok = await client.downloadResult(`${api.url}/r/1`, path.join(dir, 'redir', 'a.wav'), {
        segmentSeconds: 1,
      });
      expect(ok.format.sampleRate).toBe(48_000);
      const refused = await client
        .downloadResult(`${api.url}/r/to-cdn`, path.join(dir, 'redir', 'b.wav'), {segmentSeconds: 1})
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(InvalidResponseError);
      expect((refused as Error).message).toMatch(/https only/);
      // A result URL on another origin (allowed over http only because this API is http): no key.
      await client.downloadResult(`${cdn.url}/direct.wav`, path.join(dir, 'redir', 'c.wav'), {
        segmentSeconds: 1,
      });
      console.table(seen);
      expect(seen).toEqual([
        {server: 'api', path: '/r/1', key: true},
        {server: 'api', path: '/r/2', key: true},
        {server: 'api', path: '/r/to-cdn', key: true},
        {server: 'cdn', path: '/direct.wav', key: false},
      ]);
    } finally {
      await client.close();
      await api.close();
      await cdn.close();
    }
  });
});
