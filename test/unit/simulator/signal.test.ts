import {describe, expect, it} from 'vitest';
import {chirpFrequencies, SIMULATED_AMPLITUDE, simulatedSignal} from '../../../src/simulator/signal.ts';
import {decodeWav, encodeWav, toInt16} from '../../../src/wav/wav.ts';

const base = {
  videoSha256: 'a'.repeat(64),
  prompt: 'rain on a tin roof',
  seed: 42,
  durationInSeconds: 1.5,
  sampleRate: 44_100,
  channels: 1,
};

/** Index of the first sample that differs (or the shorter length), -1 when both are equal. */
const firstDifference = (a: Float32Array, b: Float32Array): number => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
};

/** Zero crossings per second in [from, to) seconds: twice the mean frequency there. */
const frequencyAround = (samples: Float32Array, sampleRate: number, from: number, to: number): number => {
  let crossings = 0;
  const a = Math.round(from * sampleRate);
  const b = Math.round(to * sampleRate);
  for (let i = a + 1; i < b; i++) {
    if (samples[i - 1] < 0 !== samples[i] < 0) crossings++;
  }
  return crossings / 2 / (to - from);
};

describe('simulatedSignal', () => {
  it('is deterministic and has round(duration × rate) frames in every channel', () => {
    const a = simulatedSignal({...base, channels: 2});
    const b = simulatedSignal({...base, channels: 2});
    expect(a.sampleRate).toBe(44_100);
    expect(a.channels).toHaveLength(2);
    expect(a.channels[0].length).toBe(66_150);
    expect(firstDifference(a.channels[1], a.channels[0])).toBe(-1);
    expect(firstDifference(b.channels[0], a.channels[0])).toBe(-1);
    expect(simulatedSignal({...base, durationInSeconds: 1 / 3, sampleRate: 16_000}).channels[0].length).toBe(
      5333,
    );
  });

  it('changes with the video, the prompt, the seed and the variant', () => {
    const ref = chirpFrequencies(base);
    const others = [
      chirpFrequencies({...base, videoSha256: 'b'.repeat(64)}),
      chirpFrequencies({...base, prompt: 'rain on a tin roof!'}),
      chirpFrequencies({...base, seed: 43}),
      chirpFrequencies({...base, variant: 1}),
    ];
    for (const other of others) expect(other).not.toEqual(ref);
    expect(chirpFrequencies({...base, variant: 0})).toEqual(ref);
  });

  it('sweeps at least 600 Hz between 200 and 2000 Hz, in both directions over many inputs', () => {
    let up = 0;
    let down = 0;
    for (let seed = 0; seed < 200; seed++) {
      const {startHz, endHz} = chirpFrequencies({...base, seed});
      for (const f of [startHz, endHz]) {
        expect(f).toBeGreaterThanOrEqual(200);
        expect(f).toBeLessThan(2000);
      }
      expect(Math.abs(endHz - startHz)).toBeGreaterThanOrEqual(600);
      if (endHz > startHz) up++;
      else down++;
    }
    expect(up).toBeGreaterThan(50);
    expect(down).toBeGreaterThan(50);
  });

  it('is a linear chirp of amplitude 0.25 with no fades and no jumps', () => {
    const seconds = 4;
    const audio = simulatedSignal({...base, durationInSeconds: seconds});
    const s = audio.channels[0];
    const {startHz, endHz} = chirpFrequencies(base);
    let peak = 0;
    let maxStep = 0;
    for (let i = 0; i < s.length; i++) {
      peak = Math.max(peak, Math.abs(s[i]));
      if (i > 0) maxStep = Math.max(maxStep, Math.abs(s[i] - s[i - 1]));
    }
    expect(peak).toBeLessThanOrEqual(SIMULATED_AMPLITUDE);
    expect(peak).toBeGreaterThan(0.249);
    // Full amplitude from the first and to the last 10 ms: no fade in or out.
    const edge = (from: number, to: number) => Math.max(...Array.from(s.subarray(from, to), Math.abs));
    expect(edge(0, 441)).toBeGreaterThan(0.24);
    expect(edge(s.length - 441, s.length)).toBeGreaterThan(0.24);
    // A sine at ≤2000 Hz moves at most 2π·f·A/rate per sample.
    expect(maxStep).toBeLessThanOrEqual((2 * Math.PI * 2000 * SIMULATED_AMPLITUDE) / 44_100 + 1e-6);
    // The frequency moves linearly from start to end.
    for (const t of [0.5, 2, 3.5]) {
      const expected = startHz + ((endHz - startHz) * t) / seconds;
      expect(Math.abs(frequencyAround(s, 44_100, t - 0.1, t + 0.1) - expected)).toBeLessThan(15);
    }
  });

  it('continues the same chirp when the result is longer than the sweep', () => {
    const short = simulatedSignal({...base, durationInSeconds: 1, sweepSeconds: 1.5});
    const normal = simulatedSignal(base);
    const long = simulatedSignal({...base, durationInSeconds: 2, sweepSeconds: 1.5});
    expect(short.channels[0].length).toBe(44_100);
    expect(firstDifference(short.channels[0], normal.channels[0].subarray(0, 44_100))).toBe(-1);
    expect(long.channels[0].length).toBe(88_200);
    expect(firstDifference(long.channels[0].subarray(0, normal.channels[0].length), normal.channels[0])).toBe(
      -1,
    );
  });

  it('survives a 16-bit wav round trip sample for sample', () => {
    const audio = simulatedSignal({...base, channels: 2, sampleRate: 16_000});
    const decoded = decodeWav(encodeWav(audio));
    for (let c = 0; c < 2; c++) {
      const got = Int16Array.from(decoded.channels[c], (v) => Math.round(v * 32768));
      const expected = Int16Array.from(audio.channels[c], toInt16);
      expect(got.length).toBe(24_000);
      expect(Buffer.compare(Buffer.from(got.buffer), Buffer.from(expected.buffer))).toBe(0);
    }
  });
});
