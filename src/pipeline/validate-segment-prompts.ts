import {countChars, NEGATIVE_PROMPT_MAX_CHARS, PROMPT_MAX_CHARS} from '../contract/prompt-limits.ts';
import {UsageError} from '../errors.ts';
import type {PlannedSegment} from './plan.ts';
import type {SegmentParams} from './segment-params.ts';

const list = (indices: number[]) =>
  `${indices.length === 1 ? 'segment' : 'segments'} ${indices.map((i) => i + 1).join(', ')}`;

/**
 * Checks the (trimmed) prompt of every segment before the frame pass, so bad input stops the run with
 * exit code 2 before anything is rendered or sent, never halfway after other segments were billed.
 * `requirePrompt`: the service needs a prompt (the offline backend does not).
 */
export const validateSegmentPrompts = (
  segments: PlannedSegment[],
  params: SegmentParams[],
  options: {requirePrompt: boolean; compositionId: string},
): void => {
  const where = `pass --prompt, or set mmaudio.prompt (or a scene prompt) in the props of "${options.compositionId}"`;
  if (options.requirePrompt) {
    const missing = segments.filter((s) => !params[s.index].prompt?.trim()).map((s) => s.index);
    if (missing.length > 0) {
      throw new UsageError(
        `No prompt for ${list(missing)} (empty or only whitespace): ${where}. Nothing was sent.`,
      );
    }
  }
  const long = segments.filter((s) => countChars(params[s.index].prompt ?? '') > PROMPT_MAX_CHARS);
  if (long.length > 0) {
    const n = countChars(params[long[0].index].prompt ?? '');
    throw new UsageError(
      `The prompt of ${list(long.map((s) => s.index))} is ${n} characters; the API accepts at most ${PROMPT_MAX_CHARS}. Nothing was sent.`,
    );
  }
  const longNegative = segments.filter(
    (s) => countChars(params[s.index].negativePrompt ?? '') > NEGATIVE_PROMPT_MAX_CHARS,
  );
  if (longNegative.length > 0) {
    const n = countChars(params[longNegative[0].index].negativePrompt ?? '');
    throw new UsageError(
      `The negative prompt of ${list(longNegative.map((s) => s.index))} is ${n} characters; the API accepts at most ${NEGATIVE_PROMPT_MAX_CHARS}. Nothing was sent.`,
    );
  }
};
