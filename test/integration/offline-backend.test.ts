import {execFileSync} from 'node:child_process';
import {mkdtemp, open, readdir, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {BackendRequest} from '../../src/backends/backend.ts';
import {VideoAnalysisError} from '../../src/backends/offline/analyze-video.ts';
import {createOfflineBackend} from '../../src/backends/offline.ts';
import {createLogger, silentLogger} from '../../src/log.ts';
import {decodeWav, parseWavHeader} from '../../src/wav/wav.ts';
import {makeTestMp4FromFrames} from './helpers/make-mp4-from-frames.ts';

const W = 128;
const H = 72;
const fps = 25;
const seconds = 8;

/**
 * 8 s of picture: a box standing still (0–2 s), moving fast (2–4 s), still again (4–5 s), a hard cut to a
 * brighter shot at 5 s, still to the end.
 */
const fixtureFrames = (): Uint8Array[] =>
  Array.from({length: seconds * fps}, (_, f) => {
    const t = f / fps;
    const frame = new Uint8Array(W * H).fill(t < 5 ? 70 : 170);
    const x = t < 2 ? 10 : t < 4 ? 10 + (((f - 2 * fps) * 4) % 100) : t < 5 ? 40 : 80;
    for (let y = 28; y < 44; y++) frame.fill(t < 5 ? 230 : 20, y * W + x, y * W + x + 16);
    return frame;
  });

let dir: string;
let proxyPath: string;

const request = (overrides: Partial<BackendRequest> = {}): BackendRequest => ({
  segmentIndex: 0,
  proxyPath,
  durationInSeconds: seconds,
  prompt: 'footsteps on gravel',
  negativePrompt: null,
  steps: 25,
  seed: 42,
  outputPath: path.join(dir, 'out.wav'),
  cacheKey: 'test',
  ...overrides,
});

const filesIn = async (d: string) => (await readdir(d)).sort();

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-offline-'));
  proxyPath = await makeTestMp4FromFrames(fixtureFrames(), {
    width: W,
    height: H,
    fps,
    outputPath: path.join(dir, 'proxy.mp4'),
  });
});

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('offline backend', () => {
  it('writes a 16-bit wav of exactly the requested duration, and says it is offline', async () => {
    const out = path.join(dir, 'a', 'exact.wav');
    const lines: string[] = [];
    const logger = createLogger({level: 'verbose', stdout: {write: (s) => lines.push(s)}});
    const backend = createOfflineBackend();
    expect(backend.name).toBe('offline');
    const result = await backend.generate(request({outputPath: out}), {logger});
    expect(result.wavPath).toBe(out);
    expect(result.taskId).toMatch(/^offline-[0-9a-f]{16}$/);
    expect(result.billedSeconds).toBe(0);
    expect(result.submits).toBe(0);
    const bytes = new Uint8Array(await readFile(out));
    const header = parseWavHeader(bytes);
    expect(header).toMatchObject({audioFormat: 1, bitsPerSample: 16, sampleRate: 48000, channels: 2});
    expect(header.frames).toBe(384000);
    expect(await filesIn(path.dirname(out))).toEqual(['exact.wav']);
    expect(lines.join('')).toMatch(/prompts are not used/);
    expect(lines.join('')).toMatch(/200 frames, 1 cut → 384000 samples/);

    // A segment a little shorter than its proxy, at another rate, in mono.
    const short = path.join(dir, 'a', 'short.wav');
    await createOfflineBackend({sampleRate: 44100, channels: 1}).generate(
      request({outputPath: short, durationInSeconds: 7.99}),
      {logger: silentLogger()},
    );
    const audio = decodeWav(new Uint8Array(await readFile(short)));
    expect(audio.sampleRate).toBe(44100);
    expect(audio.channels).toHaveLength(1);
    expect(audio.channels[0].length).toBe(352359); // 7.99 × 44100 = 352359
  });

  it('is byte-identical across runs for the same proxy and seed, and differs for another seed', async () => {
    const backend = createOfflineBackend();
    const logger = silentLogger();
    const a = await backend.generate(request({outputPath: path.join(dir, 'b', 'run1.wav')}), {logger});
    const b = await createOfflineBackend().generate(request({outputPath: path.join(dir, 'b', 'run2.wav')}), {
      logger,
    });
    const c = await backend.generate(request({outputPath: path.join(dir, 'b', 'seed.wav'), seed: 43}), {
      logger,
    });
    const [wa, wb, wc] = await Promise.all([a, b, c].map((r) => readFile(r.wavPath)));
    expect(wa.equals(wb)).toBe(true);
    expect(a.taskId).toBe(b.taskId);
    expect(wa.equals(wc)).toBe(false);
    expect(c.taskId).not.toBe(a.taskId);
  });

  it('is louder where the picture moves or cuts than where it is still, and peaks under −1 dBFS', async () => {
    const out = path.join(dir, 'c', 'loud.wav');
    await createOfflineBackend().generate(request({outputPath: out}), {logger: silentLogger()});
    const audio = decodeWav(new Uint8Array(await readFile(out)));
    const half = audio.sampleRate / 2;
    const windowRms = (w: number) => {
      let sum = 0;
      for (const ch of audio.channels) for (let i = w * half; i < (w + 1) * half; i++) sum += ch[i] * ch[i];
      return Math.sqrt(sum / (half * audio.channels.length));
    };
    // 0.5 s windows: moving 2–4 s; the cut at 5 s; still with room for the release after motion and for
    // the swell before and the decay after the cut.
    const moving = [4, 5, 6, 7].map(windowRms);
    const cut = windowRms(10);
    const still = [0, 1, 2, 13, 14, 15].map(windowRms);
    expect(Math.min(...moving) / Math.max(...still)).toBeGreaterThan(3);
    expect(cut / Math.max(...still)).toBeGreaterThan(3);
    expect(Math.min(...still)).toBeGreaterThan(0.005); // quiet, not silent
    let peak = 0;
    for (const ch of audio.channels) for (const v of ch) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeLessThan(10 ** (-1 / 20));
  });

  it('leaves nothing behind when aborted before it starts', async () => {
    const d = await mkdtemp(path.join(dir, 'abort-'));
    const controller = new AbortController();
    controller.abort();
    await expect(
      createOfflineBackend().generate(request({outputPath: path.join(d, 'x.wav')}), {
        signal: controller.signal,
        logger: silentLogger(),
      }),
    ).rejects.toMatchObject({name: 'AbortError'});
    expect(await filesIn(d)).toEqual([]);
  });

  it.skipIf(process.platform === 'win32')(
    'kills ffmpeg and leaves nothing behind when aborted while reading the video',
    async () => {
      const d = await mkdtemp(path.join(dir, 'abort-'));
      // ffmpeg reads the proxy from a FIFO: opening its write end resolves once ffmpeg has opened it,
      // and ffmpeg then waits for bytes that never come, so the abort lands while it runs.
      const fifo = path.join(dir, `fifo-${path.basename(d)}.mp4`);
      execFileSync('mkfifo', [fifo]);
      const controller = new AbortController();
      const generating = createOfflineBackend().generate(
        request({proxyPath: fifo, outputPath: path.join(d, 'x.wav')}),
        {signal: controller.signal, logger: silentLogger()},
      );
      const writer = await open(fifo, 'w');
      controller.abort();
      await expect(generating).rejects.toMatchObject({name: 'AbortError'});
      await writer.close();
      expect(await filesIn(d)).toEqual([]);
    },
  );

  it('either finishes or leaves nothing behind, wherever the abort lands', async () => {
    for (const delay of [1, 10, 30, 60, 120]) {
      const d = await mkdtemp(path.join(dir, 'abort-'));
      const out = path.join(d, 'x.wav');
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), delay);
      try {
        await createOfflineBackend().generate(request({outputPath: out}), {
          signal: controller.signal,
          logger: silentLogger(),
        });
        expect(await filesIn(d)).toEqual(['x.wav']);
      } catch (err) {
        expect(err).toMatchObject({name: 'AbortError'});
        expect(await filesIn(d)).toEqual([]);
      } finally {
        clearTimeout(timer);
      }
    }
  });

  it('names the video it could not read', async () => {
    const missing = path.join(dir, 'missing.mp4');
    const out = path.join(dir, 'd', 'x.wav');
    const failing = createOfflineBackend().generate(request({proxyPath: missing, outputPath: out}), {
      logger: silentLogger(),
    });
    await expect(failing).rejects.toBeInstanceOf(VideoAnalysisError);
    await expect(failing).rejects.toThrow(missing);
  });
});
