import {
  countCharacters,
  DEFAULT_STEPS,
  MAX_NEGATIVE_PROMPT_LENGTH,
  MAX_PROMPT_LENGTH,
  MAX_STEPS,
  MIN_STEPS,
} from '../../contract/limits.ts';
import {PROVIDERS} from '../../contract/providers.ts';
import {badField, isHttpUrl, loadVideo} from '../load-video.ts';
import type {SubmitInput} from '../task-store.ts';
import {optionalNumber, optionalString} from './fields.ts';
import {isObject, MODEL} from './qubico-input.ts';

export const PIAPI_TASK_TYPE = 'video2audio';

/** What PiAPI echoes back as the task's `input` (a video sent inline is not echoed). */
export type PiapiEcho = Record<string, unknown>;

/**
 * PiAPI's body: `{model: "Qubico/mmaudio", task_type: "video2audio", input: {prompt, negative_prompt?, video,
 * steps?, seed?}, config?: {webhook_config: {endpoint, secret}}}`. The video is an mp4 URL or a
 * `data:video/mp4;base64,` URL, at most the host's max clip length. Throws 400s naming the field.
 */
export const validatePiapiSubmit = async (
  body: unknown,
  options: {maxVideoBytes: number; videoFetchTimeoutMs: number},
): Promise<{input: SubmitInput; echo: PiapiEcho}> => {
  if (!isObject(body)) throw badField('invalid_request', 'body', 'The request body must be a JSON object.');
  if (body.model !== MODEL) {
    throw badField(
      'invalid_model',
      'model',
      `model must be "${MODEL}", got ${JSON.stringify(body.model ?? null)}.`,
    );
  }
  if (body.task_type !== PIAPI_TASK_TYPE) {
    throw badField(
      'invalid_task_type',
      'task_type',
      `task_type must be "${PIAPI_TASK_TYPE}", got ${JSON.stringify(body.task_type ?? null)}.`,
    );
  }
  const input = body.input;
  if (!isObject(input)) throw badField('invalid_request', 'input', 'input must be an object.');
  const prompt = optionalString(input.prompt, 'input.prompt', '');
  if (prompt.trim() === '') throw badField('invalid_prompt', 'input.prompt', 'input.prompt is required.');
  if (countCharacters(prompt) > MAX_PROMPT_LENGTH) {
    throw badField(
      'invalid_prompt',
      'input.prompt',
      `input.prompt is longer than ${MAX_PROMPT_LENGTH} characters.`,
    );
  }
  const negative = optionalString(input.negative_prompt, 'input.negative_prompt', '');
  if (countCharacters(negative) > MAX_NEGATIVE_PROMPT_LENGTH) {
    throw badField(
      'invalid_negative_prompt',
      'input.negative_prompt',
      `input.negative_prompt is longer than ${MAX_NEGATIVE_PROMPT_LENGTH} characters.`,
    );
  }
  const steps = optionalNumber(input.steps, 'input.steps', DEFAULT_STEPS, {
    min: MIN_STEPS,
    max: MAX_STEPS,
    integer: true,
  });
  const seed =
    input.seed === undefined || input.seed === null
      ? null
      : optionalNumber(input.seed, 'input.seed', 0, {min: 0, max: Number.MAX_SAFE_INTEGER, integer: true});

  let webhook: SubmitInput['webhook'] = null;
  const hook = isObject(body.config) ? body.config.webhook_config : undefined;
  if (body.config !== undefined && body.config !== null && !isObject(body.config)) {
    throw badField('invalid_request', 'config', 'config must be an object.');
  }
  if (hook !== undefined && hook !== null) {
    if (!isObject(hook) || typeof hook.endpoint !== 'string' || !isHttpUrl(hook.endpoint)) {
      throw badField(
        'invalid_webhook_config',
        'config.webhook_config.endpoint',
        'config.webhook_config.endpoint must be an http(s) URL.',
      );
    }
    webhook = {
      endpoint: hook.endpoint,
      secret: optionalString(hook.secret, 'config.webhook_config.secret', ''),
    };
  }

  const video = input.video;
  if (typeof video !== 'string' || video === '') {
    throw badField('invalid_video', 'input.video', 'input.video is required: an mp4 URL.');
  }
  if (!/^(https?:|data:)/i.test(video)) {
    throw badField(
      'invalid_video',
      'input.video',
      'input.video must be an mp4 URL (or a data:video/mp4;base64, URL).',
    );
  }
  const loaded = await loadVideo(video, {
    field: 'input.video',
    inline: true,
    maxBytes: options.maxVideoBytes,
    timeoutMs: options.videoFetchTimeoutMs,
    maxSeconds: PROVIDERS.piapi.maxClipSeconds,
  });
  const echo: PiapiEcho = {
    prompt,
    negative_prompt: negative,
    ...(/^https?:/i.test(video) ? {video} : {}),
    steps,
    ...(seed === null ? {} : {seed}),
  };
  return {
    input: {...loaded, prompt, negativePrompt: negative === '' ? null : negative, steps, seed, webhook},
    echo,
  };
};
