import {countChars} from '../contract/prompt-limits.ts';
import {InputValidationError} from './errors.ts';
import {Mp4Error, readMp4Info} from './mp4.ts';
import {
  type InferenceRequest,
  type MmaudioInput,
  NEGATIVE_PROMPT_MAX_CHARS,
  PROMPT_MAX_CHARS,
  SEED_MAX,
  STEPS_DEFAULT,
  STEPS_MAX,
  STEPS_MIN,
  VIDEO_MAX_SECONDS,
} from './schema.ts';

/**
 * Containers round durations (an mvhd at timescale 1000, an edit list, a last frame of 1/25 s): a proxy
 * cut to exactly 60 s can read as 60.04 s. Accept up to 0.1 s over the limit rather than refuse it.
 */
export const VIDEO_DURATION_TOLERANCE_SECONDS = 0.1;

export type ValidatedInput = {
  /** The request body's `input`, exactly as it will be sent. */
  body: InferenceRequest['input'];
  prompt: string;
  negativePrompt: string | null;
  steps: number;
  seed: number | null;
  video:
    | {kind: 'url'; url: string}
    | {kind: 'base64'; bytes: number; durationInSeconds: number; majorBrand: string};
};

const DATA_URI_PREFIX = 'data:video/mp4;base64,';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const charCount = countChars;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const validatePrompt = (prompt: unknown): string => {
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    throw new InputValidationError(
      'prompt',
      PROMPT_MAX_CHARS,
      `prompt is required: give a non-empty description of the sound (at most ${PROMPT_MAX_CHARS} characters)`,
    );
  }
  const n = charCount(prompt);
  if (n > PROMPT_MAX_CHARS) {
    throw new InputValidationError(
      'prompt',
      PROMPT_MAX_CHARS,
      `prompt is ${plural(n, 'character')}; the API accepts at most ${PROMPT_MAX_CHARS}`,
    );
  }
  return prompt;
};

const validateNegativePrompt = (value: unknown): string | null => {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') {
    throw new InputValidationError(
      'negative_prompt',
      NEGATIVE_PROMPT_MAX_CHARS,
      `negative_prompt must be a string of at most ${NEGATIVE_PROMPT_MAX_CHARS} characters`,
    );
  }
  const n = charCount(value);
  if (n > NEGATIVE_PROMPT_MAX_CHARS) {
    throw new InputValidationError(
      'negative_prompt',
      NEGATIVE_PROMPT_MAX_CHARS,
      `negative_prompt is ${plural(n, 'character')}; the API accepts at most ${NEGATIVE_PROMPT_MAX_CHARS}`,
    );
  }
  return value;
};

const validateSteps = (value: unknown): number => {
  if (value === undefined || value === null) return STEPS_DEFAULT;
  const range = `${STEPS_MIN}–${STEPS_MAX}`;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < STEPS_MIN || value > STEPS_MAX) {
    throw new InputValidationError(
      'steps',
      range,
      `steps is ${typeof value === 'number' ? value : JSON.stringify(value)}; the API accepts an integer ` +
        `from ${STEPS_MIN} to ${STEPS_MAX} (default ${STEPS_DEFAULT})`,
    );
  }
  return value;
};

const validateSeed = (value: unknown): number | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InputValidationError(
      'seeds',
      `0–${SEED_MAX}`,
      `seed is ${typeof value === 'number' ? value : JSON.stringify(value)}; the API accepts an integer ` +
        `from 0 to ${SEED_MAX} (2^53−1)`,
    );
  }
  return value;
};

const isHttpUrl = (value: string): boolean => {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
};

const videoLimit = `an http(s) URL or base64 of an mp4 of at most ${VIDEO_MAX_SECONDS} s`;

const validateVideo = (value: unknown): ValidatedInput['video'] => {
  if (typeof value !== 'string' || value === '') {
    throw new InputValidationError('video', videoLimit, `video is missing; the API accepts ${videoLimit}`);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    if (!isHttpUrl(value)) {
      const scheme = value.slice(0, value.indexOf(':'));
      throw new InputValidationError(
        'video',
        videoLimit,
        `video is a ${scheme}: URL; the API accepts ${videoLimit} (host the file over http(s) or send it inline)`,
      );
    }
    return {kind: 'url', url: value};
  }
  let base64 = value;
  if (value.slice(0, 5).toLowerCase() === 'data:') {
    if (value.slice(0, DATA_URI_PREFIX.length).toLowerCase() !== DATA_URI_PREFIX) {
      throw new InputValidationError(
        'video',
        videoLimit,
        `video is a data URI of another type (${value.slice(0, Math.min(value.indexOf(',') + 1 || 40, 40))}); ` +
          `the API accepts ${videoLimit}, as a data:video/mp4;base64, URI`,
      );
    }
    base64 = value.slice(DATA_URI_PREFIX.length);
  }
  if (base64.length % 4 === 1 || !BASE64.test(base64)) {
    throw new InputValidationError(
      'video',
      videoLimit,
      `video is neither an http(s) URL nor valid base64; the API accepts ${videoLimit}`,
    );
  }
  const bytes = Buffer.from(base64, 'base64');
  let info: {majorBrand: string; durationInSeconds: number};
  try {
    info = readMp4Info(bytes);
  } catch (err) {
    if (!(err instanceof Mp4Error)) throw err;
    throw new InputValidationError(
      'video',
      videoLimit,
      `video (base64, ${bytes.length} bytes) is not a usable mp4: ${err.message}; the API accepts ${videoLimit}`,
      {cause: err},
    );
  }
  if (info.durationInSeconds > VIDEO_MAX_SECONDS + VIDEO_DURATION_TOLERANCE_SECONDS) {
    throw new InputValidationError(
      'video',
      VIDEO_MAX_SECONDS,
      `video is ${info.durationInSeconds.toFixed(2)} s long; the API accepts at most ${VIDEO_MAX_SECONDS} s ` +
        'per request (use a shorter --max-segment-seconds)',
    );
  }
  return {
    kind: 'base64',
    bytes: bytes.length,
    durationInSeconds: info.durationInSeconds,
    majorBrand: info.majorBrand,
  };
};

/**
 * Checks an input against every rule the API documents, so that a request the service would refuse is
 * never sent (and never counted against the quota). Throws InputValidationError (exit code 2) naming
 * the field and the limit.
 */
export const validateInput = (input: MmaudioInput): ValidatedInput => {
  if (typeof input !== 'object' || input === null) {
    throw new TypeError('validateInput expects an object {video, prompt, negativePrompt?, steps?, seed?}');
  }
  const prompt = validatePrompt(input.prompt);
  const negativePrompt = validateNegativePrompt(input.negativePrompt);
  const steps = validateSteps(input.steps);
  const seed = validateSeed(input.seed);
  const video = validateVideo(input.video);
  const body: InferenceRequest['input'] = {video: input.video, prompt, steps};
  if (negativePrompt !== null) body.negative_prompt = negativePrompt;
  if (seed !== null) body.seeds = seed;
  return {body, prompt, negativePrompt, steps, seed, video};
};
