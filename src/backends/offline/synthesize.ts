import type {AudioData} from '../../wav/wav.ts';
import type {FrameFeatures} from './analyze-frames.ts';
import {createPrng} from './create-prng.ts';

/**
 * The numbers behind the offline sound. Exported so that tests can derive their bounds from the design
 * instead of repeating magic numbers.
 */
export const soundDesign = {
  /** Motion energy (mean absolute frame difference) at and below which nothing moves: codec noise. */
  motionFloor: 0.0006,
  /** Motion energy that gives the full noise level; in between the level follows log(motion). */
  motionFull: 0.06,
  /** RMS of the motion noise at full level (−17 dBFS). */
  noiseRms: 0.14,
  /** Cutoff of the motion noise's two-pole low-pass: from `noiseLowHz` (still) to `noiseHighHz` (full). */
  noiseLowHz: 400,
  noiseHighHz: 3600,
  /** Cutoff of the one-pole high-pass after it (keeps rumble out). */
  noiseHighPassHz: 120,
  /** Envelope follower of the motion level: fast attack, slower release, in seconds. */
  attackSeconds: 0.012,
  releaseSeconds: 0.15,
  /** Motion pans the noise up to this far from the centre (1 = hard left/right), smoothed over panSeconds. */
  panWidth: 0.6,
  panSeconds: 0.08,
  /** RMS of the tonal bed under a still picture (−36.5 dBFS): quiet, not silent. */
  bedRms: 0.015,
  /** How much the bed ducks under full motion (0.6 = to 40 %). */
  bedDuck: 0.6,
  /** Bed fundamental: `bedBaseHz` for a black picture, one octave up for a white one. */
  bedBaseHz: 110,
  bedRatios: [1, 1.5, 2],
  bedWeights: [1, 0.45, 0.25],
  /** The right channel's bed is detuned by this ratio (slow beating, a little width). */
  bedDetune: 1.003,
  /** Glide time of the bed's pitch when the brightness changes, in seconds. */
  bedGlideSeconds: 0.35,
  /** Peak amplitude of the low thump on a cut of full strength; it glides from 120 Hz down to 45 Hz. */
  thumpPeak: 0.35,
  thumpStartHz: 120,
  thumpEndHz: 45,
  thumpGlideSeconds: 0.05,
  thumpDecaySeconds: 0.25,
  /** RMS of the noise burst on a cut of full strength, its low-pass, and its decay. */
  burstRms: 0.15,
  burstLowPassHz: 2200,
  burstDecaySeconds: 0.1,
  /** The swell: the burst rises over this long before the cut to half its peak. */
  swellSeconds: 0.4,
  /** Raised-cosine attack of every cut sound. */
  impactAttackSeconds: 0.004,
  /** Frame difference of a cut that gives full strength; weaker cuts scale down to `minCutStrength`. */
  fullCutDifference: 0.25,
  minCutStrength: 0.35,
  /** Soft clipper: linear below `clipKnee`, never reaching `ceiling` (−1.11 dBFS, under −1 dBFS). */
  clipKnee: 0.6,
  ceiling: 0.88,
} as const;

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

const D = soundDesign;

/** Samples between updates of the slow controls (0.67 ms at 48 kHz). */
const BLOCK = 32;

/** Samples between the pauses of `synthesisSteps` (a multiple of BLOCK; 1 s at 48 kHz). */
const STEP_SAMPLES = BLOCK * 1500;

/** Motion energy → noise level 0–1, logarithmic between `motionFloor` and `motionFull`. */
export const motionLevel = (motion: number): number => {
  if (!(motion > D.motionFloor)) return 0;
  return Math.min(1, Math.log(motion / D.motionFloor) / Math.log(D.motionFull / D.motionFloor));
};

/** Soft clipper: identity up to the knee, then a tanh curve that approaches but never reaches the ceiling.
 * Its slope is at most 1, so it never makes a step between two samples larger. */
export const softClip = (x: number): number => {
  const a = Math.abs(x);
  if (a <= D.clipKnee) return x;
  const room = D.ceiling - D.clipKnee;
  const y = D.clipKnee + room * Math.tanh((a - D.clipKnee) / room);
  return x < 0 ? -y : y;
};

/** One-pole low-pass coefficient for a cutoff frequency. */
const onePole = (hz: number, sampleRate: number): number => 1 - Math.exp((-2 * Math.PI * hz) / sampleRate);

/** Gain that brings uniform noise in [−1, 1] through two identical one-pole low-passes (coefficient a)
 * back to RMS 1: the cascade's output variance is σ²·a⁴(1+p²)/(1−p²)³ with p = 1−a, σ² = 1/3. */
const twoPoleNoiseGain = (a: number): number => {
  const p = 1 - a;
  const q = 1 - p * p;
  return 1 / Math.sqrt(((a * a * a * a * (1 + p * p)) / (q * q * q)) * (1 / 3));
};

/** Time constant in seconds → per-sample smoothing coefficient. */
const smoothing = (seconds: number, sampleRate: number): number => 1 - Math.exp(-1 / (seconds * sampleRate));

