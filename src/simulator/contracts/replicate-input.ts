import {PROVIDERS} from '../../contract/providers.ts';
import {badField, isHttpUrl, loadVideo} from '../load-video.ts';
import type {SubmitInput} from '../task-store.ts';
import {optionalNumber, optionalString} from './fields.ts';
import {isObject} from './qubico-input.ts';

/** zsxkib/mmaudio's input defaults (its model page). */
const DEFAULTS = {negativePrompt: 'music', duration: 8, steps: 25, cfg: 4.5};
const EVENTS = ['start', 'output', 'logs', 'completed'] as const;
export type ReplicateEvent = (typeof EVENTS)[number];

export type ReplicateSubmit = {
  input: SubmitInput;
  version: string;
  /** The input as the prediction shows it (a video sent as a data URI is not repeated). */
  echo: Record<string, unknown>;
  events: ReplicateEvent[];
};

/**
 * Replicate's body: `{version: <64 hex>, input: {video, prompt (""), negative_prompt ("music"),
 * duration (8, ≥ 1, no max), num_steps (25), cfg_strength (4.5), seed (null or −1: random)}, webhook?,
 * webhook_events_filter?}`. `video` is a URL or a data URI. Throws 400s naming the field (answered as 422).
 */
export const validateReplicateSubmit = async (
  body: unknown,
  options: {maxVideoBytes: number; videoFetchTimeoutMs: number},
): Promise<ReplicateSubmit> => {
  if (!isObject(body)) throw badField('invalid_request', 'body', 'The request body must be a JSON object.');
  const version = body.version;
  if (typeof version !== 'string' || !/^[0-9a-f]{64}$/.test(version)) {
    throw badField(
      'invalid_version',
      'version',
      "The specified version does not exist (or perhaps you don't have permission to use it?)",
    );
  }
  const input = body.input;
  if (!isObject(input)) throw badField('required', 'input', 'input is required: an object.');
  const prompt = optionalString(input.prompt, 'input.prompt', '');
  const negative = optionalString(input.negative_prompt, 'input.negative_prompt', DEFAULTS.negativePrompt);
  const duration = optionalNumber(input.duration, 'input.duration', DEFAULTS.duration, {
    min: 1,
    ...(PROVIDERS.replicate.maxClipSeconds === null ? {} : {max: PROVIDERS.replicate.maxClipSeconds}),
  });
  const steps = optionalNumber(input.num_steps, 'input.num_steps', DEFAULTS.steps, {min: 1, integer: true});
  const cfg = optionalNumber(input.cfg_strength, 'input.cfg_strength', DEFAULTS.cfg, {min: 0});
  const rawSeed = optionalNumber(input.seed, 'input.seed', -1, {
    min: -1,
    integer: true,
    max: Number.MAX_SAFE_INTEGER,
  });
  const seed = rawSeed === -1 ? null : rawSeed;

  let webhook: SubmitInput['webhook'] = null;
  if (body.webhook !== undefined && body.webhook !== null) {
    if (typeof body.webhook !== 'string' || !isHttpUrl(body.webhook)) {
      throw badField('invalid_webhook', 'webhook', 'webhook must be an http(s) URL.');
    }
    webhook = {endpoint: body.webhook, secret: null};
  }
  let events: ReplicateEvent[] = [...EVENTS];
  if (body.webhook_events_filter !== undefined && body.webhook_events_filter !== null) {
    const filter = body.webhook_events_filter;
    if (!Array.isArray(filter) || filter.some((e) => !(EVENTS as readonly unknown[]).includes(e))) {
      throw badField(
        'invalid_webhook_events_filter',
        'webhook_events_filter',
        `webhook_events_filter must be a list of ${EVENTS.join(', ')}.`,
      );
    }
    events = filter as ReplicateEvent[];
  }

  const video = input.video;
  if (typeof video !== 'string' || video === '') {
    throw badField('required', 'input.video', 'input.video is required: a URL or a data URI of the video.');
  }
  if (!/^(https?:|data:)/i.test(video)) {
    throw badField('format', 'input.video', 'input.video must be a URL or a data URI.');
  }
  const loaded = await loadVideo(video, {
    field: 'input.video',
    inline: true,
    maxBytes: options.maxVideoBytes,
    timeoutMs: options.videoFetchTimeoutMs,
    maxSeconds: PROVIDERS.replicate.maxClipSeconds,
  });
  const echo = {
    ...(/^https?:/i.test(video) ? {video} : {}),
    prompt,
    negative_prompt: negative,
    duration,
    num_steps: steps,
    cfg_strength: cfg,
    seed: rawSeed,
  };
  return {
    input: {
      ...loaded,
      prompt,
      negativePrompt: negative === '' ? null : negative,
      steps,
      seed,
      webhook,
      requestedDurationSeconds: duration,
    },
    version,
    echo,
    events,
  };
};
