import {PIPELINE_MAX_SEGMENT_SECONDS} from '../contract/providers.ts';
import type {WavFormat} from '../wav/wav.ts';

/** Sample rates a result may have; anything else is refused before it is decoded or resampled. */
export const MIN_RESULT_SAMPLE_RATE = 8000;
export const MAX_RESULT_SAMPLE_RATE = 192_000;

/** The largest legitimate result per second of segment: 48 kHz × 2 channels × 32-bit samples. */
const LARGEST_WAV_BYTES_PER_SECOND = 48_000 * 2 * 4;
/** Results may be longer than the segment (DESIGN.md): room for twice its length… */
const SIZE_FACTOR = 2;
/** …plus headers and extra chunks (LIST, bext) of a few kB, with a wide margin. */
const SLACK_BYTES = 1024 * 1024;
/** A result longer than this many times its segment (or 10 s past it, whichever is more) is refused. */
const DURATION_FACTOR = 2;
const DURATION_SLACK_SECONDS = 10;

/** The API's longest segment: the limits of a download whose segment length is not known. */
export const MAX_SEGMENT_SECONDS_FOR_LIMITS = PIPELINE_MAX_SEGMENT_SECONDS;

/** Largest task object (JSON) read from the API: a task with a few result URLs is a few kB. */
export const MAX_TASK_JSON_BYTES = 1024 * 1024;

export type ResultLimits = {
  /** Bytes a result may have (content-length and counted while streaming). */
  maxBytes: number;
  /** Seconds of audio a result may hold. */
  maxDurationSeconds: number;
};

/**
 * What a result for a segment of `durationInSeconds` may be. A 60 s segment: 47 083 520 bytes
 * (2 × 60 s of 48 kHz stereo 32-bit, plus 1 MiB) and 120 s.
 */
export const resultLimitsFor = (durationInSeconds: number): ResultLimits => {
  const seconds =
    Number.isFinite(durationInSeconds) && durationInSeconds > 0
      ? durationInSeconds
      : MAX_SEGMENT_SECONDS_FOR_LIMITS;
  return {
    maxBytes: Math.ceil(LARGEST_WAV_BYTES_PER_SECOND * seconds * SIZE_FACTOR) + SLACK_BYTES,
    maxDurationSeconds: Math.max(seconds * DURATION_FACTOR, seconds + DURATION_SLACK_SECONDS),
  };
};

/** Why a wav of this format cannot be a segment's result, or null when it may be. */
export const rejectResultFormat = (format: WavFormat, limits: ResultLimits): string | null => {
  if (format.sampleRate < MIN_RESULT_SAMPLE_RATE || format.sampleRate > MAX_RESULT_SAMPLE_RATE) {
    return `its header claims ${format.sampleRate} Hz, outside ${MIN_RESULT_SAMPLE_RATE}–${MAX_RESULT_SAMPLE_RATE} Hz`;
  }
  const seconds = format.frames / format.sampleRate;
  if (seconds > limits.maxDurationSeconds) {
    return `it holds ${seconds.toFixed(1)} s of audio, more than the ${limits.maxDurationSeconds} s accepted for this segment`;
  }
  return null;
};
