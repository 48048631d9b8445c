import {describe, expect, it} from 'vitest';
import type {FrameFeatures} from '../../src/backends/offline/analyze-frames.ts';
import {motionLevel} from '../../src/backends/offline/motion-level.ts';
import {softClip} from '../../src/backends/offline/soft-clip.ts';
import {soundDesign} from '../../src/backends/offline/sound-design.ts';
import {type SynthesisInput, synthesisSteps, synthesize} from '../../src/backends/offline/synthesize.ts';
import type {AudioData} from '../../src/wav/wav.ts';

type Frame = Pick<FrameFeatures, 'brightness' | 'motion' | 'motionPan' | 'cut'>;

const fps = 25;
const sampleRate = 48000;
const minusOneDbfs = 10 ** (-1 / 20);

/**
 * 10 s of picture: still and dark (0–2 s), a moving object on the right (2–4 s), still (4–6 s), a hard cut
 * to a brighter shot at 6 s, still to the end. Motion 0.015 is a small object crossing a 64×36 frame at a
 * few pixels per frame; 0.35 is the difference of a cut between two very different shots.
 */
const scene = (): SynthesisInput => {
  const frames: Frame[] = [];
  for (let i = 0; i < 10 * fps; i++) {
    const t = i / fps;
    const cut = i === 6 * fps;
    const motion = cut ? 0.35 : t >= 2 && t < 4 ? 0.015 : 0;
    frames.push({brightness: t < 6 ? 0.3 : 0.7, motion, motionPan: t >= 2 && t < 4 ? 0.5 : 0, cut});
  }
  return {fps, frames};
};

const rmsOf = (x: Float32Array, from: number, to: number): number => {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i] * x[i];
  return Math.sqrt(sum / (to - from));
};

const maxStep = (x: Float32Array, from: number, to: number): number => {
  let max = 0;
  for (let i = Math.max(1, from); i < to; i++) max = Math.max(max, Math.abs(x[i] - x[i - 1]));
  return max;
};

/**
 * The largest step between two samples in each 10 ms block, over the standard deviation of the steps in
 * the 30 ms around it; returns the worst block's value.
 */
const worstStepCrest = (x: Float32Array): number => {
  const block = 480;
  let worst = 0;
  for (let b = block; b + 2 * block <= x.length; b += block) {
    let squares = 0;
    for (let i = b - block + 1; i < b + 2 * block; i++) squares += (x[i] - x[i - 1]) ** 2;
    worst = Math.max(worst, maxStep(x, b, b + block) / Math.sqrt(squares / (3 * block - 1)));
  }
  return worst;
};

/** Peak step of the bed, from the design: see the click test. */
const bedStepBound = (): number => {
  const d = soundDesign;
  const bedNorm = d.bedRms / Math.sqrt(d.bedWeights.reduce((s, w) => s + (w * w) / 2, 0));
  return d.bedRatios.reduce(
    (s, ratio, k) =>
      s + (2 * Math.PI * 2 * d.bedBaseHz * ratio * d.bedDetune * bedNorm * d.bedWeights[k]) / sampleRate,
    0,
  );
};

/** The scene at 48 kHz stereo, seed 7, synthesised once and shared by the tests that only read it. */
const sceneOptions = {durationInSeconds: 10, sampleRate, channels: 2 as const, seed: 7};
let sceneAudioCache: AudioData | null = null;
const sceneAudio = (): AudioData => {
  sceneAudioCache ??= synthesize(scene(), sceneOptions);
  return sceneAudioCache;
};

