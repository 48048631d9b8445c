import {readFile} from 'node:fs/promises';
import {writeFileAtomic} from '../media/atomic.ts';
import {decodeWav, encodeWav} from '../wav/wav.ts';

/**
 * Bakes a segment's equal-power crossfade into its audio, sample by sample: over the first `fadeIn`
 * seconds gain = sin(π/2 · t/T), over the last `fadeOut` seconds gain = cos(π/2 · t/T), 1 elsewhere.
 * Two neighbours overlapping by T keep a constant power (sin² + cos² = 1) and each starts and ends at
 * gain 0, so a seam has no step.
 *
 * Why in the file and not in `<Audio volume>`: Remotion applies a volume once per frame, so a ramp over
 * the few frames a short overlap has (a 2 % overlap of a 15 s segment at 10 fps is 3 frames) is a
 * staircase whose steps are audible clicks. Baked, the ramp is smooth at any frame rate; the manifest
 * says `crossfade: "in-audio"` and `<GeneratedAudio />` then leaves the volume alone.
 */
export const crossfadeGains = (frames: number, fadeInSamples: number, fadeOutSamples: number) => {
  return (i: number): number => {
    let g = 1;
    if (fadeInSamples > 0 && i < fadeInSamples) g *= Math.sin(((Math.PI / 2) * (i + 0.5)) / fadeInSamples);
    const intoOut = i - (frames - fadeOutSamples);
    if (fadeOutSamples > 0 && intoOut >= 0) g *= Math.cos(((Math.PI / 2) * (intoOut + 0.5)) / fadeOutSamples);
    return g;
  };
};

export const applyCrossfade = async (options: {
  input: string;
  output: string;
  fadeInSeconds: number;
  fadeOutSeconds: number;
}): Promise<void> => {
  const audio = decodeWav(new Uint8Array(await readFile(options.input)));
  const frames = audio.channels[0]?.length ?? 0;
  const fadeIn = Math.min(frames, Math.round(options.fadeInSeconds * audio.sampleRate));
  const fadeOut = Math.min(frames, Math.round(options.fadeOutSeconds * audio.sampleRate));
  const gain = crossfadeGains(frames, fadeIn, fadeOut);
  const channels = audio.channels.map((ch) => {
    const out = new Float32Array(ch.length);
    for (let i = 0; i < ch.length; i++) {
      out[i] = i < fadeIn || i >= frames - fadeOut ? ch[i] * gain(i) : ch[i];
    }
    return out;
  });
  await writeFileAtomic(options.output, encodeWav({sampleRate: audio.sampleRate, channels}));
};
