import {readFile, rm} from 'node:fs/promises';
import {ResultRejectedError} from '../api/errors.ts';
import {rejectResultFormat, resultLimitsFor} from '../api/result-limits.ts';
import {tempPathFor, writeFileAtomic} from '../media/atomic.ts';
import {runFf} from '../media/ffmpeg.ts';
import {decodeWav, encodeWav, parseWavHeader} from '../wav/wav.ts';

/** Remotion mixes at 48 kHz: segment wavs are stored at that rate so no resampling happens at render. */
export const OUTPUT_SAMPLE_RATE = 48_000;

/**
 * Where a short result is padded with silence, its last 10 ms fade out first (a raised-cosine ramp), as a
 * seam fades: a tone that stops dead is a click.
 */
export const PAD_FADE_SAMPLES = 480;

export type NormalizedAudio = {
  sampleRate: number;
  channels: number;
  frames: number;
  /** What was changed, in words, for `--log verbose`. Empty when the result already fit. */
  adjustments: string[];
};

const describe = (sampleRate: number, channels: number) =>
  `${sampleRate % 1000 === 0 ? sampleRate / 1000 : (sampleRate / 1000).toFixed(1)} kHz ${channels === 1 ? 'mono' : channels === 2 ? 'stereo' : `${channels} channels`}`;

/**
 * Makes a returned wav fit its segment exactly: 48 kHz, mono or stereo (more channels are folded to
 * stereo), exactly round(duration × 48000) samples — trimmed when the service returned more, padded with
 * silence when it returned less. Results may not match the request (DESIGN.md); this is where that stops.
 */
export const normalizeSegmentAudio = async (options: {
  input: string;
  output: string;
  durationInSeconds: number;
  signal?: AbortSignal;
}): Promise<NormalizedAudio> => {
  const adjustments: string[] = [];
  const original = parseWavHeader(new Uint8Array(await readFile(options.input)));
  // Before any decoding or resampling: a header claiming 1 Hz, or hours of audio, would be blown up by
  // the resampler into a file thousands of times its size.
  const rejected = rejectResultFormat(original, resultLimitsFor(options.durationInSeconds));
  if (rejected) throw new ResultRejectedError(`for this segment (${options.input})`, rejected);
  let source = options.input;
  let resampled: string | null = null;
  const targetChannels = Math.min(2, original.channels);
  try {
    if (original.sampleRate !== OUTPUT_SAMPLE_RATE || original.channels > 2) {
      resampled = tempPathFor(options.output);
      await runFf(
        'ffmpeg',
        [
          '-y',
          '-i',
          options.input,
          // Never more than the segment (and a little): the rest would be trimmed anyway.
          '-t',
          String(options.durationInSeconds + 0.1),
          '-af',
          `aresample=${OUTPUT_SAMPLE_RATE}`,
          '-ac',
          String(targetChannels),
          '-c:a',
          'pcm_s16le',
          '-f',
          'wav',
          resampled,
        ],
        {signal: options.signal},
      );
      adjustments.push(
        `resampled ${describe(original.sampleRate, original.channels)} to ${describe(OUTPUT_SAMPLE_RATE, targetChannels)}`,
      );
      source = resampled;
    }
    const audio = decodeWav(new Uint8Array(await readFile(source)));
    const want = Math.round(options.durationInSeconds * OUTPUT_SAMPLE_RATE);
    const have = audio.channels[0]?.length ?? 0;
    const originalSeconds = original.frames / original.sampleRate;
    if (have > want) {
      adjustments.push(
        `trimmed ${(originalSeconds - options.durationInSeconds).toFixed(3)} s (result was ${originalSeconds.toFixed(3)} s, segment ${options.durationInSeconds.toFixed(3)} s)`,
      );
    } else if (have < want) {
      adjustments.push(
        `padded ${(options.durationInSeconds - originalSeconds).toFixed(3)} s of silence after a 10 ms fade-out (result was ${originalSeconds.toFixed(3)} s, segment ${options.durationInSeconds.toFixed(3)} s)`,
      );
    }
    const fade = have < want ? Math.min(PAD_FADE_SAMPLES, have) : 0;
    const channels = audio.channels.map((ch) => {
      const out = new Float32Array(want);
      out.set(ch.subarray(0, Math.min(want, ch.length)));
      for (let i = 0; i < fade; i++) {
        // Gain from just under 1 to just over 0 across the last `fade` samples before the silence.
        out[have - fade + i] *= 0.5 * (1 + Math.cos((Math.PI * (i + 0.5)) / fade));
      }
      return out;
    });
    await writeFileAtomic(options.output, encodeWav({sampleRate: OUTPUT_SAMPLE_RATE, channels}));
    return {sampleRate: OUTPUT_SAMPLE_RATE, channels: channels.length, frames: want, adjustments};
  } finally {
    if (resampled) await rm(resampled, {force: true});
  }
};