const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('synthesize', () => {
  it('is deterministic: same frames and seed give identical samples, another seed different ones', () => {
    const a = sceneAudio();
    const b = synthesize(scene(), sceneOptions);
    const c = synthesize(scene(), {...sceneOptions, seed: 8});
    for (let ch = 0; ch < 2; ch++) {
      expect(bytesOf(a.channels[ch]).equals(bytesOf(b.channels[ch]))).toBe(true);
      expect(bytesOf(a.channels[ch]).equals(bytesOf(c.channels[ch]))).toBe(false);
    }
    // Another seed is another take, not a copy: in the moving part the two barely correlate.
    const from = 2 * sampleRate;
    const to = 4 * sampleRate;
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (let i = from; i < to; i++) {
      xy += a.channels[0][i] * c.channels[0][i];
      xx += a.channels[0][i] ** 2;
      yy += c.channels[0][i] ** 2;
    }
    expect(Math.abs(xy / Math.sqrt(xx * yy))).toBeLessThan(0.2);
  });

  it('can be run a chunk at a time (so a caller can stop early) with the same result', () => {
    const steps = synthesisSteps(scene(), sceneOptions);
    let pauses = 0;
    let step = steps.next();
    while (!step.done) {
      pauses++;
      step = steps.next();
    }
    // About one pause per second of audio while synthesising, one per cut, one per second while clipping.
    expect(pauses).toBeGreaterThanOrEqual(20);
    const whole = sceneAudio();
    for (let ch = 0; ch < 2; ch++) {
      expect(bytesOf(step.value.channels[ch]).equals(bytesOf(whole.channels[ch]))).toBe(true);
    }
  });

  it('returns exactly the requested length, rounded to whole samples, whatever the number of frames', () => {
    const cases: [seconds: number, rate: number, channels: 1 | 2, samples: number][] = [
      [1 / 3, 44100, 2, 14700],
      [7.99, 48000, 2, 383520],
      [0.5, 16000, 1, 8000],
      [2.00001, 48000, 1, 96000], // 96000.48 samples
      [1.0000105, 48000, 2, 48001], // 48000.504 samples
      [12.5, 22050, 2, 275625], // longer than the 10 s of frames: the last frame holds
      [0, 48000, 2, 0],
    ];
    for (const [seconds, rate, channels, samples] of cases) {
      const audio = synthesize(scene(), {durationInSeconds: seconds, sampleRate: rate, channels, seed: 1});
      expect(audio.sampleRate).toBe(rate);
      expect(audio.channels).toHaveLength(channels);
      for (const ch of audio.channels) expect(ch.length).toBe(samples);
    }
  });

  it('is clearly louder where the picture moves or cuts than where it is still (RMS over 0.5 s windows)', () => {
    const audio = sceneAudio();
    const half = sampleRate / 2;
    const windowRms = (w: number) =>
      Math.sqrt(audio.channels.reduce((s, ch) => s + rmsOf(ch, w * half, (w + 1) * half) ** 2, 0) / 2);
    // Windows (0.5 s each): moving 2–4 s; the cut at 6 s; still means no motion from 0.5 s before the
    // window (release) and no cut from 1.5 s before to 0.4 s after it (decay, swell).
    const moving = [4, 5, 6, 7].map(windowRms);
    const cut = windowRms(12);
    const still = [0, 1, 2, 10, 15, 16, 17, 18, 19].map(windowRms);
    const loudestStill = Math.max(...still);
    expect(Math.min(...moving) / loudestStill).toBeGreaterThan(3);
    expect(cut / loudestStill).toBeGreaterThan(3);
    // Still is quiet, not silent: the bed, about −36 dBFS.
    expect(Math.min(...still)).toBeGreaterThan(soundDesign.bedRms * 0.5);
  });

  it('puts motion on the side where it happens', () => {
    const audio = sceneAudio();
    const [left, right] = audio.channels;
    expect(rmsOf(right, 2.5 * sampleRate, 4 * sampleRate)).toBeGreaterThan(
      1.3 * rmsOf(left, 2.5 * sampleRate, 4 * sampleRate),
    );
  });

  it('lets the pitch of the bed follow the brightness (an octave from black to white)', () => {
    const still = (brightness: number): SynthesisInput => ({
      fps,
      frames: Array.from({length: 2 * fps}, () => ({brightness, motion: 0, motionPan: 0, cut: false})),
    });
    const crossings = (brightness: number) => {
      const x = synthesize(still(brightness), {durationInSeconds: 2, sampleRate, channels: 1, seed: 3})
        .channels[0];
      let n = 0;
      for (let i = 1; i < x.length; i++) if (x[i - 1] < 0 !== x[i] < 0) n++;
      return n;
    };
    expect(crossings(1) / crossings(0)).toBeCloseTo(2, 1);
  });

  it('has no clicks: no step between samples above what its sources can make', () => {
    const audio = sceneAudio();
    // Where the picture is still only the bed sounds: partials of peak amplitude bedNorm·weight (at most,
    // breathing included) at f ≤ 2·bedBaseHz·ratio·detune (white picture). A sine of amplitude A and
    // frequency f moves at most 2πfA/sampleRate per sample; the bound is the sum over the partials.
    const bound = bedStepBound();
    expect(bound).toBeLessThan(0.0013); // so a click of −58 dBFS in a still part fails
    for (const ch of audio.channels) {
      for (const [from, to] of [
        [0, 1.9],
        [5, 5.5],
        [8, 10],
      ]) {
        expect(maxStep(ch, from * sampleRate, to * sampleRate)).toBeLessThanOrEqual(bound);
      }
    }
    // Everywhere else noise sounds. Low-passed noise is near Gaussian, and so are its steps: over 10 ms
    // (480 samples) the largest step is about 3.5 standard deviations of the steps around it (measured:
    // 3.6–4.3 over this scene for seeds 1, 2, 3, 7, 11). A discontinuity (an envelope jumping, a filter reset, a sound starting
    // on a non-zero sample) stands far out of that; 6 leaves room for chance and none for a click.
    for (const ch of audio.channels) expect(worstStepCrest(ch)).toBeLessThan(6);
  });

  it('would see a click: the same measures fail on a small step added to the sound', () => {
    const clean = sceneAudio().channels[0].slice();
    // A step of 0.005 (−46 dBFS) in the still part, from 9 s on.
    const stillClick = clean.slice();
    for (let i = 9 * sampleRate; i < stillClick.length; i++) stillClick[i] += 0.005;
    expect(maxStep(stillClick, 8 * sampleRate, 10 * sampleRate)).toBeGreaterThan(bedStepBound());
    // A step of 0.05 (−26 dBFS) while the cut's sound decays, at 6.3 s. (In the loudest motion noise,
    // whose steps have an RMS of about 0.023, a step must be ≳ 0.15 to stand out: smaller ones are masked.)
    const noisyClick = clean.slice();
    for (let i = 6.3 * sampleRate; i < noisyClick.length; i++) noisyClick[i] += 0.05;
    expect(worstStepCrest(clean)).toBeLessThan(6);
    expect(worstStepCrest(noisyClick)).toBeGreaterThan(6);
  });

  it('keeps every peak under −1 dBFS, even for full motion and a cut every half second', () => {
    const frames: Frame[] = Array.from({length: 10 * fps}, (_, i) => ({
      brightness: (i % 50) / 50,
      motion: i % 12 === 6 ? 0.9 : 0.5,
      motionPan: Math.sin(i / 10),
      cut: i % 12 === 6,
    }));
    const audio = synthesize({fps, frames}, {durationInSeconds: 10, sampleRate, channels: 2, seed: 5});
    let peak = 0;
    for (const ch of audio.channels) for (const v of ch) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeLessThan(minusOneDbfs);
    expect(peak).toBeGreaterThan(0.5); // the clipper was actually exercised
  });

  it('sounds (quietly) without any frame, and in mono', () => {
    const audio = synthesize({fps, frames: []}, {durationInSeconds: 1, sampleRate, channels: 1, seed: 1});
    const rms = rmsOf(audio.channels[0], 0, sampleRate);
    expect(rms).toBeGreaterThan(soundDesign.bedRms * 0.5);
    expect(rms).toBeLessThan(soundDesign.bedRms * 1.5);
  });

  it('rejects options it cannot honour', () => {
    const input = scene();
    const ok = {durationInSeconds: 1, sampleRate, channels: 2 as const, seed: 1};
    expect(() => synthesize(input, {...ok, sampleRate: 44100.5})).toThrow(/sampleRate/);
    expect(() => synthesize(input, {...ok, channels: 3 as 2})).toThrow(/channels/);
    expect(() => synthesize(input, {...ok, seed: 0.5})).toThrow(/seed/);
    expect(() => synthesize(input, {...ok, durationInSeconds: Number.NaN})).toThrow(/durationInSeconds/);
  });
});

