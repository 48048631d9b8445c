import {createHash, timingSafeEqual} from 'node:crypto';
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {Exchange, HostContract, SimulatorCore} from './contracts/host-contract.ts';
import {simulatorErrorCodes} from './error-codes.ts';
import {ApiFailure, drainBody, sendBytes} from './http-reply.ts';
import type {LimitVerdict} from './limits.ts';
import type {RecordedRequest} from './types.ts';

export const headerValue = (value: string | string[] | undefined): string | null =>
  (Array.isArray(value) ? value[0] : value) ?? null;

export const sha256 = (text: string) => createHash('sha256').update(text).digest();

export const retryAfterSeconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

/**
 * The request flow every host shares, in the order the real services apply it: record the request, take
 * the injected fault meant for it, check the key, check the request limits (every arrival counts, rejected
 * ones too), then let the contract answer. Everything that depends on the order of arrival is decided
 * before the first await.
 */
export const createRequestHandler = (
  core: SimulatorCore,
  contract: HostContract,
  state: {
    requests: RecordedRequest[];
    nextSeq: () => number;
    recordFor: WeakMap<IncomingMessage, RecordedRequest>;
  },
) => {
  const o = core.options;
  const expectedKey = o.apiKey === null ? null : sha256(o.apiKey);
  const keyAccepted = (key: string) =>
    key !== '' && (expectedKey === null || timingSafeEqual(sha256(key), expectedKey));

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = Date.now();
    const method = req.method ?? 'GET';
    const [path, search = ''] = (req.url ?? '/').split('?');
    const r = contract.route(method, path);
    const key = contract.readKey(req.headers);
    const keyOk = key !== null && keyAccepted(key);
    const keyId = keyOk ? sha256(key).toString('hex') : null;
    const record: RecordedRequest = {
      seq: state.nextSeq(),
      method,
      path,
      kind: r.kind,
      status: 0,
      at,
      hadValidKey: keyOk,
      ...(r.taskId === undefined ? {} : {taskId: r.taskId}),
    };
    state.requests.push(record);
    state.recordFor.set(req, record);
    const counted = r.counted !== false;
    if (counted) core.limits.arrive(at, keyId);
    const fault = core.faultState.takeRequestFault(r.kind);
    const windowVerdict: LimitVerdict = counted ? core.limits.checkWindow(at) : {ok: true};
    const dayVerdict: LimitVerdict =
      !counted || keyId === null ? {ok: true} : core.limits.checkDay(at, keyId);
    const submitVerdict: LimitVerdict = r.kind === 'submit' ? core.limits.arriveSubmit(at) : {ok: true};

    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (!res.destroyed && !core.closed()) record.status = status;
      sendBytes(res, status, Buffer.from(JSON.stringify(body)), {
        ...headers,
        ...contract.answerHeaders(record),
        'content-type': 'application/json; charset=utf-8',
      });
      core.logger.verbose(
        `[simulator] ${method} ${path} → ${status}${record.taskId ? ` ${record.taskId}` : ''}`,
      );
    };
    const fail = (failure: ApiFailure) => {
      const answer = contract.errorAnswer(failure, record);
      if (!res.destroyed && !core.closed()) record.status = answer.status;
      sendBytes(res, answer.status, answer.body, {...answer.headers, ...contract.answerHeaders(record)});
      core.logger.verbose(
        `[simulator] ${method} ${path} → ${answer.status}${record.taskId ? ` ${record.taskId}` : ''}`,
      );
    };

    if (fault) record.fault = fault.type;
    if (fault?.type === 'drop') {
      await drainBody(req);
      req.socket.destroy();
      core.logger.verbose(`[simulator] ${method} ${path} → dropped`);
      return;
    }
    if (fault?.type === 'delay') {
      await core.sleep(fault.ms);
      if (core.closed()) return;
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
    if (r.kind !== 'result' && !r.public) {
      if (key === null || key === '') {
        fail(contract.authFailure('missing'));
        return;
      }
      if (!keyOk) {
        fail(contract.authFailure('invalid'));
        return;
      }
    }
    const limits = o.limits;
    if (!windowVerdict.ok) {
      record.limit = 'window';
      fail(
        new ApiFailure(
          429,
          simulatorErrorCodes.rateLimit,
          `Rate limit exceeded: at most ${limits.requestsPerWindow} requests per ${limits.windowMs / 1000} s.`,
          {
            limit: limits.requestsPerWindow,
            window_ms: limits.windowMs,
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
          `Daily limit exceeded: at most ${limits.requestsPerDay} requests per key per day.`,
          {limit: limits.requestsPerDay, retry_after_ms: dayVerdict.retryAfterMs},
          {'retry-after': retryAfterSeconds(dayVerdict.retryAfterMs)},
        ),
      );
      return;
    }
    if (!submitVerdict.ok) {
      record.limit = 'window';
      fail(
        new ApiFailure(
          429,
          simulatorErrorCodes.rateLimit,
          `Rate limit exceeded: at most ${limits.submitsPerWindow} submits per ${limits.windowMs / 1000} s.`,
          {
            limit: limits.submitsPerWindow,
            window_ms: limits.windowMs,
            retry_after_ms: submitVerdict.retryAfterMs,
          },
          {'retry-after': retryAfterSeconds(submitVerdict.retryAfterMs)},
        ),
      );
      return;
    }
    const exchange: Exchange = {
      req,
      res,
      method,
      path,
      query: new URLSearchParams(search),
      route: r,
      record,
      keyId,
      reply,
      fail,
    };
    await contract.handle(exchange);
  };
};
