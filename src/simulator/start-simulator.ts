import {createHash, timingSafeEqual} from 'node:crypto';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {MMAudioError} from '../errors.ts';
import {silentLogger} from '../log.ts';
import {simulatorErrorCodes} from './error-codes.ts';
import {createFaultState} from './faults.ts';
import {ApiFailure, drainBody, errorBody, readBody, sendBytes, sendJson} from './http-reply.ts';
import {createLimits, type LimitVerdict, maxInWindow} from './limits.ts';
import {normaliseSimulatorOptions} from './normalise-options.ts';
import {route} from './route.ts';
import {sendOversizeWav} from './send-oversize-wav.ts';
import {createTaskStore} from './task-store.ts';
import type {RecordedRequest, Simulator, SimulatorOptions} from './types.ts';
import {MODEL, validateSubmit, videoTooLarge} from './validate-submit.ts';

const headerValue = (value: string | string[] | undefined): string | null =>
  (Array.isArray(value) ? value[0] : value) ?? null;

const sha256 = (text: string) => createHash('sha256').update(text).digest();

const retryAfterSeconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

/**
 * Starts a local server speaking the Qubico MMAudio contract (submit, poll, result download, webhooks),
 * with its limits and fault injection knobs. Prints nothing; request lines go to `options.logger` at
 * verbose level, never with the key or a webhook secret.
 */
