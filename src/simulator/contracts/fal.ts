import {randomUUID} from 'node:crypto';
import {headerValue} from '../handle-request.ts';
import {handleResultDownload} from '../handle-result-download.ts';
import {handleSubmit} from '../handle-submit.ts';
import {ApiFailure, drainBody} from '../http-reply.ts';
import {TASK_FAILURE_MESSAGE} from '../task-store.ts';
import type {SimulatedTask} from '../types.ts';
import {validateFalSubmit} from './fal-input.ts';
import type {HostContract, Route, SimulatorCore} from './host-contract.ts';
import {decodePathSegment, findTask} from './qubico.ts';
import {createFalSigner} from './webhook-signers.ts';

export const FAL_APP = '/fal-ai/mmaudio-v2';
const JWKS_PATH = '/.well-known/jwks.json';
const CANCELLED = 'The request was cancelled.';

const route = (method: string, path: string): Route => {
  if (path === FAL_APP) return method === 'POST' ? {kind: 'submit'} : {kind: 'other', allow: 'POST'};
  const request = /^\/fal-ai\/mmaudio-v2\/requests\/([^/]+)(\/status|\/cancel)?$/.exec(path);
  if (request) {
    const taskId = decodePathSegment(request[1]);
    const [kind, allow, endpoint] =
      request[2] === '/status'
        ? (['poll', 'GET', 'status'] as const)
        : request[2] === '/cancel'
          ? (['cancel', 'PUT', 'cancel'] as const)
          : (['poll', 'GET', 'response'] as const);
    return method === allow ? {kind, taskId, endpoint} : {kind: 'other', taskId, allow};
  }
  const file = /^\/files\/([^/]+)\/(\d+)\/output\.mp4$/.exec(path);
  if (file && method === 'GET') {
    return {kind: 'result', taskId: decodePathSegment(file[1]), resultIndex: Number(file[2]), counted: false};
  }
  if (path === JWKS_PATH && method === 'GET')
    return {kind: 'other', public: true, counted: false, endpoint: 'jwks'};
  return {kind: 'other'};
};

/**
 * fal's queue (`POST {base}/fal-ai/mmaudio-v2[?fal_webhook=URL]`, `GET …/requests/{id}/status`,
 * `GET …/requests/{id}`, `PUT …/requests/{id}/cancel`; `Authorization: Key <key>`): statuses IN_QUEUE →
 * IN_PROGRESS → COMPLETED (a request over the concurrency waits IN_QUEUE; never 429); the result is
 * `{video: {url, content_type, file_name, file_size}}`, an mp4 with the audio as AAC, `duration` (1–30 s)
 * honoured. Errors: 422 `{detail: [{loc, msg, type}]}` for the input, `{detail: "…"}` otherwise, every
 * answer with `x-fal-request-id`. A failed request is COMPLETED and its response GET answers 500; a
 * cancelled one answers 400. Webhook: `{request_id, gateway_request_id, status: OK | ERROR, payload, error?}`
 * signed with Ed25519 (the JWKS at `/.well-known/jwks.json`).
 */
