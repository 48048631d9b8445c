import {readFileSync} from 'node:fs';
import path from 'node:path';
import type {Manifest} from '../../../src/react/manifest.ts';
import {decodeWav} from '../../../src/wav/wav.ts';

export const SAMPLE_RATE = 48_000;

/** Mono mix of a wav published by the pipeline (48 kHz). */
export const readSegmentWav = (publicDir: string, src: string): Float32Array => {
  const audio = decodeWav(new Uint8Array(readFileSync(path.join(publicDir, src))));
  if (audio.sampleRate !== SAMPLE_RATE) throw new Error(`${src} is ${audio.sampleRate} Hz`);
  const out = new Float32Array(audio.channels[0].length);
  for (const ch of audio.channels)
    for (let i = 0; i < out.length; i++) out[i] += ch[i] / audio.channels.length;
  return out;
};

/** Normalised correlation of `reference` with `signal` from sample `at` on. */
export const normalisedCorrelation = (signal: Float32Array, at: number, reference: Float32Array): number => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < reference.length; i++) {
    const a = signal[at + i] ?? 0;
    const b = reference[i];
    ab += a * b;
    aa += a * a;
    bb += b * b;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
};

/**
 * Where does `reference` sit in `signal`, near `expectedAt`? Searches ±`searchSamples` (coarse step, then
 * every sample around the best) and returns the offset from `expectedAt` and the correlation there.
 */
export const locate = (
  signal: Float32Array,
  reference: Float32Array,
  expectedAt: number,
  searchSamples: number,
): {offset: number; correlation: number} => {
  const coarse = 8;
  let best = {offset: 0, correlation: -2};
  for (let off = -searchSamples; off <= searchSamples; off += coarse) {
    if (expectedAt + off < 0) continue;
    const c = normalisedCorrelation(signal, expectedAt + off, reference);
    if (c > best.correlation) best = {offset: off, correlation: c};
  }
  const around = best.offset;
  for (let off = around - coarse; off <= around + coarse; off++) {
    if (expectedAt + off < 0) continue;
    const c = normalisedCorrelation(signal, expectedAt + off, reference);
    if (c > best.correlation) best = {offset: off, correlation: c};
  }
  return best;
};

export type PlacementReport = {
  index: number;
  /** Where the segment's signal was found relative to its planned start, in samples and in frames. */
  offsetSamples: number;
  offsetFrames: number;
  correlation: number;
};

/**
 * Finds each generated segment in the final mix: a 1 s excerpt of its wav (past its fade-in, clear of
 * the composition's own beeps when `avoid` says where they are) is located by cross-correlation around
 * where the manifest says the segment starts.
 */
export const segmentPlacements = (
  mix: Float32Array,
  manifest: Manifest,
  publicDir: string,
  options: {avoid?: [number, number][]} = {},
): PlacementReport[] => {
  const samplesPerFrame = SAMPLE_RATE / manifest.fps;
  return manifest.segments.map((segment) => {
    const wav = readSegmentWav(publicDir, segment.src);
    const start = Math.round((segment.startFrame / manifest.fps) * SAMPLE_RATE);
    // An excerpt after the fade-in, moved forward until it avoids the composition's own sounds.
    let from = Math.round((segment.fadeInFrames + 2) * samplesPerFrame);
    const length = SAMPLE_RATE;
    const clashes = (f: number) =>
      (options.avoid ?? []).some(
        ([a, b]) => start + f < b * SAMPLE_RATE && start + f + length > a * SAMPLE_RATE,
      );
    while (clashes(from) && from + 2 * length < wav.length) from += SAMPLE_RATE / 4;
    const excerpt = wav.subarray(from, from + length);
    const found = locate(mix, excerpt, start + from, Math.ceil(3 * samplesPerFrame));
    return {
      index: segment.index,
      offsetSamples: found.offset,
      offsetFrames: found.offset / samplesPerFrame,
      correlation: found.correlation,
    };
  });
};

/** Largest absolute difference between consecutive samples in [from, to). */
export const maxStep = (signal: Float32Array, from: number, to: number): number => {
  let m = 0;
  for (let i = Math.max(1, from); i < Math.min(signal.length, to); i++) {
    const d = Math.abs(signal[i] - signal[i - 1]);
    if (d > m) m = d;
  }
  return m;
};

/** Power of one frequency in a window (Goertzel), normalised by the window length. */
export const tonePower = (signal: Float32Array, from: number, to: number, frequency: number): number => {
  const k = (2 * Math.PI * frequency) / SAMPLE_RATE;
  const coeff = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < to; i++) {
    const s0 = (signal[i] ?? 0) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const n = to - from;
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (n * n);
};

export const rms = (signal: Float32Array, from: number, to: number): number => {
  let e = 0;
  for (let i = from; i < to; i++) e += signal[i] ** 2;
  return Math.sqrt(e / Math.max(1, to - from));
};
