import {randomBytes, randomUUID} from 'node:crypto';
import {headerValue} from '../handle-request.ts';
import {handleResultDownload} from '../handle-result-download.ts';
import {handleSubmit} from '../handle-submit.ts';
import {ApiFailure, drainBody} from '../http-reply.ts';
import {TASK_FAILURE_MESSAGE} from '../task-store.ts';
import type {SimulatedTask, TaskStatus} from '../types.ts';
import type {HostContract, Route, SimulatorCore} from './host-contract.ts';
import {PIAPI_TASK_TYPE, type PiapiEcho, validatePiapiSubmit} from './piapi-input.ts';
import {decodePathSegment, findTask} from './qubico.ts';
import {MODEL} from './qubico-input.ts';

/** PiAPI's "not set" time. */
const UNSET_TIME = '0001-01-01T00:00:00Z';
const FORMATS = ['wav', 'mp3', 'm4a'] as const;
type AudioFormat = (typeof FORMATS)[number];

const route = (method: string, path: string): Route => {
  if (path === '/api/v1/task') return method === 'POST' ? {kind: 'submit'} : {kind: 'other', allow: 'POST'};
  const poll = /^\/api\/v1\/task\/([^/]+)$/.exec(path);
  if (poll) {
    const taskId = decodePathSegment(poll[1]);
    return method === 'GET' ? {kind: 'poll', taskId} : {kind: 'other', taskId, allow: 'GET'};
  }
  const file = /^\/files\/([^/]+)\/(\d+)\.(wav|mp3|m4a)$/.exec(path);
  if (file && method === 'GET') {
    return {
      kind: 'result',
      taskId: decodePathSegment(file[1]),
      resultIndex: Number(file[2]),
      counted: false,
      endpoint: file[3],
    };
  }
  return {kind: 'other'};
};

const plainText = (status: number, text: string) => ({
  status,
  body: Buffer.from(text),
  headers: {'content-type': 'text/plain; charset=utf-8'},
});

/**
 * PiAPI (`POST {base}/api/v1/task`, `GET /api/v1/task/{id}`, header `x-api-key`, no cancel): every JSON
 * answer is an envelope `{code, message, data}` with `code` = the HTTP status; a path it does not serve
 * answers plain text `404 page not found`. Statuses pending → processing → completed | failed
 * (capitalised with `faults.statusCase`); unset times `0001-01-01T00:00:00Z`; the result is
 * `data.output.audio_url`, a file whose format is `faults.resultAudioFormat` when the task was submitted
 * (wav, mp3 or m4a). Webhook: `{timestamp, data}` with the plain secret in `x-webhook-secret`.
 */
export const createPiapiContract = (core: SimulatorCore): HostContract => {
  const echoes = new Map<string, PiapiEcho>();
  const formats = new Map<string, AudioFormat>();
  const word = (status: TaskStatus) =>
    core.faultState.faults.statusCase === 'capitalised' ? status[0].toUpperCase() + status.slice(1) : status;
  const time = (ms: number | undefined, now: number) =>
    ms === undefined || ms > now ? UNSET_TIME : new Date(ms).toISOString();

  const view = (task: SimulatedTask) => {
    const now = Date.now();
    const done = task.status === 'completed' || task.status === 'failed';
    return {
      task_id: task.taskId,
      model: MODEL,
      task_type: PIAPI_TASK_TYPE,
      status: word(task.status),
      input: echoes.get(task.taskId) ?? {},
      output:
        task.status === 'completed'
          ? {audio_url: `${core.baseUrl()}/files/${task.taskId}/0.${formats.get(task.taskId) ?? 'wav'}`}
          : {},
      meta: {
        created_at: new Date(task.createdAt).toISOString(),
        started_at: time(task.status === 'pending' ? undefined : task.processingAt, now),
        ended_at: done ? time(task.completedAt, now) : UNSET_TIME,
        usage: {type: 'point', frozen: 0, consume: 0},
      },
      error:
        task.status === 'failed'
          ? {
              code: 10000,
              message: task.error ?? TASK_FAILURE_MESSAGE,
              raw_message: 'simulated failure',
              detail: null,
            }
          : {code: 0, message: '', raw_message: '', detail: null},
      logs: [],
    };
  };

  return {
    route,
    readKey: (headers) => headerValue(headers['x-api-key']),
    authFailure: (kind) =>
      new ApiFailure(401, kind === 'missing' ? 'missing_api_key' : 'invalid_api_key', 'Invalid API key'),
    errorAnswer: (failure) => {
      if (failure.code === 'not_found') return plainText(404, '404 page not found');
      if (failure.code === 'method_not_allowed') return plainText(405, '405 method not allowed');
      return {
        status: failure.status,
        body: Buffer.from(JSON.stringify({code: failure.status, message: failure.message, data: null})),
        headers: {...failure.headers, 'content-type': 'application/json; charset=utf-8'},
      };
    },
    answerHeaders: (record) => ({'x-request-id': `req_${record.seq}`}),
    newTaskId: () => randomUUID(),
    jwksPath: null,
    onEnd: (task) => {
      if (!task.webhook) return;
      const secret = core.store.webhookSecret(task.taskId) ?? '';
      void core.webhooks.deliver(task, task.webhook.endpoint, ({wrongSecret}) => ({
        headers: {'x-webhook-secret': wrongSecret ? `wrong-${randomBytes(8).toString('hex')}` : secret},
        body: JSON.stringify({timestamp: Math.floor(Date.now() / 1000), data: view(task)}),
      }));
    },
    handle: async (ex) => {
      const r = ex.route;
      if (r.kind === 'submit') {
        let echo: PiapiEcho = {};
        await handleSubmit(core, ex, {
          validate: async (json) => {
            const checked = await validatePiapiSubmit(json, core.options);
            echo = checked.echo;
            return checked.input;
          },
          invalidJson: () => new ApiFailure(400, 'invalid_json', 'invalid request body: not JSON'),
          answer: async (task) => {
            echoes.set(task.taskId, echo);
            const format = core.faultState.faults.resultAudioFormat;
            formats.set(task.taskId, FORMATS.includes(format) ? format : 'wav');
            return {status: 200, body: {code: 200, message: 'success', data: view(task)}};
          },
        });
        return;
      }
      await drainBody(ex.req);
      if (core.closed()) return;
      if (r.kind === 'poll') {
        const task = findTask(core, ex, r.taskId!);
        if (!task) throw new ApiFailure(404, 'task_not_found', `task not found: ${r.taskId}`);
        ex.reply(200, {code: 200, message: 'success', data: view(task)});
        return;
      }
      if (r.kind === 'result') {
        if (formats.has(r.taskId!) && formats.get(r.taskId!) !== r.endpoint) {
          throw new ApiFailure(404, 'not_found', '');
        }
        await handleResultDownload(
          core,
          ex,
          (taskId) => formats.get(taskId) ?? 'wav',
          () => new ApiFailure(404, 'not_found', ''),
        );
        return;
      }
      throw r.allow ? new ApiFailure(405, 'method_not_allowed', '') : new ApiFailure(404, 'not_found', '');
    },
  };
};
