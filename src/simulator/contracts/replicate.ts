import {randomBytes} from 'node:crypto';
import {headerValue} from '../handle-request.ts';
import {handleResultDownload} from '../handle-result-download.ts';
import {handleSubmit} from '../handle-submit.ts';
import {ApiFailure, drainBody} from '../http-reply.ts';
import {isTerminal, TASK_FAILURE_MESSAGE} from '../task-store.ts';
import type {SimulatedTask, TaskStatus} from '../types.ts';
import type {HostContract, Route, SimulatorCore} from './host-contract.ts';
import {decodePathSegment, findTask} from './qubico.ts';
import {type ReplicateEvent, validateReplicateSubmit} from './replicate-input.ts';
import {newWebhookSecret, standardWebhookHeaders} from './webhook-signers.ts';

export const REPLICATE_MODEL = 'zsxkib/mmaudio';
/** `Prefer: wait` holds a create at most this long. */
const MAX_WAIT_SECONDS = 60;
const WORDS: Record<TaskStatus, string> = {
  pending: 'starting',
  processing: 'processing',
  completed: 'succeeded',
  failed: 'failed',
  canceled: 'canceled',
};
const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthenticated',
  404: 'Not found',
  405: 'Method not allowed',
  413: 'Request entity too large',
  422: 'Input validation failed',
  429: 'Request was throttled.',
};

const route = (method: string, path: string): Route => {
  if (path === '/v1/predictions')
    return method === 'POST' ? {kind: 'submit'} : {kind: 'other', allow: 'POST'};
  const prediction = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(path);
  if (prediction) {
    const taskId = decodePathSegment(prediction[1]);
    if (prediction[2])
      return method === 'POST' ? {kind: 'cancel', taskId} : {kind: 'other', taskId, allow: 'POST'};
    return method === 'GET' ? {kind: 'poll', taskId} : {kind: 'other', taskId, allow: 'GET'};
  }
  if (path === '/v1/webhooks/default/secret') {
    return method === 'GET' ? {kind: 'other', endpoint: 'secret'} : {kind: 'other', allow: 'GET'};
  }
  const file = /^\/delivery\/([^/]+)\/(\d+)\/output\.mp4$/.exec(path);
  if (file && method === 'GET') {
    return {kind: 'result', taskId: decodePathSegment(file[1]), resultIndex: Number(file[2]), counted: false};
  }
  return {kind: 'other'};
};

/** Replicate's prediction ids: 26 characters of lower-case base32. */
const newPredictionId = () => {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return Array.from(randomBytes(26), (b) => alphabet[b & 31]).join('');
};

/**
 * Replicate (`POST {base}/v1/predictions`, `GET /v1/predictions/{id}`, `POST /v1/predictions/{id}/cancel`,
 * `Authorization: Bearer <token>`): a pinned 64-hex `version`; `Prefer: wait[=n]` holds the create up to
 * 60 s; statuses starting → processing → succeeded | failed | canceled; `output` one URL of an mp4 (black
 * picture, audio AAC at the result's rate and channels), `duration` honoured, `metrics.predict_time`.
 * Errors `{title, detail, status}` (422 with `invalid_fields` for the input; 429 "Request was throttled").
 * Webhook: the prediction, signed per Standard Webhooks with the `whsec_` secret served at
 * `/v1/webhooks/default/secret`, for the `start` and `completed` events the filter asks for (`output` and
 * `logs` are not sent).
 */
