import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, test} from 'vitest';
import {InvalidResultError, ResultRejectedError} from '../../../src/api/errors.ts';
import {runFf} from '../../../src/media/ffmpeg.ts';
import {sniffAudio} from '../../../src/media/sniff-audio.ts';
import {createPiapiProvider} from '../../../src/providers/piapi/create-piapi-provider.ts';
import {decodeWav, encodeWav, toInt16} from '../../../src/wav/wav.ts';
import {makeTestMp4} from '../../integration/helpers/make-mp4.ts';
import {fakeHost} from './provider-harness.ts';

/**
 * Results that are not wavs (fal and Replicate: an mp4 with AAC; PiAPI: an undocumented format) are
 * sniffed by their first bytes and decoded with Remotion's ffmpeg to a checked wav. The fixtures are real
 * files, encoded here by the same ffmpeg from one known source, and every decoded sample is compared
 * with the source: exactly for lossless PCM in another container, within a measured error for lossy
 * codecs (AAC, MP3, Opus) at zero lag (a shifted or resampled decode would fail it).
 */

const RATE = 44_100;
const SECONDS = 2;
const dir = mkdtempSync(path.join(os.tmpdir(), 'decode-result-'));
const out = path.join(dir, 'out');
const files: Record<string, string> = {};
let source: Float32Array;
let host: ReturnType<typeof fakeHost>;

const ff = (args: string[]) => runFf('ffmpeg', ['-v', 'error', '-y', ...args]);

beforeAll(async () => {
  // Two tones and a slow sweep, quantised to 16 bits: the reference every decode is held against.
  const n = RATE * SECONDS;
  source = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    const v =
      0.3 * Math.sin(2 * Math.PI * 440 * t) +
      0.2 * Math.sin(2 * Math.PI * 1000 * t) +
      0.1 * Math.sin(2 * Math.PI * (200 + 400 * t) * t);
    source[i] = toInt16(v) / 32768;
  }
  const wav = path.join(dir, 'source.wav');
  writeFileSync(wav, encodeWav({sampleRate: RATE, channels: [source]}));
  // A real h264 picture (Remotion's ffmpeg has no lavfi sources), the audio muxed in as fal and Replicate do.
  const picture = await makeTestMp4({seconds: SECONDS, outputPath: path.join(dir, 'picture.mp4')});
  files.mp4aac = path.join(dir, 'result.mp4');
  await ff([
    '-i',
    picture,
    '-i',
    wav,
    '-map',
    '0:v',
    '-map',
    '1:a',
    '-c:v',
    'copy',
    '-c:a',
    'aac',
    '-b:a',
    '192k',
    files.mp4aac,
  ]);
  files.mp3 = path.join(dir, 'result.mp3');
  await ff(['-i', wav, '-c:a', 'libmp3lame', '-b:a', '192k', files.mp3]);
  files.opus = path.join(dir, 'result.ogg');
  await ff(['-i', wav, '-c:a', 'libopus', '-b:a', '128k', files.opus]);
  files.movpcm = path.join(dir, 'result.mov');
  await ff(['-i', wav, '-c:a', 'pcm_s16le', '-f', 'mov', files.movpcm]);
  files.mkvpcm = path.join(dir, 'result.mkv');
  await ff(['-i', wav, '-c:a', 'pcm_s16le', files.mkvpcm]);
  files.silentVideo = picture;
});

