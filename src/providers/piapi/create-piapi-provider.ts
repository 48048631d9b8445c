import type {Dispatcher} from 'undici';
import {InvalidResponseError, type QubicoApiError} from '../../api/errors.ts';
import {displayUrl, pathOf} from '../../api/http-body.ts';
import {makeApiError} from '../../api/make-api-error.ts';
import {MMAUDIO_MODEL} from '../../api/schema.ts';
import {PROVIDERS} from '../../contract/providers.ts';
import {UsageError} from '../../errors.ts';
import {checkProviderInput} from '../check-provider-input.ts';
import {createProviderBase} from '../create-provider-base.ts';
import type {MmaudioProvider, ProviderTask} from '../provider.ts';
import type {ProviderClientOptions} from '../provider-client-options.ts';
import {describeIssues, readJson} from '../read-json.ts';
import {verifyPlainSecret} from '../verify-plain-secret.ts';
import {
  describePiapiError,
  type PiapiTask,
  piapiEnvelopeSchema,
  piapiPhase,
  piapiTaskSchema,
} from './piapi-schema.ts';

export type PiapiProviderOptions = ProviderClientOptions & {
  /** Sent as `config.webhook_config`; the secret comes back verbatim in `x-webhook-secret`. */
  webhook?: {url: string; secret: string} | null;
};

const facts = PROVIDERS.piapi;

/** A PiAPI task in the provider's terms. */
export const piapiTaskToProviderTask = (task: PiapiTask): ProviderTask => ({
  taskId: task.task_id,
  status: task.status,
  phase: piapiPhase(task.status),
  resultUrls: task.output?.audio_url ? [task.output.audio_url] : [],
  estimatedTimeSeconds: null,
  serviceError: task.error?.message || task.error?.raw_message ? task.error : undefined,
});

/** The task id of a PiAPI webhook body (`{timestamp, data: task}`), or null. */
export const piapiWebhookTaskId = (body: unknown): string | null => {
  const id = (body as {data?: {task_id?: unknown}} | null)?.data?.task_id;
  return typeof id === 'string' && id !== '' ? id : null;
};

/**
 * PiAPI (`Qubico/mmaudio`, task type `video2audio`): `POST /api/v1/task`, `GET /api/v1/task/{id}`, every
 * answer an envelope `{code, message, data}` whose `code` follows HTTP — an error code inside a 200 is an
 * error like the status would be. No cancel. The result's format is not documented: it is sniffed and
 * decoded to a wav.
 */
export const createPiapiProvider = (options: PiapiProviderOptions = {}): MmaudioProvider => {
  const webhook = options.webhook ?? null;
  if (webhook && (!/^https?:\/\//i.test(webhook.url) || !webhook.secret)) {
    throw new UsageError('The PiAPI webhook needs an http(s) URL and a secret (PIAPI_WEBHOOK_SECRET).');
  }
  const errorOptions = {label: facts.label, keyEnv: facts.keyEnv, describe: describePiapiError};
  const base = createProviderBase(facts, options, {
    authHeaders: (key) => ({'x-api-key': key}),
    errorOptions,
    defaults: {requestsPerMinute: 20, maxConcurrentTasks: 5},
    webhook: webhook !== null,
  });
  const {settings, send, combine, ensureOpen} = base;
  const {logger, baseUrl} = settings;
  if (webhook) logger.addSecret(webhook.secret);

  /** The task of an envelope; an error code inside it throws the error of that status. */
  const parseTask = async (response: Dispatcher.ResponseData, what: string): Promise<PiapiTask> => {
    const json = await readJson(response, what, logger.redact);
    const envelope = piapiEnvelopeSchema.safeParse(json);
    if (!envelope.success) {
      throw new InvalidResponseError(
        `${what}: not a PiAPI answer (${describeIssues(envelope.error.issues)})`,
      );
    }
    if (envelope.data.code < 200 || envelope.data.code >= 300) {
      const error: QubicoApiError = makeApiError(envelope.data.code, {}, json, {
        ...errorOptions,
        nowMs: settings.clock.now(),
        redact: logger.redact,
      });
      throw error;
    }
    const task = piapiTaskSchema.safeParse(envelope.data.data);
    if (!task.success) {
      throw new InvalidResponseError(`${what}: data is not a task (${describeIssues(task.error.issues)})`);
    }
    return task.data;
  };

  const submit: MmaudioProvider['submit'] = async (input, submitOptions = {}) => {
    ensureOpen();
    const checked = checkProviderInput(facts, input);
    const body = {
      model: MMAUDIO_MODEL,
      task_type: 'video2audio',
      input: {
        prompt: checked.prompt,
        ...(checked.negativePrompt === null ? {} : {negative_prompt: checked.negativePrompt}),
        video: checked.videoField,
        steps: checked.steps,
        // The docs' table says `seeds`; their example and the public clients send `seed`.
        ...(checked.seed === null ? {} : {seed: checked.seed}),
      },
      ...(webhook ? {config: {webhook_config: {endpoint: webhook.url, secret: webhook.secret}}} : {}),
    };
    logger.verbose(
      `Submitting to PiAPI ${MMAUDIO_MODEL}: video ${checked.video.kind === 'url' ? displayUrl(checked.video.url) : 'inline data URI'}; ` +
        `prompt ${checked.prompt.length} chars; steps ${checked.steps}; seed ${checked.seed ?? 'none'}`,
    );
    const task = await send({
      method: 'POST',
      url: `${baseUrl}/api/v1/task`,
      kind: 'submit',
      body: JSON.stringify(body),
      toApi: true,
      signal: combine(submitOptions.signal),
      onResponse: (response) => parseTask(response, 'POST /api/v1/task'),
    });
    logger.verbose(`PiAPI task ${task.task_id} created (${task.status})`);
    return piapiTaskToProviderTask(task);
  };

  const getTask = async (taskId: string, getOptions: {signal?: AbortSignal} = {}): Promise<ProviderTask> => {
    ensureOpen();
    if (typeof taskId !== 'string' || taskId === '') throw new UsageError('getTask needs a PiAPI task id');
    const url = `${baseUrl}/api/v1/task/${encodeURIComponent(taskId)}`;
    const task = await send({
      method: 'GET',
      url,
      kind: 'poll',
      toApi: true,
      signal: combine(getOptions.signal),
      onResponse: (response) => parseTask(response, `GET ${pathOf(url)}`),
    });
    if (task.task_id !== taskId) {
      throw new InvalidResponseError(`GET ${pathOf(url)} answered with another task (${task.task_id})`);
    }
    return piapiTaskToProviderTask(task);
  };

  const waiter = base.waiterFor(getTask);
  return {
    name: 'piapi',
    facts,
    baseUrl,
    submit,
    getTask,
    waitForTask: (taskId, waitOptions) => {
      ensureOpen();
      return waiter.waitForTask(taskId, waitOptions);
    },
    downloadResult: base.download,
    cancel: null,
    verifyWebhook: (call) =>
      webhook ? verifyPlainSecret(call, webhook.secret) : {ok: false, reason: 'no webhook secret configured'},
    notifyTaskUpdate: waiter.notifyTaskUpdate,
    withTaskSlot: base.withTaskSlot,
    quota: base.quota,
    close: base.close,
  };
};
