import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {normalizeSegmentAudio, PAD_FADE_SAMPLES} from '../../src/pipeline/normalize-audio.ts';
import {decodeWav, encodeWav} from '../../src/wav/wav.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mmaudio-pad-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const RATE = 48_000;
const tone = (seconds: number, hz: number, amplitude: number) => {
  const out = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / RATE);
  return out;
};
const steps = (x: Float32Array, from: number, to: number) => {
  const out: number[] = [];
  for (let i = Math.max(1, from); i < Math.min(x.length, to); i++) out.push(Math.abs(x[i] - x[i - 1]));
  return out;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('a result shorter than its segment', () => {
  it('is padded with silence after a short fade, with no step larger than the tone’s own', async () => {
    // A 440 Hz tone at 0.6 that stops on a crest 0.8 s into a 1 s segment: cut dead, the pad starts with a step of
    // up to 0.6 against a median step of ~0.03 inside the tone.
    const input = path.join(dir, 'short.wav');
    const output = path.join(dir, 'normalized.wav');
    const original = tone(0.8, 440.3125, 0.6); // 352.25 cycles: it ends on a crest
    writeFileSync(input, encodeWav({sampleRate: RATE, channels: [original]}));
    const result = await normalizeSegmentAudio({input, output, durationInSeconds: 1});
    expect(result.adjustments.join(' ')).toMatch(/padded 0\.200 s of silence after a 10 ms fade-out/);
    const out = decodeWav(new Uint8Array(readFileSync(output))).channels[0];
    expect(out.length).toBe(RATE);
    const end = original.length;
    // Untouched before the fade, silent after the end.
    for (let i = 0; i < end - PAD_FADE_SAMPLES; i += 97) expect(out[i]).toBeCloseTo(original[i], 4);
    for (let i = end; i < out.length; i++) expect(out[i]).toBe(0);
    const inside = median(steps(out, 1000, end - PAD_FADE_SAMPLES));
    const atPad = Math.max(...steps(out, end - PAD_FADE_SAMPLES - 10, end + 10));
    const dead = Math.abs(original[end - 1]);
    console.log(
      `pad: largest step at the pad ${atPad.toFixed(4)} vs median step in the tone ${inside.toFixed(4)} ` +
        `(${(atPad / inside).toFixed(1)}×); without the fade the step would be ${dead.toFixed(4)} (${(dead / inside).toFixed(1)}×)`,
    );
    // No step at the pad beyond what the tone itself does from sample to sample.
    expect(atPad).toBeLessThanOrEqual(2 * inside);
    expect(Math.abs(out[end - 1])).toBeLessThan(0.01);
  });

  it('is left alone when it is exactly the segment long', async () => {
    const input = path.join(dir, 'exact.wav');
    const output = path.join(dir, 'exact-out.wav');
    const original = tone(0.5, 440, 0.6);
    writeFileSync(input, encodeWav({sampleRate: RATE, channels: [original]}));
    const result = await normalizeSegmentAudio({input, output, durationInSeconds: 0.5});
    expect(result.adjustments).toEqual([]);
    const out = decodeWav(new Uint8Array(readFileSync(output))).channels[0];
    expect(out[out.length - 1]).toBeCloseTo(original[original.length - 1], 4);
  });
});
