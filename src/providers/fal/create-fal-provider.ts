import type {KeyObject} from 'node:crypto';
import {InvalidResponseError, QubicoApiError} from '../../api/errors.ts';
import {displayUrl, pathOf} from '../../api/http-body.ts';
import {PROVIDERS} from '../../contract/providers.ts';
import {UsageError} from '../../errors.ts';
import {checkProviderInput, durationField} from '../check-provider-input.ts';
import {createProviderBase} from '../create-provider-base.ts';
import type {MmaudioProvider, ProviderTask} from '../provider.ts';
import type {ProviderClientOptions} from '../provider-client-options.ts';
import {describeIssues, readJson} from '../read-json.ts';
import {ed25519KeysOf, verifyFalWebhook} from '../verify-fal-webhook.ts';
import {
  describeFalError,
  FAL_APP,
  FAL_MAX_DURATION,
  FAL_MIN_DURATION,
  FAL_SEED_MODULUS,
  falPhase,
  falResultSchema,
  falStatusSchema,
  falSubmitSchema,
} from './fal-schema.ts';

export type FalProviderOptions = ProviderClientOptions & {
  /**
   * `?fal_webhook=<url>` on submit. Calls are verified with the Ed25519 keys of a JWKS: given as a
   * document (`jwks`), or fetched once from `jwksUrl` before the first submit.
   */
  webhook?: {url: string; jwks?: unknown; jwksUrl?: string} | null;
};

const facts = PROVIDERS.fal;

/** The task id of a fal webhook body (`{request_id, status: OK | ERROR, payload}`), or null. */
export const falWebhookTaskId = (body: unknown): string | null => {
  const id = (body as {request_id?: unknown} | null)?.request_id;
  return typeof id === 'string' && id !== '' ? id : null;
};

/**
 * fal.ai's queue for `fal-ai/mmaudio-v2`: submit the input as the body, read the status, then the result
 * (`video.url`, an mp4 with the audio muxed in: decoded to a wav), cancel with a PUT. The video must be a
 * URL (the `upload` hook); `duration` is the segment's length (1–30 s); `seed` is folded into 0–65535.
 */
