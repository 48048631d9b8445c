import {
  countCharacters,
  MAX_NEGATIVE_PROMPT_LENGTH,
  MAX_PROMPT_LENGTH,
  MAX_STEPS,
  MIN_STEPS,
} from '../../contract/limits.ts';
import {UsageError} from '../../errors.ts';
import type {GenerateAudioOptions} from './generate-audio-options.ts';

/** `prompt`, `negativePrompt`, `steps` and `seed` within the API's limits, else a UsageError naming the flag. */
export const validatePromptOptions = (
  options: Pick<GenerateAudioOptions, 'prompt' | 'negativePrompt' | 'steps' | 'seed'>,
): void => {
  if (options.prompt !== undefined) {
    if (typeof options.prompt !== 'string' || options.prompt.trim().length === 0) {
      throw new UsageError('--prompt must be a non-empty string.');
    }
    const n = countCharacters(options.prompt.trim());
    if (n > MAX_PROMPT_LENGTH) {
      throw new UsageError(`--prompt is ${n} characters; the API accepts at most ${MAX_PROMPT_LENGTH}.`);
    }
  }
  if (options.negativePrompt !== undefined) {
    const n =
      typeof options.negativePrompt === 'string' ? countCharacters(options.negativePrompt.trim()) : -1;
    if (n < 0 || n > MAX_NEGATIVE_PROMPT_LENGTH) {
      throw new UsageError(
        `--negative-prompt must be a string of at most ${MAX_NEGATIVE_PROMPT_LENGTH} characters${n < 0 ? '' : `, got ${n}`}.`,
      );
    }
  }
  if (
    options.steps !== undefined &&
    (!Number.isInteger(options.steps) || options.steps < MIN_STEPS || options.steps > MAX_STEPS)
  ) {
    throw new UsageError(
      `--steps must be an integer from ${MIN_STEPS} to ${MAX_STEPS}, got ${options.steps}.`,
    );
  }
  if (options.seed !== undefined && (!Number.isSafeInteger(options.seed) || options.seed < 0)) {
    throw new UsageError(
      `--seed must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got ${options.seed}.`,
    );
  }
};