export const createFalContract = (core: SimulatorCore): HostContract => {
  const signer = createFalSigner();
  const urls = (taskId: string) => {
    const base = `${core.baseUrl()}${FAL_APP}/requests/${taskId}`;
    return {response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel`};
  };
  const word = (task: SimulatedTask) =>
    task.status === 'pending' ? 'IN_QUEUE' : task.status === 'processing' ? 'IN_PROGRESS' : 'COMPLETED';
  const queuePosition = (task: SimulatedTask) =>
    core.store
      .active(Date.now(), core.store.owner(task.taskId) ?? undefined)
      .filter((t) => t.status === 'pending' && t.submitSeq < task.submitSeq).length;
  const statusView = (task: SimulatedTask, logs: boolean) => ({
    status: word(task),
    request_id: task.taskId,
    ...urls(task.taskId),
    ...(task.status === 'pending' ? {queue_position: queuePosition(task)} : {}),
    logs: logs ? [] : null,
  });
  /** The response of a finished request: its status and body. */
  const response = async (task: SimulatedTask): Promise<{status: number; body: Record<string, unknown>}> => {
    if (task.status === 'failed') return {status: 500, body: {detail: task.error ?? TASK_FAILURE_MESSAGE}};
    if (task.status === 'canceled') return {status: 400, body: {detail: CANCELLED}};
    if (task.status !== 'completed') return {status: 400, body: {detail: 'Request is still in progress'}};
    const file = await core.resultFile(task, 0, 'mp4');
    return {
      status: 200,
      body: {
        video: {
          url: `${core.baseUrl()}/files/${task.taskId}/0/output.mp4`,
          content_type: 'video/mp4',
          file_name: 'output.mp4',
          file_size: file.byteLength,
        },
      },
    };
  };

  return {
    route,
    readKey: (headers) => {
      const value = headerValue(headers.authorization);
      if (value === null) return null;
      const match = /^Key\s+(.+)$/i.exec(value.trim());
      return match ? match[1] : '';
    },
    authFailure: (kind) =>
      new ApiFailure(
        401,
        kind === 'missing' ? 'missing_api_key' : 'invalid_api_key',
        kind === 'missing'
          ? 'Missing authorization: send the key as "Authorization: Key <FAL_KEY>".'
          : 'Invalid API key.',
      ),
    errorAnswer: (failure, record) => {
      const field = failure.details.field;
      const validation = failure.status === 400 && typeof field === 'string';
      const body = validation
        ? {
            detail: [
              {
                loc: field === 'body' ? ['body'] : ['body', ...field.split('.')],
                msg: failure.message,
                type: failure.code,
              },
            ],
          }
        : {detail: failure.message};
      return {
        status: validation ? 422 : failure.status,
        body: Buffer.from(JSON.stringify(body)),
        headers: {
          ...failure.headers,
          'content-type': 'application/json; charset=utf-8',
          'x-fal-request-id': record?.taskId ?? `req_${record?.seq ?? 0}`,
        },
      };
    },
    answerHeaders: (record) => ({
      'x-request-id': `req_${record.seq}`,
      'x-fal-request-id': record.taskId ?? `req_${record.seq}`,
    }),
    newTaskId: () => randomUUID(),
    jwksPath: JWKS_PATH,
    onEnd: (task) => {
      if (!task.webhook) return;
      const endpoint = task.webhook.endpoint;
      void (async () => {
        const {status, body: payload} = await response(task).catch(() => ({
          status: 500,
          body: {detail: 'The result could not be made.'},
        }));
        const body = JSON.stringify({
          request_id: task.taskId,
          gateway_request_id: task.taskId,
          status: status === 200 ? 'OK' : 'ERROR',
          payload,
          ...(status === 200 ? {} : {error: `Invalid status code: ${status}`}),
        });
        const userId = `user_${(core.store.owner(task.taskId) ?? '').slice(0, 16)}`;
        await core.webhooks.deliver(task, endpoint, (knobs) => ({
          headers: signer.headers({requestId: task.taskId, userId, body}, knobs),
          body,
        }));
      })();
    },
    handle: async (ex) => {
      const r = ex.route;
      if (r.kind === 'submit') {
        await handleSubmit(core, ex, {
          validate: (json) => validateFalSubmit(json, ex.query.get('fal_webhook'), core.options),
          invalidJson: () => new ApiFailure(400, 'json_invalid', 'JSON decode error', {field: 'body'}),
          answer: async (task) => ({status: 200, body: {...statusView(task, false), logs: undefined}}),
        });
        return;
      }
      await drainBody(ex.req);
      if (core.closed()) return;
      if (r.endpoint === 'jwks') {
        ex.reply(200, signer.jwks);
        return;
      }
      if (r.kind === 'poll' || r.kind === 'cancel') {
        const task = findTask(core, ex, r.taskId!);
        if (!task) {
          if (r.kind === 'cancel') return ex.reply(404, {status: 'NOT_FOUND'});
          throw new ApiFailure(404, 'request_not_found', `Request ${r.taskId} not found.`);
        }
        if (r.kind === 'cancel') {
          return core.store.cancel(task, Date.now())
            ? ex.reply(202, {status: 'CANCELLATION_REQUESTED'})
            : ex.reply(400, {status: 'ALREADY_COMPLETED'});
        }
        if (r.endpoint === 'status') {
          const view = statusView(task, ex.query.get('logs') === '1');
          return ex.reply(view.status === 'COMPLETED' ? 200 : 202, view);
        }
        const answer = await response(task);
        if (answer.status === 200) return ex.reply(200, answer.body);
        throw new ApiFailure(answer.status, 'request_error', String(answer.body.detail));
      }
      if (r.kind === 'result') {
        await handleResultDownload(core, ex, () => 'mp4');
        return;
      }
      throw r.allow
        ? new ApiFailure(405, 'method_not_allowed', 'Method Not Allowed')
        : new ApiFailure(404, 'not_found', 'Not Found');
    },
  };
};
