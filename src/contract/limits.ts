/**
 * The model's request limits, one copy for the browser entry, the pipeline, the client and the simulator.
 * Browser-safe: no Node, no zod. The prompt limits live in `prompt-limits.ts`; named here as the props
 * schema names them.
 */
import {countChars, NEGATIVE_PROMPT_MAX_CHARS, PROMPT_MAX_CHARS} from './prompt-limits.ts';

/** Prompt length in characters (Unicode code points, as the service counts them). */
export const MAX_PROMPT_LENGTH = PROMPT_MAX_CHARS;
export const MAX_NEGATIVE_PROMPT_LENGTH = NEGATIVE_PROMPT_MAX_CHARS;
export const MIN_STEPS = 20;
export const MAX_STEPS = 50;
export const DEFAULT_STEPS = 25;
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** Characters as the service counts them: Unicode code points (an emoji is one character). */
export const countCharacters = countChars;