export const createFalProvider = (options: FalProviderOptions = {}): MmaudioProvider => {
  const webhook = options.webhook ?? null;
  if (webhook && !/^https?:\/\//i.test(webhook.url)) {
    throw new UsageError('The fal webhook URL must be an http(s) URL.');
  }
  const base = createProviderBase(facts, options, {
    authHeaders: (key) => ({authorization: `Key ${key}`}),
    errorOptions: {
      label: facts.label,
      keyEnv: facts.keyEnv,
      describe: describeFalError,
      badRequestStatuses: [422],
    },
    defaults: {requestsPerMinute: 60, maxConcurrentTasks: 4},
    webhook: webhook !== null,
  });
  const {settings, send, combine, ensureOpen} = base;
  const {logger, baseUrl} = settings;
  const appUrl = `${baseUrl}/${FAL_APP}`;
  const requestUrl = (id: string) => `${appUrl}/requests/${encodeURIComponent(id)}`;
  let webhookKeys: KeyObject[] = webhook?.jwks ? ed25519KeysOf(webhook.jwks) : [];
  let keysLoaded = webhook?.jwksUrl === undefined;

  const loadKeys = async (signal: AbortSignal) => {
    if (keysLoaded || !webhook?.jwksUrl) return;
    keysLoaded = true;
    try {
      const jwks = await send({
        method: 'GET',
        url: webhook.jwksUrl,
        kind: 'poll',
        toApi: false,
        signal,
        onResponse: (response) =>
          readJson(response, `GET ${displayUrl(webhook.jwksUrl ?? '')}`, logger.redact),
      });
      webhookKeys = [...webhookKeys, ...ed25519KeysOf(jwks)];
      logger.verbose(`fal webhook keys: ${webhookKeys.length} Ed25519 key(s) from the JWKS`);
    } catch (err) {
      logger.warn(
        `The fal JWKS could not be read (${err instanceof Error ? err.message : String(err)}): webhook calls are refused; polling goes on.`,
      );
    }
  };

  const submit: MmaudioProvider['submit'] = async (input, submitOptions = {}) => {
    ensureOpen();
    const checked = checkProviderInput(facts, input);
    const signal = combine(submitOptions.signal);
    await loadKeys(signal);
    const seed = checked.seed === null ? null : checked.seed % FAL_SEED_MODULUS;
    if (seed !== null && seed !== checked.seed) {
      logger.verbose(`fal takes seeds 0–${FAL_SEED_MODULUS - 1}: seed ${checked.seed} is sent as ${seed}`);
    }
    const body = {
      video_url: checked.videoField,
      prompt: checked.prompt,
      negative_prompt: checked.negativePrompt ?? '',
      num_steps: checked.steps,
      duration: Math.min(FAL_MAX_DURATION, durationField(checked.durationInSeconds, FAL_MIN_DURATION)),
      ...(seed === null ? {} : {seed}),
      ...(input.cfgStrength === undefined ? {} : {cfg_strength: input.cfgStrength}),
    };
    const url = webhook ? `${appUrl}?fal_webhook=${encodeURIComponent(webhook.url)}` : appUrl;
    logger.verbose(
      `Submitting to fal ${FAL_APP}: video ${displayUrl(checked.videoField)}; duration ${body.duration} s; ` +
        `prompt ${checked.prompt.length} chars; steps ${checked.steps}; seed ${seed ?? 'none'}`,
    );
    const answer = await send({
      method: 'POST',
      url,
      kind: 'submit',
      body: JSON.stringify(body),
      toApi: true,
      signal,
      onResponse: async (response) => {
        const what = `POST ${pathOf(appUrl)}`;
        const parsed = falSubmitSchema.safeParse(await readJson(response, what, logger.redact));
        if (!parsed.success) {
          throw new InvalidResponseError(
            `${what}: not a queue answer (${describeIssues(parsed.error.issues)})`,
          );
        }
        return parsed.data;
      },
    });
    logger.verbose(`fal request ${answer.request_id} queued`);
    return {
      taskId: answer.request_id,
      status: 'IN_QUEUE',
      phase: 'running',
      resultUrls: [],
      estimatedTimeSeconds: null,
    };
  };

  /** The result of a COMPLETED request: its mp4's URL, or the failure fal answers instead. */
  const readResult = async (taskId: string, signal: AbortSignal): Promise<ProviderTask> => {
    const url = requestUrl(taskId);
    const what = `GET ${pathOf(url)}`;
    try {
      const result = await send({
        method: 'GET',
        url,
        kind: 'poll',
        toApi: true,
        signal,
        onResponse: async (response) => {
          const parsed = falResultSchema.safeParse(await readJson(response, what, logger.redact));
          if (!parsed.success) {
            throw new InvalidResponseError(`${what}: not a result (${describeIssues(parsed.error.issues)})`);
          }
          return parsed.data;
        },
      });
      return {
        taskId,
        status: 'COMPLETED',
        phase: 'completed',
        resultUrls: [result.video.url],
        estimatedTimeSeconds: null,
      };
    } catch (err) {
      // A completed request whose app refused or failed answers its error here (a 4xx, or a 5xx that
      // outlived the transport's retries): the request is over and has no audio; the task failed.
      if (err instanceof QubicoApiError && err.status >= 400 && ![404, 408, 429].includes(err.status)) {
        return {
          taskId,
          status: 'COMPLETED',
          phase: 'failed',
          resultUrls: [],
          estimatedTimeSeconds: null,
          serviceError: (err.body as {detail?: unknown} | null)?.detail ?? err.body ?? err.message,
        };
      }
      throw err;
    }
  };

  const getTask = async (taskId: string, getOptions: {signal?: AbortSignal} = {}): Promise<ProviderTask> => {
    ensureOpen();
    if (typeof taskId !== 'string' || taskId === '') throw new UsageError('getTask needs a fal request id');
    const signal = combine(getOptions.signal);
    const url = `${requestUrl(taskId)}/status`;
    const what = `GET ${pathOf(url)}`;
    const status = await send({
      method: 'GET',
      url,
      kind: 'poll',
      toApi: true,
      signal,
      onResponse: async (response) => {
        const parsed = falStatusSchema.safeParse(await readJson(response, what, logger.redact));
        if (!parsed.success) {
          throw new InvalidResponseError(`${what}: not a status (${describeIssues(parsed.error.issues)})`);
        }
        return parsed.data;
      },
    });
    if (falPhase(status.status) === 'running') {
      return {taskId, status: status.status, phase: 'running', resultUrls: [], estimatedTimeSeconds: null};
    }
    if (status.error !== undefined && status.error !== null) {
      return {
        taskId,
        status: status.status,
        phase: 'failed',
        resultUrls: [],
        estimatedTimeSeconds: null,
        serviceError: status.error,
      };
    }
    return readResult(taskId, signal);
  };

  const waiter = base.waiterFor(getTask);
  return {
    name: 'fal',
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
        method: 'PUT',
        url: `${requestUrl(taskId)}/cancel`,
        kind: 'cancel',
        toApi: true,
        signal: combine(cancelOptions.signal),
        onResponse: async (response) => {
          await response.body.dump();
        },
      });
    },
    verifyWebhook: (call) =>
      webhook ? verifyFalWebhook(call, webhookKeys) : {ok: false, reason: 'no webhook configured'},
    notifyTaskUpdate: waiter.notifyTaskUpdate,
    withTaskSlot: base.withTaskSlot,
    quota: base.quota,
    close: base.close,
  };
};