const raisedCosineAttack = (t: number): number =>
  t >= D.impactAttackSeconds ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * t) / D.impactAttackSeconds);

/**
 * Per-frame control values, with cut frames (whose huge difference belongs to the impact, not to motion)
 * and the first frame (which has no previous frame to differ from) taking their neighbour's values.
 */
const frameControls = (frames: SynthesisInput['frames']) => {
  const n = frames.length;
  const level = new Float64Array(n);
  const pan = new Float64Array(n);
  const brightness = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    brightness[i] = frames[i].brightness;
    if (i > 0 && !frames[i].cut) {
      level[i] = motionLevel(frames[i].motion);
      pan[i] = Math.max(-1, Math.min(1, frames[i].motionPan));
    } else if (i > 0) {
      level[i] = level[i - 1];
      pan[i] = pan[i - 1];
    }
  }
  if (n > 1 && !frames[1].cut) {
    level[0] = level[1];
    pan[0] = pan[1];
  }
  return {level, pan, brightness};
};

/** Linear interpolation of per-frame values at a fractional frame position, holding the ends. */
const interpolate = (values: Float64Array, position: number, fallback: number): number => {
  const n = values.length;
  if (n === 0) return fallback;
  if (position <= 0) return values[0];
  const i = Math.floor(position);
  if (i >= n - 1) return values[n - 1];
  const f = position - i;
  return values[i] + (values[i + 1] - values[i]) * f;
};

/**
 * Adds the sound of one cut at `cutTime` to the output: a noise swell that rises into the cut, a burst
 * of low-passed noise and a low thump that glides down, all with a raised-cosine attack and exponential
 * decays long enough to end below one 16-bit step.
 */
const addImpact = (
  out: Float32Array[],
  sampleRate: number,
  cutTime: number,
  strength: number,
  seed: number,
  stream: number,
) => {
  const total = out[0].length;
  const first = Math.max(0, Math.ceil((cutTime - D.swellSeconds) * sampleRate));
  const onset = Math.max(0, Math.ceil(cutTime * sampleRate));
  const burstEnd = Math.min(total, Math.ceil((cutTime + 10 * D.burstDecaySeconds) * sampleRate));
  const last = Math.min(total, Math.ceil((cutTime + 10 * D.thumpDecaySeconds) * sampleRate));
  if (first >= last) return;
  const common = createPrng(seed, stream);
  const sides = [createPrng(seed, stream + 1), createPrng(seed, stream + 2)];
  const a = onePole(D.burstLowPassHz, sampleRate);
  const burstGain = twoPoleNoiseGain(a) * D.burstRms * strength;
  const lp1 = [0, 0];
  const lp2 = [0, 0];
  // Decays run as per-sample products; the thump's glide is updated every BLOCK samples (its phase
  // stays continuous, it is a phasor).
  const thumpStep = Math.exp(-1 / (D.thumpDecaySeconds * sampleRate));
  const burstStep = Math.exp(-1 / (D.burstDecaySeconds * sampleRate));
  const onsetT = onset / sampleRate - cutTime;
  let thumpDecay = Math.exp(-onsetT / D.thumpDecaySeconds);
  let burstDecay = Math.exp(-onsetT / D.burstDecaySeconds);
  let cos = 1;
  let sin = 0;
  let rotCos = 1;
  let rotSin = 0;
  const thumpPeak = D.thumpPeak * strength;
  for (let n = first; n < last; n++) {
    const t = n / sampleRate - cutTime;
    let sample = 0;
    if (n >= onset) {
      if ((n - onset) % BLOCK === 0) {
        const hz = D.thumpEndHz + (D.thumpStartHz - D.thumpEndHz) * Math.exp(-t / D.thumpGlideSeconds);
        rotCos = Math.cos((2 * Math.PI * hz) / sampleRate);
        rotSin = Math.sin((2 * Math.PI * hz) / sampleRate);
      }
      sample = thumpPeak * raisedCosineAttack(t) * thumpDecay * sin;
      const next = cos * rotCos - sin * rotSin;
      sin = sin * rotCos + cos * rotSin;
      cos = next;
      thumpDecay *= thumpStep;
    }
    if (n >= burstEnd) {
      for (let ch = 0; ch < out.length; ch++) out[ch][n] += sample;
      continue;
    }
    let env: number;
    if (n < onset) {
      const r = (t + D.swellSeconds) / D.swellSeconds;
      env = 0.5 * r * r;
    } else {
      env = (0.5 + 0.5 * raisedCosineAttack(t)) * burstDecay;
      burstDecay *= burstStep;
    }
    const c = common() * 2 - 1;
    for (let ch = 0; ch < out.length; ch++) {
      const x = out.length === 1 ? c : 0.8 * c + 0.6 * (sides[ch]() * 2 - 1);
      lp1[ch] += a * (x - lp1[ch]);
      lp2[ch] += a * (lp1[ch] - lp2[ch]);
      out[ch][n] += sample + lp2[ch] * burstGain * env;
    }
  }
};

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
