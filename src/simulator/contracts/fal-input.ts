import {PROVIDERS} from '../../contract/providers.ts';
import {badField, isHttpUrl, loadVideo} from '../load-video.ts';
import type {SubmitInput} from '../task-store.ts';
import {optionalBoolean, optionalNumber, optionalString, requiredString} from './fields.ts';
import {isObject} from './qubico-input.ts';

/** fal-ai/mmaudio-v2's input schema (fal's model page): defaults and ranges. */
const SEED_MAX = 65_535;
const STEPS = {min: 4, max: 50, fallback: 25};
const CFG = {min: 0, max: 20, fallback: 4.5};
const DURATION_DEFAULT = 8;
const DURATION_MIN = 1;

/**
 * fal's body is the input itself: `video_url` (required, a URL: fal fetches it), `prompt` (required),
 * `negative_prompt` (""), `seed` (0–65535), `num_steps` (4–50, 25), `duration` (1–max clip, 8),
 * `cfg_strength` (0–20, 4.5), `mask_away_clip`. The webhook comes as `?fal_webhook=`. Throws 400s naming the
 * field (the contract answers them as fal's 422).
 */
export const validateFalSubmit = async (
  body: unknown,
  webhookUrl: string | null,
  options: {maxVideoBytes: number; videoFetchTimeoutMs: number},
): Promise<SubmitInput> => {
  if (!isObject(body)) throw badField('model_attributes_type', 'body', 'Input should be a valid dictionary');
  const prompt = requiredString(body.prompt, 'prompt');
  const negative = optionalString(body.negative_prompt, 'negative_prompt', '');
  const seed =
    body.seed === undefined || body.seed === null
      ? null
      : optionalNumber(body.seed, 'seed', 0, {min: 0, max: SEED_MAX, integer: true});
  const steps = optionalNumber(body.num_steps, 'num_steps', STEPS.fallback, {...STEPS, integer: true});
  const duration = optionalNumber(body.duration, 'duration', DURATION_DEFAULT, {
    min: DURATION_MIN,
    max: PROVIDERS.fal.maxClipSeconds ?? Number.MAX_SAFE_INTEGER,
  });
  optionalNumber(body.cfg_strength, 'cfg_strength', CFG.fallback, CFG);
  optionalBoolean(body.mask_away_clip, 'mask_away_clip', false);
  if (webhookUrl !== null && !isHttpUrl(webhookUrl)) {
    throw badField('url_parsing', 'fal_webhook', 'fal_webhook must be an http(s) URL.');
  }
  const video = requiredString(body.video_url, 'video_url');
  if (!isHttpUrl(video))
    throw badField('url_parsing', 'video_url', 'video_url must be an http(s) URL: upload the video first.');
  const loaded = await loadVideo(video, {
    field: 'video_url',
    inline: false,
    maxBytes: options.maxVideoBytes,
    timeoutMs: options.videoFetchTimeoutMs,
    // The clip is cut to `duration`: a longer video is not refused.
    maxSeconds: null,
  });
  return {
    ...loaded,
    prompt,
    negativePrompt: negative === '' ? null : negative,
    steps,
    seed,
    webhook: webhookUrl === null ? null : {endpoint: webhookUrl, secret: null},
    requestedDurationSeconds: duration,
  };
};