export const startSimulator = async (options: SimulatorOptions = {}): Promise<Simulator> => {
  const o = normaliseSimulatorOptions(options);
  const logger = options.logger ?? silentLogger();
  logger.addSecret(o.apiKey);
  const expectedKey = o.apiKey === null ? null : sha256(o.apiKey);
  const keyAccepted = (key: string) =>
    key !== '' && (expectedKey === null || timingSafeEqual(sha256(key), expectedKey));

  const faultState = createFaultState(o.taskLatencyMs);
  const limits = createLimits(o.limits);
  let baseUrl = '';
  const store = createTaskStore({baseUrl: () => baseUrl, faults: faultState, resultFormat: o.result});
  const requests: RecordedRequest[] = [];
  let seq = 0;
  let maxConcurrentTasksSeen = 0;
  let closed = false;
  // Largest JSON body that can carry a video of maxVideoBytes as base64, with room for the other fields.
  const maxBodyBytes = Math.ceil(o.maxVideoBytes / 3) * 4 + 1024 * 1024;

  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });

  const estimatedTime = () => o.estimatedTimeSeconds ?? Math.ceil(faultState.taskLatencyMs() / 1000);

  const recordFor = new WeakMap<IncomingMessage, RecordedRequest>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const at = Date.now();
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0];
    const r = route(method, path);
    const key = headerValue(req.headers['x-api-key']);
    const keyOk = key !== null && keyAccepted(key);
    const keyId = keyOk ? sha256(key).toString('hex') : null;
    const record: RecordedRequest = {
      seq: ++seq,
      method,
      path,
      kind: r.kind,
      status: 0,
      at,
      hadValidKey: keyOk,
      ...(r.taskId === undefined ? {} : {taskId: r.taskId}),
    };
    requests.push(record);
    recordFor.set(req, record);
    // Everything that depends on the order of arrival is decided now, before any await.
    limits.arrive(at, keyId);
    const fault = faultState.takeRequestFault(r.kind);
    const windowVerdict: LimitVerdict = limits.checkWindow(at);
    const dayVerdict: LimitVerdict = keyId === null ? {ok: true} : limits.checkDay(at, keyId);

    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (!res.destroyed && !closed) record.status = status;
      sendJson(res, status, body, {...headers, 'x-request-id': `req_${record.seq}`});
      logger.verbose(`[simulator] ${method} ${path} → ${status}${record.taskId ? ` ${record.taskId}` : ''}`);
    };
    const fail = (failure: ApiFailure) => reply(failure.status, errorBody(failure), failure.headers);

    if (fault) record.fault = fault.type;
    if (fault?.type === 'drop') {
      await drainBody(req);
      req.socket.destroy();
      logger.verbose(`[simulator] ${method} ${path} → dropped`);
      return;
    }
    if (fault?.type === 'delay') {
      await sleep(fault.ms);
      if (closed) return;
    }
    if (fault?.type === 'fail') {
      fail(
        new ApiFailure(
          fault.status,
          simulatorErrorCodes.injectedFault,
          `Injected fault: this request was answered ${fault.status} on purpose.`,
          {injected: true},
          fault.retryAfter === null ? {} : {'retry-after': fault.retryAfter},
        ),
      );
      return;
    }
    if (r.kind !== 'result') {
      if (key === null || key === '') {
        fail(
          new ApiFailure(
            401,
            simulatorErrorCodes.missingKey,
            'Missing API key: send it in the x-api-key header.',
          ),
        );
        return;
      }
      if (!keyOk) {
        fail(new ApiFailure(401, simulatorErrorCodes.invalidKey, 'Invalid API key.'));
        return;
      }
    }
    if (!windowVerdict.ok) {
      record.limit = 'window';
      fail(
        new ApiFailure(
          429,
          simulatorErrorCodes.rateLimit,
          `Rate limit exceeded: at most ${o.limits.requestsPerWindow} requests per ${o.limits.windowMs / 1000} s.`,
          {
            limit: o.limits.requestsPerWindow,
            window_ms: o.limits.windowMs,
            retry_after_ms: windowVerdict.retryAfterMs,
          },
          {'retry-after': retryAfterSeconds(windowVerdict.retryAfterMs)},
        ),
      );
      return;
    }
    if (!dayVerdict.ok) {
      record.limit = 'day';
      fail(
        new ApiFailure(
          429,
          simulatorErrorCodes.dailyLimit,
          `Daily limit exceeded: at most ${o.limits.requestsPerDay} requests per key per day.`,
          {limit: o.limits.requestsPerDay, retry_after_ms: dayVerdict.retryAfterMs},
          {'retry-after': retryAfterSeconds(dayVerdict.retryAfterMs)},
        ),
      );
      return;
    }

    if (r.kind === 'submit') {
      const body = await readBody(req, maxBodyBytes, (bytes) =>
        videoTooLarge(Math.floor((bytes * 3) / 4), o.maxVideoBytes),
      );
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        throw new ApiFailure(400, 'invalid_json', 'The request body is not valid JSON.', {field: 'body'});
      }
      const input = await validateSubmit(json, o);
      if (closed) return;
      const now = Date.now();
      const active = store.active(now, keyId!);
      if (active.length >= o.limits.concurrentTasks) {
        record.limit = 'concurrency';
        const nextFree = Math.min(...active.map((t) => t.finishesAt));
        throw new ApiFailure(
          429,
          simulatorErrorCodes.concurrencyLimit,
          `Too many tasks at once: at most ${o.limits.concurrentTasks} pending or processing per key.`,
          {limit: o.limits.concurrentTasks, active: active.length},
          {'retry-after': retryAfterSeconds(nextFree - now)},
        );
      }
      if (input.webhook) logger.addSecret(input.webhook.secret);
      const task = store.create(input, {keyId: keyId!, submitSeq: record.seq, now});
      record.taskId = task.taskId;
      maxConcurrentTasksSeen = Math.max(maxConcurrentTasksSeen, store.active(now).length);
      const answer = {
        task_id: task.taskId,
        status: 'pending',
        model: MODEL,
        created_at: new Date(task.createdAt).toISOString(),
        estimated_time: estimatedTime(),
      };
      const failStatus = faultState.takeFailAfterCreate();
      if (failStatus !== null) {
        // The task exists and runs; the answer says otherwise (a gateway timing out in front of it).
        record.fault = 'failAfterCreate';
        fail(
          new ApiFailure(
            failStatus,
            simulatorErrorCodes.injectedFault,
            `Injected fault: the task was created, then this request was answered ${failStatus}.`,
            {injected: true},
          ),
        );
        return;
      }
      const stallMs = faultState.takeStallAnswer();
      if (stallMs !== null) {
        record.fault = 'stallAnswer';
        const bytes = Buffer.from(JSON.stringify(answer));
        record.status = 202;
        res.writeHead(202, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': String(bytes.byteLength),
          'x-request-id': `req_${record.seq}`,
        });
        res.write(bytes.subarray(0, 1));
        logger.verbose(`[simulator] ${method} ${path} → 202 ${task.taskId} (answer held ${stallMs} ms)`);
        await sleep(stallMs);
        if (!res.destroyed) res.end(bytes.subarray(1));
        return;
      }
      reply(202, answer);
      return;
    }

    await drainBody(req);
    if (closed) return;
    if (r.kind === 'poll') {
      const task = faultState.isForgotten(r.taskId!) ? null : store.get(r.taskId!, keyId, Date.now());
      if (task === null && faultState.isForgotten(r.taskId!)) record.fault = 'forgotten';
      if (!task) {
        throw new ApiFailure(404, simulatorErrorCodes.taskNotFound, `No task with id ${r.taskId}.`, {
          task_id: r.taskId,
        });
      }
      reply(200, store.toJson(task));
      return;
    }
    if (r.kind === 'result') {
      store.refresh(Date.now());
      const task = store.tasks.get(r.taskId!);
      const index = r.resultIndex!;
      const notFound = () =>
        new ApiFailure(404, simulatorErrorCodes.resultNotFound, `No result ${index} for task ${r.taskId}.`, {
          task_id: r.taskId,
          index,
        });
      if (task?.status !== 'completed' || index >= task.resultSpec.count) throw notFound();
      if (faultState.takeResult404()) {
        record.fault = 'result404';
        throw notFound();
      }
      const oversize = faultState.takeOversize();
      if (oversize) {
        record.fault = 'oversize';
        await sendOversizeWav(res, oversize, record, {
          channels: task.resultSpec.channels,
          sampleRate: task.resultSpec.sampleRate,
        });
        logger.verbose(`[simulator] ${method} ${path} → 200 (oversize, ${record.bytesSent} bytes sent)`);
        return;
      }
      let wav = store.resultWav(task, index);
      if (faultState.takeTruncate()) {
        record.fault = 'truncate';
        const blockAlign = 2 * task.resultSpec.channels;
        const keptFrames = Math.floor((wav.byteLength - 44) / blockAlign / 2);
        wav = wav.subarray(0, 44 + keptFrames * blockAlign);
      }
      if (!res.destroyed) record.status = 200;
      sendBytes(res, 200, wav, {'content-type': 'audio/wav', 'x-request-id': `req_${record.seq}`});
      logger.verbose(`[simulator] ${method} ${path} → 200 (${wav.byteLength} bytes)`);
      return;
    }
    if (r.allow) {
      throw new ApiFailure(
        405,
        'method_not_allowed',
        `${method} is not allowed on ${path}.`,
        {allow: r.allow},
        {allow: r.allow},
      );
    }
    throw new ApiFailure(404, 'not_found', `No route ${method} ${path}.`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const failure =
        err instanceof ApiFailure
          ? err
          : new ApiFailure(500, 'internal_error', 'The simulator failed while answering this request.');
      if (!(err instanceof ApiFailure)) {
        // A client that went away mid-request is not the simulator's failure.
        if (req.destroyed || res.destroyed) {
          logger.verbose(`[simulator] ${req.method} ${req.url?.split('?')[0]} → client went away`);
          return;
        }
        logger.error('[simulator] internal error:', err);
      }
      const current = recordFor.get(req);
      if (current && !res.destroyed && !closed) current.status = failure.status;
      sendJson(res, failure.status, errorBody(failure), {
        ...failure.headers,
        ...(current ? {'x-request-id': `req_${current.seq}`} : {}),
      });
      logger.verbose(`[simulator] ${req.method} ${req.url?.split('?')[0]} → ${failure.status}`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        new MMAudioError(
          err.code === 'EADDRINUSE'
            ? `Port ${o.port} on ${o.host} is already in use: choose another with --port, or 0 for a free one.`
            : `The simulator could not listen on ${o.host}:${o.port}: ${err.message}`,
          {cause: err},
        ),
      );
    };
    server.once('error', onError);
    server.listen(o.port, o.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === 'IPv6' || o.host.includes(':') ? `[${o.host}]` : o.host;
  baseUrl = `http://${hostInUrl}:${address.port}`;

  const simulator: Simulator = {
    url: baseUrl,
    host: o.host,
    port: address.port,
    requests,
    get tasks() {
      store.refresh(Date.now());
      return store.tasks;
    },
    webhookDeliveries: store.webhookDeliveries,
    maxRequestsInWindow: (windowMs) =>
      maxInWindow(
        requests.map((x) => x.at),
        windowMs,
      ),
    get maxConcurrentTasksSeen() {
      return maxConcurrentTasksSeen;
    },
    faults: faultState.faults,
    reset: () => {
      requests.length = 0;
      seq = 0;
      maxConcurrentTasksSeen = 0;
      limits.reset();
      faultState.reset();
      store.reset();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      store.close();
      for (const wake of [...sleepers]) wake();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return simulator;
};
