import {createPrng} from './create-prng.ts';
import {onePole, twoPoleNoiseGain} from './filter-coefficients.ts';
import {BLOCK, soundDesign as D} from './sound-design.ts';

const raisedCosineAttack = (t: number): number =>
  t >= D.impactAttackSeconds ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * t) / D.impactAttackSeconds);

/**
 * Adds the sound of one cut at `cutTime` to the output: a noise swell that rises into the cut, a burst
 * of low-passed noise and a low thump that glides down, all with a raised-cosine attack and exponential
 * decays long enough to end below one 16-bit step.
 */
export const addImpact = (
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
