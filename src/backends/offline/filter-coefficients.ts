// The one-pole filter arithmetic the offline sound is built from.

/** One-pole low-pass coefficient for a cutoff frequency. */
export const onePole = (hz: number, sampleRate: number): number =>
  1 - Math.exp((-2 * Math.PI * hz) / sampleRate);

/** Gain that brings uniform noise in [−1, 1] through two identical one-pole low-passes (coefficient a)
 * back to RMS 1: the cascade's output variance is σ²·a⁴(1+p²)/(1−p²)³ with p = 1−a, σ² = 1/3. */
export const twoPoleNoiseGain = (a: number): number => {
  const p = 1 - a;
  const q = 1 - p * p;
  return 1 / Math.sqrt(((a * a * a * a * (1 + p * p)) / (q * q * q)) * (1 / 3));
};

/** Time constant in seconds → per-sample smoothing coefficient. */
export const smoothing = (seconds: number, sampleRate: number): number =>
  1 - Math.exp(-1 / (seconds * sampleRate));
