import type {Dispatcher} from 'undici';
import {InvalidResponseError} from '../../api/errors.ts';
import {displayUrl, pathOf} from '../../api/http-body.ts';
import {PROVIDERS} from '../../contract/providers.ts';
import {UsageError} from '../../errors.ts';
import {checkProviderInput, durationField} from '../check-provider-input.ts';
import {createProviderBase} from '../create-provider-base.ts';
import type {MmaudioProvider, ProviderTask} from '../provider.ts';
import type {ProviderClientOptions} from '../provider-client-options.ts';
import {describeIssues, readJson} from '../read-json.ts';
import {standardWebhookKey, verifyStandardWebhook} from '../verify-standard-webhook.ts';
import {
  describeReplicateError,
  REPLICATE_MMAUDIO_VERSION,
  type ReplicatePrediction,
  replicateOutputUrls,
  replicatePhase,
  replicatePredictionSchema,
  replicateRetryAfterMs,
} from './replicate-schema.ts';

export type ReplicateProviderOptions = ProviderClientOptions & {
  /** The 64-hex version of `zsxkib/mmaudio` to run. Default REPLICATE_MMAUDIO_VERSION. */
  modelVersion?: string;
  /**
   * `webhook` (events: completed) on submit; calls are verified as Standard Webhooks with the account's
   * signing secret (`whsec_…`, from `GET /v1/webhooks/default/secret`).
   */
  webhook?: {url: string; secret: string} | null;
};

const facts = PROVIDERS.replicate;

/** A prediction in the provider's terms. */
export const replicatePredictionToProviderTask = (prediction: ReplicatePrediction): ProviderTask => ({
  taskId: prediction.id,
  status: prediction.status,
  phase: replicatePhase(prediction.status),
  resultUrls: replicateOutputUrls(prediction.output),
  estimatedTimeSeconds: null,
  serviceError:
    prediction.error ??
    (prediction.status.toLowerCase() === 'canceled' ? 'the prediction was canceled' : undefined),
  gpuSeconds: prediction.metrics?.predict_time ?? null,
});

/** The task id of a Replicate webhook body (the prediction), or null. */
export const replicateWebhookTaskId = (body: unknown): string | null => {
  const id = (body as {id?: unknown} | null)?.id;
  return typeof id === 'string' && id !== '' ? id : null;
};

/**
 * Replicate's `zsxkib/mmaudio` (a community model, run by pinned version): `POST /v1/predictions`, `GET
 * /v1/predictions/{id}`, `POST …/cancel`. The video goes as a URL or a data URI; `duration` is the
 * segment's length; the output is one URL of an mp4 (H.264 + AAC), decoded to a wav. Billed by GPU time.
 */
