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

/** Samples between updates of the slow controls (0.67 ms at 48 kHz). */
export const BLOCK = 32;