describe('motionLevel and softClip', () => {
  it('maps motion logarithmically between the floor and full level', () => {
    expect(motionLevel(0)).toBe(0);
    expect(motionLevel(soundDesign.motionFloor)).toBe(0);
    expect(motionLevel(soundDesign.motionFull)).toBeCloseTo(1, 12);
    expect(motionLevel(1)).toBe(1);
    expect(motionLevel(Math.sqrt(soundDesign.motionFloor * soundDesign.motionFull))).toBeCloseTo(0.5, 12);
  });

  it('is the identity below the knee, continuous, never above the ceiling, and never steeper than 1', () => {
    expect(softClip(0.3)).toBe(0.3);
    expect(softClip(-soundDesign.clipKnee)).toBe(-soundDesign.clipKnee);
    expect(softClip(100)).toBeLessThanOrEqual(soundDesign.ceiling);
    expect(softClip(-100)).toBeGreaterThanOrEqual(-soundDesign.ceiling);
    expect(soundDesign.ceiling).toBeLessThan(minusOneDbfs);
    let steepest = 0;
    for (let x = -3; x < 3; x += 0.001)
      steepest = Math.max(steepest, Math.abs(softClip(x + 0.001) - softClip(x)));
    expect(steepest).toBeLessThanOrEqual(0.001 + 1e-12);
    expect(steepest).toBeGreaterThan(0.000999);
  });
});
