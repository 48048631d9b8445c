import type {AudioData} from '../../wav/wav.ts';
import {addImpact} from './add-impact.ts';
import type {FrameFeatures} from './analyze-frames.ts';
import {createPrng} from './create-prng.ts';
import {onePole, smoothing, twoPoleNoiseGain} from './filter-coefficients.ts';
import {frameControls, interpolate} from './frame-controls.ts';
import {softClip} from './soft-clip.ts';
import {BLOCK, soundDesign as D} from './sound-design.ts';

export type SynthesizeOptions = {
  /** Length of the result; rounded to whole samples. */
  durationInSeconds: number;
  sampleRate: number;
  channels: 1 | 2;
  /** Any safe integer; the same frames and seed give the same samples. */
  seed: number;
};

export type SynthesisInput = {
  fps: number;
  frames: readonly Pick<FrameFeatures, 'brightness' | 'motion' | 'motionPan' | 'cut'>[];
};

/** Samples between the pauses of `synthesisSteps` (a multiple of BLOCK; 1 s at 48 kHz). */
const STEP_SAMPLES = BLOCK * 1500;

/**
 * Synthesises sound that follows the picture, from per-frame analysis data. Pure and deterministic:
 * the same frames, options and seed give identical samples.
 *
 * - Motion: seeded noise through a two-pole low-pass (brighter with more motion) and a high-pass, whose
 *   loudness follows the motion energy through an attack/release envelope, panned with where the motion is.
 * - Cuts: a swell into each cut, a noise burst and a low thump.
 * - Still pictures: a soft tonal bed (fundamental, fifth, octave) whose pitch follows the brightness,
 *   ducking under motion.
 *
 * Control values are interpolated per sample between frames and smoothed, so nothing steps; a soft
 * clipper keeps every peak under −1 dBFS.
 */
export const synthesize = (input: SynthesisInput, options: SynthesizeOptions): AudioData => {
  const steps = synthesisSteps(input, options);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
};

/**
 * `synthesize` as a generator that pauses (yields) after each chunk of work — about a second of audio,
 * one cut, or a second of clipping — so a caller can keep its event loop turning and stop early. Run to
 * completion it returns exactly what `synthesize` returns.
 */
