import {randomBytes} from 'node:crypto';
import {QUBICO_USD_PER_SECOND} from '../../contract/providers.ts';
import {simulatorErrorCodes} from '../error-codes.ts';
import {headerValue} from '../handle-request.ts';
import {handleResultDownload} from '../handle-result-download.ts';
import {handleSubmit} from '../handle-submit.ts';
import {ApiFailure, drainBody, errorBody} from '../http-reply.ts';
import {TASK_FAILURE_MESSAGE} from '../task-store.ts';
import type {SimulatedTask} from '../types.ts';
import type {HostContract, Route, SimulatorCore} from './host-contract.ts';
import {MODEL, validateQubicoSubmit} from './qubico-input.ts';

const USD_PER_SECOND = QUBICO_USD_PER_SECOND;

const iso = (ms: number) => new Date(ms).toISOString();

export const decodePathSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

const route = (method: string, path: string): Route => {
  if (path === '/v1/inference') return method === 'POST' ? {kind: 'submit'} : {kind: 'other', allow: 'POST'};
  const poll = /^\/v1\/tasks\/([^/]+)$/.exec(path);
  if (poll) {
    const taskId = decodePathSegment(poll[1]);
    return method === 'GET' ? {kind: 'poll', taskId} : {kind: 'other', taskId, allow: 'GET'};
  }
  const result = /^\/v1\/results\/([^/]+)\/(\d+)\.wav$/.exec(path);
  if (result) {
    const taskId = decodePathSegment(result[1]);
    return method === 'GET'
      ? {kind: 'result', taskId, resultIndex: Number(result[2])}
      : {kind: 'other', taskId, allow: 'GET'};
  }
  return {kind: 'other'};
};

/** The 405 or 404 of a path this host does not serve that way; the same words on every JSON host. */
export const noRoute = (method: string, path: string, allow: string | undefined): ApiFailure =>
  allow
    ? new ApiFailure(405, 'method_not_allowed', `${method} is not allowed on ${path}.`, {allow}, {allow})
    : new ApiFailure(404, 'not_found', `No route ${method} ${path}.`);

/** The 404 of a task this key cannot see (never issued, another key's, or forgotten by the service). */
export const findTask = (
  core: SimulatorCore,
  ex: {keyId: string | null; record: {fault?: string}},
  taskId: string,
) => {
  const forgotten = core.faultState.isForgotten(taskId);
  const task = forgotten ? null : core.store.get(taskId, ex.keyId, Date.now());
  if (task === null && forgotten) ex.record.fault = 'forgotten';
  return task;
};

/**
 * Qubico (`{base}/v1/inference`, `GET /v1/tasks/{id}`, results at `/v1/results/{id}/{n}.wav`): header
 * `x-api-key`; errors `{error: {code, message, details}}`; statuses pending → processing → completed |
 * failed; 16-bit wav results; webhook = the task object with the plain secret in `x-webhook-secret`.
 */
export const createQubicoContract = (core: SimulatorCore): HostContract => {
  const estimatedTime = () =>
    core.options.estimatedTimeSeconds ?? Math.ceil(core.faultState.taskLatencyMs() / 1000);

  const toJson = (task: SimulatedTask): Record<string, unknown> => {
    const json: Record<string, unknown> = {
      task_id: task.taskId,
      status: task.status,
      model: MODEL,
      created_at: iso(task.createdAt),
    };
    if (task.completedAt !== undefined) json.completed_at = iso(task.completedAt);
    if (task.status === 'completed') {
      const spec = task.resultSpec;
      json.results = Array.from({length: spec.count}, (_, n) => ({
        url: `${core.baseUrl()}/v1/results/${task.taskId}/${n}.wav`,
        duration: spec.durationInSeconds,
        format: 'wav',
        sample_rate: spec.sampleRate,
        channels: spec.channels,
      }));
      json.usage = {
        credits_used: Math.round(task.durationInSeconds * USD_PER_SECOND * 10_000) / 10_000,
        processing_time: (task.finishesAt - task.createdAt) / 1000,
      };
    }
    if (task.status === 'failed') {
      json.error = {code: 'generation_failed', message: task.error ?? TASK_FAILURE_MESSAGE};
      json.usage = {credits_used: 0, processing_time: (task.finishesAt - task.createdAt) / 1000};
    }
    return json;
  };

  return {
    route,
    readKey: (headers) => headerValue(headers['x-api-key']),
    authFailure: (kind) =>
      kind === 'missing'
        ? new ApiFailure(
            401,
            simulatorErrorCodes.missingKey,
            'Missing API key: send it in the x-api-key header.',
          )
        : new ApiFailure(401, simulatorErrorCodes.invalidKey, 'Invalid API key.'),
    errorAnswer: (failure) => ({
      status: failure.status,
      body: Buffer.from(JSON.stringify(errorBody(failure))),
      headers: {...failure.headers, 'content-type': 'application/json; charset=utf-8'},
    }),
    answerHeaders: (record) => ({'x-request-id': `req_${record.seq}`}),
    newTaskId: () => `task_${randomBytes(10).toString('hex')}`,
    jwksPath: null,
    onEnd: (task) => {
      const secret = core.store.webhookSecret(task.taskId);
      if (!task.webhook || !secret) return;
      void core.webhooks.deliver(task, task.webhook.endpoint, ({wrongSecret}) => ({
        headers: {'x-webhook-secret': wrongSecret ? `wrong-${randomBytes(8).toString('hex')}` : secret},
        body: JSON.stringify(toJson(task)),
      }));
    },
    handle: async (ex) => {
      const r = ex.route;
      if (r.kind === 'submit') {
        await handleSubmit(core, ex, {
          validate: (json) => validateQubicoSubmit(json, core.options),
          invalidJson: () =>
            new ApiFailure(400, 'invalid_json', 'The request body is not valid JSON.', {field: 'body'}),
          answer: async (task) => ({
            status: 202,
            body: {
              task_id: task.taskId,
              status: 'pending',
              model: MODEL,
              created_at: new Date(task.createdAt).toISOString(),
              estimated_time: estimatedTime(),
            },
          }),
        });
        return;
      }
      await drainBody(ex.req);
      if (core.closed()) return;
      if (r.kind === 'poll') {
        const task = findTask(core, ex, r.taskId!);
        if (!task) {
          throw new ApiFailure(404, simulatorErrorCodes.taskNotFound, `No task with id ${r.taskId}.`, {
            task_id: r.taskId,
          });
        }
        ex.reply(200, toJson(task));
        return;
      }
      if (r.kind === 'result') {
        await handleResultDownload(core, ex, () => 'wav');
        return;
      }
      throw noRoute(ex.method, ex.path, r.allow);
    },
  };
};
