import {runFf} from '../src/media/ffmpeg.ts';
import {decodeWav} from '../src/wav/wav.ts';

/** Sample rate the bench compares audio at: enough to tell the tracks apart, cheap to decode. */
const RATE = 16_000;

/** The audio track of a rendered file, mono at 16 kHz, decoded by Remotion's bundled ffmpeg. */
export const readAudioTrack = async (file: string): Promise<Float32Array> => {
  const {stdout} = await runFf('ffmpeg', [
    '-i',
    file,
    '-vn',
    '-ac',
    '1',
    '-ar',
    String(RATE),
    '-c:a',
    'pcm_s16le',
    '-f',
    'wav',
    '-',
  ]);
  return decodeWav(new Uint8Array(stdout)).channels[0];
};

export const rms = (samples: Float32Array): number => {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
};

/** RMS of the sample-by-sample difference `a[i] - b[i + lag]`, over the samples both have. */
export const differenceRms = (a: Float32Array, b: Float32Array, lag = 0): number => {
  const from = Math.max(0, -lag);
  const to = Math.min(a.length, b.length - lag);
  let sum = 0;
  for (let i = from; i < to; i++) sum += (a[i] - b[i + lag]) ** 2;
  return to > from ? Math.sqrt(sum / (to - from)) : 0;
};

/**
 * The lag (in samples, within ±maxLag) at which `b` best matches `a` (`a[i] ≈ b[i + lag]`), by
 * cross-correlation over a 10 s excerpt. Remotion's own h264 renders start their AAC track with the
 * encoder's priming samples (2048 at 48 kHz, 42.7 ms) where an ffmpeg mux trims them, so two renders of
 * the same audio only compare after aligning.
 */
export const bestLag = (a: Float32Array, b: Float32Array, maxLag = RATE / 10): number => {
  const from = Math.min(a.length, RATE);
  const to = Math.min(a.length, b.length, from + 10 * RATE);
  let best = {lag: 0, score: Number.NEGATIVE_INFINITY};
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let score = 0;
    for (let i = Math.max(from, -lag); i < Math.min(to, b.length - lag); i += 2) score += a[i] * b[i + lag];
    if (score > best.score) best = {lag, score};
  }
  return best.lag;
};

/** Samples per second of the tracks `readAudioTrack` returns. */
export const AUDIO_TRACK_RATE = RATE;