export const createReplicateProvider = (options: ReplicateProviderOptions = {}): MmaudioProvider => {
  const version = options.modelVersion ?? REPLICATE_MMAUDIO_VERSION;
  if (!/^[0-9a-f]{64}$/.test(version)) {
    throw new UsageError(
      `The Replicate model version must be 64 hex digits, got ${JSON.stringify(version)}.`,
    );
  }
  const webhook = options.webhook ?? null;
  if (webhook) {
    if (!/^https?:\/\//i.test(webhook.url))
      throw new UsageError('The Replicate webhook URL must be http(s).');
    try {
      standardWebhookKey(webhook.secret ?? '');
    } catch {
      throw new UsageError(
        'The Replicate webhook needs the signing secret (whsec_…, REPLICATE_WEBHOOK_SECRET): GET /v1/webhooks/default/secret.',
      );
    }
  }
  const base = createProviderBase(facts, options, {
    authHeaders: (key) => ({authorization: `Bearer ${key}`}),
    errorOptions: {
      label: facts.label,
      keyEnv: facts.keyEnv,
      describe: describeReplicateError,
      retryAfterMs: replicateRetryAfterMs,
      badRequestStatuses: [422],
    },
    // 600 creates and 3000 other requests a minute: one window of 600 keeps both.
    defaults: {requestsPerMinute: 600, maxConcurrentTasks: 5},
    webhook: webhook !== null,
  });
  const {settings, send, combine, ensureOpen} = base;
  const {logger, baseUrl} = settings;
  if (webhook) logger.addSecret(webhook.secret);

  const parsePrediction = async (response: Dispatcher.ResponseData, what: string) => {
    const parsed = replicatePredictionSchema.safeParse(await readJson(response, what, logger.redact));
    if (!parsed.success) {
      throw new InvalidResponseError(`${what}: not a prediction (${describeIssues(parsed.error.issues)})`);
    }
    return parsed.data;
  };

  const submit: MmaudioProvider['submit'] = async (input, submitOptions = {}) => {
    ensureOpen();
    const checked = checkProviderInput(facts, input);
    const body = {
      version,
      input: {
        video: checked.videoField,
        prompt: checked.prompt,
        ...(checked.negativePrompt === null ? {} : {negative_prompt: checked.negativePrompt}),
        duration: durationField(checked.durationInSeconds),
        num_steps: checked.steps,
        ...(input.cfgStrength === undefined ? {} : {cfg_strength: input.cfgStrength}),
        ...(checked.seed === null ? {} : {seed: checked.seed}),
      },
      ...(webhook ? {webhook: webhook.url, webhook_events_filter: ['completed']} : {}),
    };
    logger.verbose(
      `Submitting to Replicate zsxkib/mmaudio:${version.slice(0, 12)}: video ${checked.video.kind === 'url' ? displayUrl(checked.video.url) : 'inline data URI'}; ` +
        `duration ${body.input.duration} s; prompt ${checked.prompt.length} chars; steps ${checked.steps}; seed ${checked.seed ?? 'random'}`,
    );
    const prediction = await send({
      method: 'POST',
      url: `${baseUrl}/v1/predictions`,
      kind: 'submit',
      body: JSON.stringify(body),
      toApi: true,
      signal: combine(submitOptions.signal),
      onResponse: (response) => parsePrediction(response, 'POST /v1/predictions'),
    });
    logger.verbose(`Replicate prediction ${prediction.id} created (${prediction.status})`);
    return replicatePredictionToProviderTask(prediction);
  };

  const getTask = async (taskId: string, getOptions: {signal?: AbortSignal} = {}): Promise<ProviderTask> => {
    ensureOpen();
    if (typeof taskId !== 'string' || taskId === '') throw new UsageError('getTask needs a prediction id');
    const url = `${baseUrl}/v1/predictions/${encodeURIComponent(taskId)}`;
    const prediction = await send({
      method: 'GET',
      url,
      kind: 'poll',
      toApi: true,
      signal: combine(getOptions.signal),
      onResponse: (response) => parsePrediction(response, `GET ${pathOf(url)}`),
    });
    if (prediction.id !== taskId) {
      throw new InvalidResponseError(
        `GET ${pathOf(url)} answered with another prediction (${prediction.id})`,
      );
    }
    return replicatePredictionToProviderTask(prediction);
  };

  const waiter = base.waiterFor(getTask);
  return {
    name: 'replicate',
    facts,
    baseUrl,
    submit,
    getTask,
    waitForTask: (taskId, waitOptions) => {
      ensureOpen();
      return waiter.waitForTask(taskId, waitOptions);
    },
    downloadResult: base.download,
    cancel: async (taskId, cancelOptions = {}) => {
      ensureOpen();
      await send({
        method: 'POST',
        url: `${baseUrl}/v1/predictions/${encodeURIComponent(taskId)}/cancel`,
        kind: 'cancel',
        toApi: true,
        signal: combine(cancelOptions.signal),
        onResponse: async (response) => {
          await response.body.dump();
        },
      });
    },
    verifyWebhook: (call) =>
      webhook
        ? verifyStandardWebhook(call, webhook.secret)
        : {ok: false, reason: 'no webhook secret configured'},
    notifyTaskUpdate: waiter.notifyTaskUpdate,
    withTaskSlot: base.withTaskSlot,
    quota: base.quota,
    close: base.close,
  };
};