export const createReplicateContract = (core: SimulatorCore): HostContract => {
  const secret = core.options.webhookSigningSecret ?? newWebhookSecret();
  core.logger.addSecret(secret);
  const extra = new Map<string, {version: string; echo: Record<string, unknown>; events: ReplicateEvent[]}>();
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

  const view = (task: SimulatedTask) => {
    const meta = extra.get(task.taskId);
    const started =
      task.status === 'pending' ? undefined : Math.min(task.processingAt, task.completedAt ?? Infinity);
    const base = `${core.baseUrl()}/v1/predictions/${task.taskId}`;
    return {
      id: task.taskId,
      model: REPLICATE_MODEL,
      version: meta?.version ?? '',
      input: meta?.echo ?? {},
      logs: '',
      output: task.status === 'completed' ? `${core.baseUrl()}/delivery/${task.taskId}/0/output.mp4` : null,
      data_removed: false,
      error: task.status === 'failed' ? (task.error ?? TASK_FAILURE_MESSAGE) : null,
      status: WORDS[task.status],
      created_at: iso(task.createdAt),
      started_at: iso(started),
      completed_at: iso(isTerminal(task.status) ? task.completedAt : undefined),
      urls: {get: base, cancel: `${base}/cancel`},
      ...(task.status === 'completed' && started !== undefined
        ? {metrics: {predict_time: ((task.completedAt ?? started) - started) / 1000}}
        : {}),
    };
  };

  const sendWebhook = (task: SimulatedTask) => {
    if (!task.webhook) return;
    const body = JSON.stringify(view(task));
    void core.webhooks.deliver(task, task.webhook.endpoint, (knobs) => ({
      headers: standardWebhookHeaders(secret, body, knobs),
      body,
    }));
  };

  /** The `start` event: once the prediction is processing (unless it ended, was cancelled or reset first). */
  const scheduleStart = (task: SimulatedTask) => {
    const timer = setTimeout(
      () => {
        if (core.closed() || core.store.tasks.get(task.taskId) !== task) return;
        core.store.refresh(Date.now());
        if (task.status === 'processing') sendWebhook(task);
      },
      Math.max(0, task.processingAt - Date.now()),
    );
    timer.unref();
  };

  /** `Prefer: wait` or `wait=n`: seconds to hold the create (null: answer at once). */
  const waitSeconds = (prefer: string | null): number | null => {
    const match = prefer === null ? null : /(?:^|[,;\s])wait(?:=(\d+))?/.exec(prefer);
    if (!match) return null;
    return Math.min(MAX_WAIT_SECONDS, match[1] === undefined ? MAX_WAIT_SECONDS : Number(match[1]));
  };

  return {
    route,
    readKey: (headers) => {
      const value = headerValue(headers.authorization);
      if (value === null) return null;
      const match = /^(?:Bearer|Token)\s+(.+)$/i.exec(value.trim());
      return match ? match[1] : '';
    },
    authFailure: () =>
      new ApiFailure(401, 'unauthenticated', 'You did not pass a valid authentication token'),
    errorAnswer: (failure) => {
      const field = failure.details.field;
      const validation = failure.status === 400 && typeof field === 'string';
      const status = validation ? 422 : failure.status;
      const retryAfter = failure.headers['retry-after'];
      const detail =
        status === 429 && failure.code !== 'injected_fault'
          ? `Request was throttled. Expected available in ${retryAfter ?? 1} second${retryAfter === '1' ? '' : 's'}.`
          : failure.message;
      const title =
        failure.code === 'invalid_version' ? 'Invalid version or not permitted' : (TITLES[status] ?? 'Error');
      const body = {
        title,
        detail,
        status,
        ...(validation && failure.code !== 'invalid_version'
          ? {invalid_fields: [{type: failure.code, field, description: failure.message}]}
          : {}),
      };
      return {
        status,
        body: Buffer.from(JSON.stringify(body)),
        headers: {...failure.headers, 'content-type': 'application/json; charset=utf-8'},
      };
    },
    answerHeaders: (record) => ({'x-request-id': `req_${record.seq}`}),
    newTaskId: newPredictionId,
    jwksPath: null,
    onEnd: (task) => {
      if (extra.get(task.taskId)?.events.includes('completed')) sendWebhook(task);
    },
    handle: async (ex) => {
      const r = ex.route;
      if (r.kind === 'submit') {
        let pending: {version: string; echo: Record<string, unknown>; events: ReplicateEvent[]} | null = null;
        await handleSubmit(core, ex, {
          validate: async (json) => {
            const checked = await validateReplicateSubmit(json, core.options);
            pending = {version: checked.version, echo: checked.echo, events: checked.events};
            return checked.input;
          },
          invalidJson: () => new ApiFailure(400, 'invalid_json', 'The request body is not valid JSON.'),
          answer: async (task) => {
            if (pending) extra.set(task.taskId, pending);
            if (task.webhook && pending?.events.includes('start')) scheduleStart(task);
            const wait = waitSeconds(headerValue(ex.req.headers.prefer));
            if (wait !== null) {
              const until = Date.now() + wait * 1000;
              while (!core.closed() && Date.now() < until) {
                core.store.refresh(Date.now());
                if (isTerminal(task.status)) break;
                await core.sleep(Math.min(50, until - Date.now()));
              }
              core.store.refresh(Date.now());
            }
            return {status: 201, body: view(task)};
          },
        });
        return;
      }
      await drainBody(ex.req);
      if (core.closed()) return;
      if (r.endpoint === 'secret') return ex.reply(200, {key: secret});
      if (r.kind === 'poll' || r.kind === 'cancel') {
        const task = findTask(core, ex, r.taskId!);
        if (!task) throw new ApiFailure(404, 'not_found', 'Not found.');
        if (r.kind === 'cancel') core.store.cancel(task, Date.now());
        return ex.reply(200, view(task));
      }
      if (r.kind === 'result') {
        await handleResultDownload(core, ex, () => 'mp4');
        return;
      }
      throw r.allow
        ? new ApiFailure(405, 'method_not_allowed', 'Method not allowed.')
        : new ApiFailure(404, 'not_found', 'Not found.');
    },
  };
};