afterEach(async () => {
  await host?.agent.close();
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

/** Serves `bytes` as a result on a CDN and downloads it through a provider, as the pipeline does. */
const download = async (bytes: Buffer, name: string) => {
  host = fakeHost('https://piapi.test');
  const provider = createPiapiProvider({apiKey: 'pk', baseUrl: 'https://piapi.test', ...host.common});
  host.agent
    .get('https://cdn.test')
    .intercept({path: `/${name}`, method: 'GET'})
    .reply(200, bytes, {headers: {'content-length': String(bytes.length)}});
  const destination = path.join(out, `${name}.wav`);
  return {
    destination,
    result: await provider.downloadResult(`https://cdn.test/${name}`, destination, {segmentSeconds: SECONDS}),
  };
};

const compare = (decoded: Float32Array) => {
  const n = Math.min(decoded.length, source.length);
  let maxError = 0;
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < n; i++) {
    const e = decoded[i] - source[i];
    maxError = Math.max(maxError, Math.abs(e));
    signal += source[i] ** 2;
    noise += e ** 2;
  }
  return {
    frames: decoded.length,
    maxError,
    snrDb: noise === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(signal / noise),
  };
};

describe('non-wav results are sniffed and decoded to a checked wav', () => {
  test('magic bytes name the container', () => {
    const kinds = Object.fromEntries(
      Object.entries(files).map(([k, f]) => [k, sniffAudio(readFileSync(f).subarray(0, 16))]),
    );
    console.log('sniffed:', kinds);
    expect(kinds).toEqual({
      mp4aac: 'mp4',
      mp3: 'mp3',
      opus: 'ogg',
      movpcm: 'mp4',
      mkvpcm: 'matroska',
      silentVideo: 'mp4',
    });
    expect(sniffAudio(Buffer.from('<html>nope</html>'))).toBeNull();
    expect(sniffAudio(Buffer.from([0xff, 0xf1, 0x50, 0x80]))).toBe('aac');
  });

  test('each decoded wav against the source, sample by sample', async () => {
    const rows: Record<string, unknown>[] = [];
    for (const [kind, file] of Object.entries(files)) {
      if (kind === 'silentVideo') continue;
      const {destination, result} = await download(readFileSync(file), kind);
      const decoded = decodeWav(readFileSync(destination));
      const stats = compare(decoded.channels[0]);
      rows.push({
        kind,
        bytesIn: readFileSync(file).length,
        rate: result.format.sampleRate,
        channels: result.format.channels,
        frames: stats.frames,
        sourceFrames: source.length,
        maxError: Number(stats.maxError.toFixed(5)),
        snrDb:
          kind === 'opus'
            ? 'n/a (48 kHz)'
            : Number.isFinite(stats.snrDb)
              ? Number(stats.snrDb.toFixed(1))
              : 'exact',
      });
      expect(result.format.sampleRate, kind).toBe(kind === 'opus' ? 48_000 : RATE);
      if (kind === 'movpcm' || kind === 'mkvpcm') {
        // Lossless: every sample is the source's.
        expect(stats.frames, kind).toBe(source.length);
        expect(stats.maxError, kind).toBe(0);
      } else if (kind === 'opus') {
        // Opus decodes at 48 kHz: the same length in time (the pipeline resamples to the segment next).
        expect(Math.abs(stats.frames / 48_000 - SECONDS), kind).toBeLessThan(0.03);
      } else {
        // Lossy, same rate: the same length within one codec frame, and the waveform at zero lag.
        expect(Math.abs(stats.frames - source.length), kind).toBeLessThanOrEqual(1152);
        expect(stats.snrDb, kind).toBeGreaterThan(20);
      }
    }
    console.table(rows);
    expect(rows).toHaveLength(5);
  });

  test('an mp4 without audio is refused (not retried); garbage and a truncated mp4 are incomplete results; nothing is left', async () => {
    await expect(download(readFileSync(files.silentVideo), 'silent')).rejects.toBeInstanceOf(
      ResultRejectedError,
    );
    await expect(download(Buffer.from('<html>gateway timeout</html>'), 'html')).rejects.toBeInstanceOf(
      InvalidResultError,
    );
    const mp4 = readFileSync(files.mp4aac);
    const truncated = await download(mp4.subarray(0, Math.floor(mp4.length / 3)), 'truncated').catch(
      (e: unknown) => e,
    );
    console.log('truncated mp4:', (truncated as Error).message);
    expect(truncated).toBeInstanceOf(InvalidResultError);
    for (const name of ['silent', 'html', 'truncated'])
      expect(existsSync(path.join(out, `${name}.wav`))).toBe(false);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('a file cut in half whose header is intact (an mp4 with its moov first, an mp3 with a Xing header) is an incomplete result, not a short one', async () => {
    // As a host serves them (moov first, for streaming): the first half still decodes, to half the audio.
    const faststart = path.join(dir, 'faststart.mp4');
    await ff(['-i', files.mp4aac, '-c', 'copy', '-movflags', '+faststart', faststart]);
    const rows: Record<string, string>[] = [];
    for (const [kind, file] of [
      ['mp4 (moov first)', faststart],
      ['mp3', files.mp3],
    ] as const) {
      const bytes = readFileSync(file);
      const name = `half-${kind.split(' ')[0]}`;
      const error = await download(bytes.subarray(0, Math.floor(bytes.length / 2)), name).catch(
        (e: unknown) => e,
      );
      rows.push({kind, refused: error instanceof Error ? error.message : 'accepted'});
      expect(error, kind).toBeInstanceOf(InvalidResultError);
      expect(existsSync(path.join(out, `${name}.wav`)), kind).toBe(false);
      // The whole file still passes.
      await expect(download(bytes, `whole-${name}`)).resolves.toBeTruthy();
    }
    console.table(rows);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
