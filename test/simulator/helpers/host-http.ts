import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {createServer, type IncomingHttpHeaders, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {runFf} from '../../../src/media/ffmpeg.ts';
import {type SimulatedTask, simulatedSignal} from '../../../src/simulator/index.ts';
import {decodeWav} from '../../../src/wav/wav.ts';
import {locate} from '../../integration/helpers/audio-analysis.ts';

/** A parsed JSON answer, read field by field in the tests (each host's shape differs). */
// biome-ignore lint/suspicious/noExplicitAny: the tests assert the shape of each host's answers themselves.
export type Json = any;

export type Answer = {status: number; headers: Headers; bytes: Buffer; text: string; json: Json};

/** One request with plain fetch; the body parsed when it is JSON. */
export const call = async (
  url: string,
  init: {method?: string; headers?: Record<string, string>; body?: unknown} = {},
): Promise<Answer> => {
  const body =
    init.body === undefined
      ? undefined
      : typeof init.body === 'string'
        ? init.body
        : JSON.stringify(init.body);
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {...(body === undefined ? {} : {'content-type': 'application/json'}), ...init.headers},
    body,
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  const isJson = (res.headers.get('content-type') ?? '').startsWith('application/json');
  return {status: res.status, headers: res.headers, bytes, text, json: isJson ? JSON.parse(text) : null};
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const until = async <T>(
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
};

export type ReceivedCall = {headers: IncomingHttpHeaders; rawBody: Buffer; flat: Record<string, string>};

/** Tiny local servers for a test: a video host and webhook receivers. `close()` ends them all. */
export const createTestServers = () => {
  const servers: Server[] = [];
  const listen = async (handler: Parameters<typeof createServer>[1]) => {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  return {
    /** Serves `video` at `/clip.mp4`. */
    videoHost: async (video: Buffer) =>
      `${await listen((req, res) => {
        res.writeHead(req.url === '/clip.mp4' ? 200 : 404, {'content-type': 'video/mp4'});
        res.end(req.url === '/clip.mp4' ? video : undefined);
      })}/clip.mp4`,
    /** Records every POST (raw body, headers) and answers 200. */
    webhookReceiver: async () => {
      const calls: ReceivedCall[] = [];
      const url = await listen((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const flat = Object.fromEntries(
            Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : (v ?? '')]),
          );
          calls.push({headers: req.headers, rawBody: Buffer.concat(chunks), flat});
          res.writeHead(200).end();
        });
      });
      return {url: `${url}/hook`, calls};
    },
    close: () =>
      Promise.all(
        servers.splice(0).map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      ),
  };
};

export type ProbedAudio = {
  codec: string;
  sampleRate: number;
  channels: number;
  /** Mono float samples at the file's rate, as ffmpeg decodes them. */
  samples: Float32Array;
  formatName: string;
  hasVideo: boolean;
};

/** What a result file is (ffprobe) and its audio decoded (ffmpeg), whatever its container. */
export const probeAudio = async (bytes: Uint8Array, extension: string): Promise<ProbedAudio> => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sim-probe-'));
  try {
    const file = path.join(dir, `result.${extension}`);
    await writeFile(file, bytes);
    const probe = JSON.parse(
      (
        await runFf('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file])
      ).stdout.toString(),
    ) as {
      streams: {codec_type: string; codec_name: string; sample_rate?: string; channels?: number}[];
      format: {format_name: string};
    };
    const audio = probe.streams.find((s) => s.codec_type === 'audio');
    if (!audio) throw new Error('no audio stream');
    const decodedPath = path.join(dir, 'decoded.wav');
    await runFf('ffmpeg', [
      '-v',
      'error',
      '-i',
      file,
      '-map',
      '0:a:0',
      '-ac',
      '1',
      '-c:a',
      'pcm_s16le',
      '-f',
      'wav',
      decodedPath,
    ]);
    const decoded = decodeWav(await readFile(decodedPath));
    return {
      codec: audio.codec_name,
      sampleRate: Number(audio.sample_rate),
      channels: audio.channels ?? 0,
      samples: decoded.channels[0],
      formatName: probe.format.format_name,
      hasVideo: probe.streams.some((s) => s.codec_type === 'video'),
    };
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
};

/** The chirp the simulator made for a task, mono. */
export const expectedChirp = (task: SimulatedTask, sampleRate = task.resultSpec.sampleRate): Float32Array =>
  simulatedSignal({
    videoSha256: task.videoSha256,
    prompt: task.prompt,
    seed: task.seed,
    durationInSeconds: task.resultSpec.durationInSeconds,
    sweepSeconds: task.durationInSeconds,
    sampleRate,
    channels: 1,
  }).channels[0];

/** Where the expected chirp sits in decoded audio (lossy codecs shift it by their delay) and how alike. */
export const matchChirp = (decoded: Float32Array, expected: Float32Array) => {
  const found = locate(decoded, expected, 0, 2048);
  return {offsetSamples: found.offset, correlation: found.correlation};
};
