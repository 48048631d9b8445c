import {createHash} from 'node:crypto';
import {looksLikeMp4, Mp4Error, readMp4Info} from '../api/mp4.ts';
import {
  countCharacters,
  DEFAULT_STEPS,
  MAX_NEGATIVE_PROMPT_LENGTH,
  MAX_PROMPT_LENGTH,
  MAX_STEPS,
  MIN_STEPS,
} from '../contract/limits.ts';
import {QUBICO_MAX_CLIP_SECONDS} from '../contract/providers.ts';
import {ApiFailure} from './http-reply.ts';

export const MODEL = 'Qubico/mmaudio';
const PROMPT_MAX = MAX_PROMPT_LENGTH;
const NEGATIVE_PROMPT_MAX = MAX_NEGATIVE_PROMPT_LENGTH;
const MAX_SECONDS = QUBICO_MAX_CLIP_SECONDS;
const DURATION_TOLERANCE_SECONDS = 0.1;

export type SubmitInput = {
  video: Uint8Array;
  videoSha256: string;
  durationInSeconds: number;
  prompt: string;
  negativePrompt: string | null;
  steps: number;
  /** null when none was sent. */
  seed: number | null;
  webhook: {endpoint: string; secret: string} | null;
};

const bad = (code: string, field: string, message: string, details: Record<string, unknown> = {}) =>
  new ApiFailure(400, code, message, {field, ...details});

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Length in characters (code points), as the service counts them. */
const chars = countCharacters;

const isHttpUrl = (s: string): boolean => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};

export const videoTooLarge = (bytes: number, maxBytes: number) =>
  new ApiFailure(
    413,
    'video_too_large',
    `The video is ${bytes} bytes; the most this service accepts is ${maxBytes} bytes. Send a smaller proxy.`,
    {max_video_bytes: maxBytes, video_bytes: bytes},
  );

const fetchVideo = async (url: string, maxBytes: number, timeoutMs: number): Promise<Uint8Array> => {
  const shown = (() => {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  })();
  const failed = (reason: string) =>
    bad('video_fetch_failed', 'input.video', `Could not fetch the video from ${shown}: ${reason}`);
  let response: Response;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    response = await fetch(url, {signal, redirect: 'follow'});
  } catch (err) {
    throw failed(signal.aborted ? `no answer within ${timeoutMs} ms` : (err as Error).message);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw failed(`HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body.cancel().catch(() => undefined);
    throw videoTooLarge(declared, maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const {done, value} = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw videoTooLarge(total, maxBytes);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof ApiFailure) throw err;
    throw failed(signal.aborted ? `no complete answer within ${timeoutMs} ms` : (err as Error).message);
  }
  return Buffer.concat(chunks);
};

const decodeBase64Video = (text: string, maxBytes: number): Uint8Array => {
  let payload = text;
  if (/^data:/i.test(payload)) {
    const match = /^data:video\/mp4;base64,/i.exec(payload);
    if (!match) {
      throw bad(
        'invalid_video',
        'input.video',
        'A data URI video must start with data:video/mp4;base64, (mp4 only).',
      );
    }
    payload = payload.slice(match[0].length);
  }
  payload = payload.replace(/\s+/g, '');
  if (payload.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(payload) || payload.length % 4 === 1) {
    throw bad(
      'invalid_video',
      'input.video',
      'input.video must be an http(s) URL of an mp4, or an mp4 encoded as base64 (raw or data:video/mp4;base64,).',
    );
  }
  const padding = payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0;
  const decodedBytes = Math.floor(((payload.length - padding) * 3) / 4);
  if (decodedBytes > maxBytes) throw videoTooLarge(decodedBytes, maxBytes);
  return Buffer.from(payload, 'base64');
};

/**
 * Checks a submit body the way the service does and loads the video (decoding base64 or fetching a URL).
 * Throws an ApiFailure (400, or 413 for a video over `maxVideoBytes`).
 */
export const validateSubmit = async (
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
  const isUrl = /^https?:/i.test(videoField);
  if (isUrl && !isHttpUrl(videoField)) {
    throw bad('invalid_video', 'input.video', 'input.video looks like a URL but is not a valid http(s) URL.');
  }
  const video = isUrl
    ? await fetchVideo(videoField, options.maxVideoBytes, options.videoFetchTimeoutMs)
    : decodeBase64Video(videoField, options.maxVideoBytes);
  if (!looksLikeMp4(video)) {
    throw bad('invalid_video', 'input.video', 'The video is not an mp4: it does not start with an ftyp box.');
  }
  let durationInSeconds: number;
  try {
    durationInSeconds = readMp4Info(video).durationInSeconds;
  } catch (err) {
    if (err instanceof Mp4Error)
      throw bad('invalid_video', 'input.video', `The video is not a usable mp4: ${err.message}.`);
    throw err;
  }
  if (!(durationInSeconds > 0)) {
    throw bad('invalid_video', 'input.video', 'The video has no duration.');
  }
  if (durationInSeconds > MAX_SECONDS + DURATION_TOLERANCE_SECONDS) {
    throw bad(
      'video_too_long',
      'input.video',
      `The video is ${durationInSeconds.toFixed(2)} s long; at most ${MAX_SECONDS} s is accepted.`,
      {duration: durationInSeconds, max_duration: MAX_SECONDS},
    );
  }
  return {
    video,
    videoSha256: createHash('sha256').update(video).digest('hex'),
    durationInSeconds,
    prompt,
    negativePrompt: negative === '' ? null : negative,
    steps,
    seed,
    webhook,
  };
};