export function* synthesisSteps(
  input: SynthesisInput,
  options: SynthesizeOptions,
): Generator<void, AudioData> {
  const {sampleRate, channels, seed} = options;
  if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 192000) {
    throw new TypeError(`sampleRate must be an integer from 8000 to 192000, got ${sampleRate}`);
  }
  if (channels !== 1 && channels !== 2) throw new TypeError(`channels must be 1 or 2, got ${channels}`);
  if (!Number.isSafeInteger(seed)) throw new TypeError(`seed must be a safe integer, got ${seed}`);
  if (!(options.durationInSeconds >= 0) || !Number.isFinite(options.durationInSeconds)) {
    throw new TypeError(`durationInSeconds must be a finite number ≥ 0, got ${options.durationInSeconds}`);
  }
  if (!(input.fps > 0) || !Number.isFinite(input.fps)) {
    throw new TypeError(`fps must be a positive number, got ${input.fps}`);
  }
  const length = Math.round(options.durationInSeconds * sampleRate);
  const out = Array.from({length: channels}, () => new Float32Array(length));
  const {level, pan, brightness} = frameControls(input.frames);
  const framesPerSample = input.fps / sampleRate;

  // Noise sources: one shared, one per side (stereo mixes 0.8 shared + 0.6 own: same variance).
  const common = createPrng(seed, 0);
  const sides = [createPrng(seed, 1), createPrng(seed, 2)];
  const hpA = onePole(D.noiseHighPassHz, sampleRate);
  const attack = smoothing(D.attackSeconds, sampleRate);
  const release = smoothing(D.releaseSeconds, sampleRate);
  // Slow controls (filter cutoff, pan, pitch, bed level) are updated every BLOCK samples; the motion
  // envelope, which sets the noise loudness, every sample.
  const panSmooth = smoothing(D.panSeconds / BLOCK, sampleRate);
  const glide = smoothing(D.bedGlideSeconds / BLOCK, sampleRate);

  // Per channel: filter states, and the bed's three partials as phasors (cos, sin) rotated each sample
  // (seeded start phases).
  const bedPrng = createPrng(seed, 3);
  const voices = Array.from({length: channels}, (_, ch) => ({
    detune: ch === 0 ? 1 : D.bedDetune,
    lp1: 0,
    lp2: 0,
    hp: 0,
    re: D.bedRatios.map(() => 0),
    im: D.bedRatios.map(() => 0),
  }));
  for (const voice of voices) {
    for (let k = 0; k < 3; k++) {
      const phase = bedPrng() * 2 * Math.PI;
      voice.re[k] = Math.cos(phase);
      voice.im[k] = Math.sin(phase);
    }
  }
  // A seeded slow "breathing" of the bed's level.
  const breathHz = 0.07 + 0.06 * bedPrng();
  const breathPhase = bedPrng() * 2 * Math.PI;
  const bedNorm = D.bedRms / Math.sqrt(D.bedWeights.reduce((sum, w) => sum + (w * w) / 2, 0));
  const [w0, w1, w2] = D.bedWeights;

  let env = interpolate(level, 0, 0);
  let panNow = interpolate(pan, 0, 0);
  let logHz = Math.log2(D.bedBaseHz) + interpolate(brightness, 0, 0.5);
  const envBlock = new Float64Array(BLOCK);
  const commonBlock = new Float64Array(BLOCK);

  for (let start = 0; start < length; start += BLOCK) {
    if (start > 0 && start % STEP_SAMPLES === 0) yield;
    const count = Math.min(length, start + BLOCK) - start;
    const blockPosition = start * framesPerSample;
    panNow += (interpolate(pan, blockPosition, 0) - panNow) * panSmooth;
    logHz += (Math.log2(D.bedBaseHz) + interpolate(brightness, blockPosition, 0.5) - logHz) * glide;
    const a = onePole(D.noiseLowHz * (D.noiseHighHz / D.noiseLowHz) ** env, sampleRate);
    const noiseGain = twoPoleNoiseGain(a) * D.noiseRms;
    const theta = ((panNow * D.panWidth + 1) * Math.PI) / 4;
    const bedLevel =
      bedNorm * (0.8 + 0.2 * Math.sin(2 * Math.PI * breathHz * (start / sampleRate) + breathPhase));
    const f0 = 2 ** logHz;
    for (let i = 0; i < count; i++) {
      const target = interpolate(level, (start + i) * framesPerSample, 0);
      env += (target - env) * (target > env ? attack : release);
      envBlock[i] = env;
      commonBlock[i] = common() * 2 - 1;
    }
    for (let ch = 0; ch < channels; ch++) {
      const voice = voices[ch];
      const side = sides[ch];
      const out0 = out[ch];
      const gain =
        noiseGain * (channels === 1 ? 1 : Math.SQRT2 * (ch === 0 ? Math.cos(theta) : Math.sin(theta)));
      const mono = channels === 1;
      let {lp1, lp2, hp} = voice;
      // Keep the phasors on the unit circle (rounding would otherwise drift their amplitude).
      const [re0, re1, re2] = voice.re;
      const [im0, im1, im2] = voice.im;
      const r0 = 1.5 - 0.5 * (re0 * re0 + im0 * im0);
      const r1 = 1.5 - 0.5 * (re1 * re1 + im1 * im1);
      const r2 = 1.5 - 0.5 * (re2 * re2 + im2 * im2);
      let c0 = re0 * r0;
      let s0 = im0 * r0;
      let c1 = re1 * r1;
      let s1 = im1 * r1;
      let c2 = re2 * r2;
      let s2 = im2 * r2;
      const step = (2 * Math.PI * f0 * voice.detune) / sampleRate;
      const rc0 = Math.cos(step * D.bedRatios[0]);
      const rs0 = Math.sin(step * D.bedRatios[0]);
      const rc1 = Math.cos(step * D.bedRatios[1]);
      const rs1 = Math.sin(step * D.bedRatios[1]);
      const rc2 = Math.cos(step * D.bedRatios[2]);
      const rs2 = Math.sin(step * D.bedRatios[2]);
      for (let i = 0; i < count; i++) {
        const e = envBlock[i];
        const x = mono ? commonBlock[i] : 0.8 * commonBlock[i] + 0.6 * (side() * 2 - 1);
        lp1 += a * (x - lp1);
        lp2 += a * (lp1 - lp2);
        hp += hpA * (lp2 - hp);
        const bed = w0 * s0 + w1 * s1 + w2 * s2;
        out0[start + i] = (lp2 - hp) * gain * e + bed * bedLevel * (1 - D.bedDuck * e);
        let t = c0 * rc0 - s0 * rs0;
        s0 = s0 * rc0 + c0 * rs0;
        c0 = t;
        t = c1 * rc1 - s1 * rs1;
        s1 = s1 * rc1 + c1 * rs1;
        c1 = t;
        t = c2 * rc2 - s2 * rs2;
        s2 = s2 * rc2 + c2 * rs2;
        c2 = t;
      }
      voice.lp1 = lp1;
      voice.lp2 = lp2;
      voice.hp = hp;
      voice.re = [c0, c1, c2];
      voice.im = [s0, s1, s2];
    }
  }

  // Cuts.
  let stream = 16;
  for (let i = 0; i < input.frames.length; i++) {
    const frame = input.frames[i];
    if (!frame.cut) continue;
    const strength = Math.max(D.minCutStrength, Math.min(1, frame.motion / D.fullCutDifference));
    yield;
    addImpact(out, sampleRate, i / input.fps, strength, seed, stream);
    stream += 3;
  }

  for (let start = 0; start < length; start += STEP_SAMPLES) {
    yield;
    const end = Math.min(length, start + STEP_SAMPLES);
    for (const ch of out) {
      for (let n = start; n < end; n++) ch[n] = softClip(ch[n]);
    }
  }
  return {sampleRate, channels: out};
}
