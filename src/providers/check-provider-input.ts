import {InputValidationError} from '../api/errors.ts';
import {type ValidatedInput, validateInput} from '../api/validate-input.ts';
import type {ProviderFacts} from '../contract/providers.ts';
import type {ProviderInput} from './provider.ts';
import {CLIP_TOLERANCE_SECONDS} from './provider-client-options.ts';

export type CheckedProviderInput = ValidatedInput & {
  /** The video as this host takes it: the URL, or a `data:video/mp4;base64,` URI. */
  videoField: string;
  durationInSeconds: number;
};

const DATA_URI_PREFIX = 'data:video/mp4;base64,';

/**
 * Every rule of the shared model (prompt, negative prompt, steps, seed, an mp4 URL or base64), then the
 * host's own: how it takes the video (a URL only: the `upload` hook is needed), its longest clip, a
 * segment length to send as `duration`. Throws InputValidationError (exit code 2) before any request.
 */
export const checkProviderInput = (facts: ProviderFacts, input: ProviderInput): CheckedProviderInput => {
  const validated = validateInput({
    video: input.video,
    prompt: input.prompt,
    negativePrompt: input.negativePrompt,
    steps: input.steps,
    seed: input.seed,
  });
  const durationInSeconds = input.durationInSeconds;
  const max = facts.maxClipSeconds;
  const limit = max === null ? 'a positive number of seconds' : `at most ${max} s`;
  if (
    typeof durationInSeconds !== 'number' ||
    !Number.isFinite(durationInSeconds) ||
    durationInSeconds <= 0
  ) {
    throw new InputValidationError(
      'video',
      limit,
      `the segment's length must be a positive number of seconds, got ${String(durationInSeconds)}`,
    );
  }
  const longest = Math.max(
    durationInSeconds,
    validated.video.kind === 'base64' ? validated.video.durationInSeconds : 0,
  );
  if (max !== null && longest > max + CLIP_TOLERANCE_SECONDS) {
    throw new InputValidationError(
      'video',
      max,
      `the clip is ${longest.toFixed(2)} s long; ${facts.label} takes at most ${max} s per request ` +
        `(use --max-segment-seconds ${max} or less). Nothing was sent.`,
    );
  }
  if (validated.video.kind === 'base64' && !facts.accepts.inline) {
    throw new InputValidationError(
      'video',
      'an http(s) URL',
      `${facts.label} takes the video as an http(s) URL only, not inline base64: pass an \`upload\` ` +
        'function (upload(file) → URL) that hosts each proxy where the service can fetch it. Nothing was sent.',
    );
  }
  const videoField =
    validated.video.kind === 'url' || input.video.slice(0, 5).toLowerCase() === 'data:'
      ? input.video
      : `${DATA_URI_PREFIX}${input.video}`;
  return {...validated, videoField, durationInSeconds};
};

/** A segment's length as a host's `duration` field: seconds to the millisecond, at least `min`. */
export const durationField = (seconds: number, min = 1): number =>
  Math.max(min, Math.ceil(seconds * 1000) / 1000);
