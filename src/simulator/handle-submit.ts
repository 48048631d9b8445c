import type {Exchange, SimulatorCore} from './contracts/host-contract.ts';
import {simulatorErrorCodes} from './error-codes.ts';
import {retryAfterSeconds} from './handle-request.ts';
import {ApiFailure, readBody} from './http-reply.ts';
import {videoTooLarge} from './load-video.ts';
import type {SubmitInput} from './task-store.ts';
import type {SimulatedTask} from './types.ts';

export type SubmitHooks = {
  /** The host's body check; throws the host's ApiFailure (400/422, 413). */
  validate(json: unknown, ex: Exchange): Promise<SubmitInput>;
  /** The host's answer to a created task (Replicate's may wait, as `Prefer: wait` asks). */
  answer(
    task: SimulatedTask,
    ex: Exchange,
  ): Promise<{status: number; body: unknown; headers?: Record<string, string>}>;
  /** The JSON parse failure in the host's terms. */
  invalidJson(): ApiFailure;
};

/**
 * A submit, the same on every host: read the body (refusing one that cannot hold a video within
 * maxVideoBytes), validate it, apply the concurrent-task limit (429, or fal's queue), create the task,
 * then answer — unless a fault loses the answer (`failAfterCreateNext`) or holds it (`stallSubmitAnswerNext`).
 */
export const handleSubmit = async (core: SimulatorCore, ex: Exchange, hooks: SubmitHooks): Promise<void> => {
  const o = core.options;
  const {record, req, res} = ex;
  // Largest JSON body that can carry a video of maxVideoBytes as base64, with room for the other fields.
  const maxBodyBytes = Math.ceil(o.maxVideoBytes / 3) * 4 + 1024 * 1024;
  const body = await readBody(req, maxBodyBytes, (bytes) =>
    videoTooLarge(Math.floor((bytes * 3) / 4), o.maxVideoBytes),
  );
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw hooks.invalidJson();
  }
  const input = await hooks.validate(json, ex);
  if (core.closed()) return;
  const now = Date.now();
  const keyId = ex.keyId!;
  const active = core.store.active(now, keyId);
  let startAt = now;
  if (active.length >= o.limits.concurrentTasks) {
    const finishes = active.map((t) => t.finishesAt).sort((a, b) => a - b);
    if (o.limits.concurrency === 'queue') {
      // The slot frees when all but concurrentTasks − 1 of the tasks ahead have finished.
      startAt = finishes[active.length - o.limits.concurrentTasks];
    } else {
      record.limit = 'concurrency';
      throw new ApiFailure(
        429,
        simulatorErrorCodes.concurrencyLimit,
        `Too many tasks at once: at most ${o.limits.concurrentTasks} pending or processing per key.`,
        {limit: o.limits.concurrentTasks, active: active.length},
        {'retry-after': retryAfterSeconds(finishes[0] - now)},
      );
    }
  }
  if (input.webhook?.secret) core.logger.addSecret(input.webhook.secret);
  const task = core.store.create(input, {keyId, submitSeq: record.seq, now, startAt});
  record.taskId = task.taskId;
  core.noteActive(now);
  const failStatus = core.faultState.takeFailAfterCreate();
  if (failStatus !== null) {
    // The task exists and runs; the answer says otherwise (a gateway timing out in front of it).
    record.fault = 'failAfterCreate';
    ex.fail(
      new ApiFailure(
        failStatus,
        simulatorErrorCodes.injectedFault,
        `Injected fault: the task was created, then this request was answered ${failStatus}.`,
        {injected: true},
      ),
    );
    return;
  }
  const stallMs = core.faultState.takeStallAnswer();
  const answer = await hooks.answer(task, ex);
  if (stallMs !== null) {
    record.fault = 'stallAnswer';
    const bytes = Buffer.from(JSON.stringify(answer.body));
    record.status = answer.status;
    res.writeHead(answer.status, {
      ...answer.headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(bytes.byteLength),
      'x-request-id': `req_${record.seq}`,
    });
    res.write(bytes.subarray(0, 1));
    core.logger.verbose(
      `[simulator] ${ex.method} ${ex.path} → ${answer.status} ${task.taskId} (answer held ${stallMs} ms)`,
    );
    await core.sleep(stallMs);
    if (!res.destroyed) res.end(bytes.subarray(1));
    return;
  }
  ex.reply(answer.status, answer.body, answer.headers);
};
