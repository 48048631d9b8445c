import {
  countCharacters,
  DEFAULT_STEPS,
  MAX_NEGATIVE_PROMPT_LENGTH,
  MAX_PROMPT_LENGTH,
  MAX_STEPS,
  MIN_STEPS,
} from '../../contract/limits.ts';
import {QUBICO_MAX_CLIP_SECONDS} from '../../contract/providers.ts';
import {badField as bad, isHttpUrl, loadVideo} from '../load-video.ts';
import type {SubmitInput} from '../task-store.ts';

export const MODEL = 'Qubico/mmaudio';
const PROMPT_MAX = MAX_PROMPT_LENGTH;
const NEGATIVE_PROMPT_MAX = MAX_NEGATIVE_PROMPT_LENGTH;
const MAX_SECONDS = QUBICO_MAX_CLIP_SECONDS;

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Length in characters (code points), as the service counts them. */
const chars = countCharacters;

/**
 * Checks a submit body the way the service does and loads the video (decoding base64 or fetching a URL).
 * Throws an ApiFailure (400, or 413 for a video over `maxVideoBytes`).
 */
export const validateQubicoSubmit = async (
  body: unknown,
  options: {maxVideoBytes: number; videoFetchTimeoutMs: number},
): Promise<SubmitInput> => {
  if (!isObject(body)) throw bad('invalid_request', 'body', 'The request body must be a JSON object.');
  if (body.model !== MODEL) {
    throw bad(
      'invalid_model',
      'model',
      `model must be "${MODEL}", got ${JSON.stringify(body.model ?? null)}.`,
    );
  }
  const input = body.input;
  if (!isObject(input)) throw bad('invalid_request', 'input', 'input must be an object.');

  const prompt = input.prompt;
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    throw bad('invalid_prompt', 'input.prompt', 'input.prompt is required: a non-empty string.');
  }
  if (chars(prompt) > PROMPT_MAX) {
    throw bad(
      'invalid_prompt',
      'input.prompt',
      `input.prompt is ${chars(prompt)} characters; at most ${PROMPT_MAX}.`,
      {
        max_chars: PROMPT_MAX,
      },
    );
  }

  const negative = input.negative_prompt ?? null;
  if (negative !== null && typeof negative !== 'string') {
    throw bad('invalid_negative_prompt', 'input.negative_prompt', 'input.negative_prompt must be a string.');
  }
  if (negative !== null && chars(negative) > NEGATIVE_PROMPT_MAX) {
    throw bad(
      'invalid_negative_prompt',
      'input.negative_prompt',
      `input.negative_prompt is ${chars(negative)} characters; at most ${NEGATIVE_PROMPT_MAX}.`,
      {max_chars: NEGATIVE_PROMPT_MAX},
    );
  }

  const steps = input.steps ?? DEFAULT_STEPS;
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < MIN_STEPS || steps > MAX_STEPS) {
    throw bad(
      'invalid_steps',
      'input.steps',
      `input.steps must be an integer from ${MIN_STEPS} to ${MAX_STEPS}, got ${JSON.stringify(steps)}.`,
    );
  }

  const seed = input.seeds ?? null;
  if (seed !== null && (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0)) {
    throw bad(
      'invalid_seeds',
      'input.seeds',
      `input.seeds must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got ${JSON.stringify(seed)}.`,
    );
  }

  let webhook: SubmitInput['webhook'] = null;
  const config = body.config ?? null;
  if (config !== null) {
    if (!isObject(config)) throw bad('invalid_request', 'config', 'config must be an object.');
    const hook = config.webhook_config ?? null;
    if (hook !== null) {
      if (!isObject(hook) || typeof hook.endpoint !== 'string' || !isHttpUrl(hook.endpoint)) {
        throw bad(
          'invalid_webhook_config',
          'config.webhook_config.endpoint',
          'config.webhook_config.endpoint must be an http(s) URL.',
        );
      }
      if (typeof hook.secret !== 'string' || hook.secret === '') {
        throw bad(
          'invalid_webhook_config',
          'config.webhook_config.secret',
          'config.webhook_config.secret must be a non-empty string.',
        );
      }
      webhook = {endpoint: hook.endpoint, secret: hook.secret};
    }
  }

  const videoField = input.video;
  if (typeof videoField !== 'string' || videoField === '') {
    throw bad('invalid_video', 'input.video', 'input.video is required: an http(s) URL or base64 of an mp4.');
  }
  const loaded = await loadVideo(videoField, {
    field: 'input.video',
    inline: true,
    maxBytes: options.maxVideoBytes,
    timeoutMs: options.videoFetchTimeoutMs,
    maxSeconds: MAX_SECONDS,
  });
  return {
    ...loaded,
    prompt,
    negativePrompt: negative === '' ? null : negative,
    steps,
    seed,
    webhook,
  };
};
