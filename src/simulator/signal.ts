import {createHash} from 'node:crypto';
import type {AudioData} from '../wav/wav.ts';

export type SimulatedSignalOptions = {
  /** Hex sha256 of the uploaded video bytes. */
  videoSha256: string;
  prompt: string;
  seed: number;
  durationInSeconds: number;
  sampleRate: number;
  channels: number;
  /** Which result of a task: 0 for the first (default), n for the (n+1)-th. */
  variant?: number;
  /**
   * Length over which the chirp sweeps from its start to its end frequency. Default `durationInSeconds`.
   * The simulator passes the video's length here, so a result made longer or shorter than the video is the
   * same chirp continued or cut short.
   */
  sweepSeconds?: number;
};

/** Amplitude of the simulated signal (no fades, constant). */
export const SIMULATED_AMPLITUDE = 0.25;

/**
 * The two ends of the chirp, derived from sha256 of the video hash, prompt, seed and variant: one end in
 * 200–800 Hz, the other in 1400–2000 Hz, the direction (up or down) from the hash too. The sweep is always
 * at least 600 Hz wide, so a segment has one sharp cross-correlation peak where it landed.
 */
export const chirpFrequencies = (
  options: Pick<SimulatedSignalOptions, 'videoSha256' | 'prompt' | 'seed' | 'variant'>,
): {startHz: number; endHz: number} => {
  const digest = createHash('sha256')
    .update(`${options.videoSha256}\n${options.prompt}\n${options.seed}\n${options.variant ?? 0}`)
    .digest();
  const low = 200 + 600 * (digest.readUInt32BE(0) / 2 ** 32);
  const high = 1400 + 600 * (digest.readUInt32BE(4) / 2 ** 32);
  return digest[8] & 1 ? {startHz: high, endHz: low} : {startHz: low, endHz: high};
};

/**
 * The audio the simulator returns for a task: a linear chirp between the frequencies of
 * `chirpFrequencies`, amplitude 0.25, identical in every channel, no fades.
 * `round(durationInSeconds × sampleRate)` frames. Deterministic: tests compute the expected result with it.
 */
export const simulatedSignal = (options: SimulatedSignalOptions): AudioData => {
  const {sampleRate, channels} = options;
  const frames = Math.max(0, Math.round(options.durationInSeconds * sampleRate));
  const sweep = options.sweepSeconds ?? options.durationInSeconds;
  const {startHz, endHz} = chirpFrequencies(options);
  const rate = sweep > 0 ? (endHz - startHz) / sweep : 0;
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    const t = i / sampleRate;
    samples[i] = SIMULATED_AMPLITUDE * Math.sin(2 * Math.PI * (startHz * t + 0.5 * rate * t * t));
  }
  return {
    sampleRate,
    channels: Array.from({length: channels}, (_, c) => (c === 0 ? samples : samples.slice())),
  };
};
