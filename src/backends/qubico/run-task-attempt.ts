import {QubicoApiError, SubmitOutcomeUnknownError, TaskFailedError} from '../../api/errors.ts';
import type {Logger} from '../../log.ts';
import type {MmaudioProvider, ProviderTask} from '../../providers/provider.ts';
import {isUnknownOutcome, type JournalBase, type SubmitJournal, submittedAtOf} from '../../state/journal.ts';
import type {BackendRequest} from '../backend.ts';
import {UnknownSubmitError} from '../unknown-submit-error.ts';

/** How one attempt at a segment's task ended (a failure that ends the segment is thrown instead). */
export type TaskAttemptOutcome =
  | {kind: 'completed'; task: ProviderTask}
  /** The service failed the task: it is finished there, and forgotten here. */
  | {kind: 'failed'; error: TaskFailedError}
  /** The service no longer knows the task (404) and the user asked to submit such tasks again. */
  | {kind: 'lost'; taskId: string; submittedAt: string};

/**
 * One attempt at a segment's task, inside a task slot: resume the task the journal has for it (by GET,
 * no new submit), or record the intent, submit and record the task id; then wait for the task. A submit
 * whose outcome is unknown is recorded as such and never sent again unless `resubmitUnknown`; a certain
 * refusal leaves nothing in the journal. `onSubmitted` is called once per submit the service accepted.
 */
export const runTaskAttempt = async (options: {
  client: MmaudioProvider;
  journal: SubmitJournal;
  request: BackendRequest;
  /** The video to send (a URL or base64), read only when a submit goes out. */
  videoFor: (request: BackendRequest) => Promise<string>;
  resubmitUnknown: boolean;
  taskTimeoutMs: number;
  onSubmitted: () => void;
  logger: Logger;
  signal?: AbortSignal;
}): Promise<TaskAttemptOutcome> => {
  const {client, journal, request, resubmitUnknown, logger, signal} = options;
  const label = `Segment ${request.segmentIndex + 1}`;
  const entry = await journal.get(request.cacheKey);
  const sameService = entry !== null && entry.baseUrl === client.baseUrl;
  const base: JournalBase = {
    cacheKey: request.cacheKey,
    baseUrl: client.baseUrl,
    segmentIndex: request.segmentIndex,
    seed: request.seed,
    ...(request.compositionId === undefined ? {} : {compositionId: request.compositionId}),
    ...(request.startFrame === undefined ? {} : {startFrame: request.startFrame}),
    ...(request.endFrame === undefined ? {} : {endFrame: request.endFrame}),
  };
  let taskId: string;
  let submittedAt: string;
  let estimatedTimeSeconds: number | null = null;
  if (entry?.state === 'submitted' && entry.taskId && sameService) {
    taskId = entry.taskId;
    submittedAt = submittedAtOf(entry);
    estimatedTimeSeconds = entry.estimatedTimeSeconds;
    logger.info(`${label}: resuming task ${taskId} from an earlier run (no new submit).`);
  } else {
    if (entry && sameService && isUnknownOutcome(entry)) {
      if (!resubmitUnknown) {
        throw new UnknownSubmitError([
          {segmentIndex: request.segmentIndex, submittedAt: submittedAtOf(entry)},
        ]);
      }
      logger.warn(
        `${label}: submitting again as asked (--resubmit-unknown); the earlier submit of ${submittedAtOf(entry)} may have been billed too.`,
      );
    }
    const video = await options.videoFor(request);
    submittedAt = await journal.recordIntent(base);
    let task: ProviderTask;
    try {
      task = await client.submit(
        {
          video,
          prompt: request.prompt,
          negativePrompt: request.negativePrompt,
          steps: request.steps,
          seed: request.seed,
          durationInSeconds: request.durationInSeconds,
        },
        {signal},
      );
    } catch (err) {
      if (err instanceof SubmitOutcomeUnknownError) {
        await journal.recordUnknown({...base, taskId: null, submittedAt, reason: err.message});
        logger.verbose(`${label}: ${err.message}`);
        signal?.throwIfAborted();
        throw new UnknownSubmitError([{segmentIndex: request.segmentIndex, submittedAt}], {cause: err});
      }
      // A certain refusal (4xx, 429, nothing sent, bad input): no task exists, nothing to remember.
      await journal.remove(request.cacheKey);
      throw err;
    }
    options.onSubmitted();
    taskId = task.taskId;
    estimatedTimeSeconds = task.estimatedTimeSeconds;
    await journal.recordSubmitted({...base, taskId, estimatedTimeSeconds, submittedAt});
    logger.verbose(`${label}: submitted task ${taskId}.`);
  }
  try {
    const done = await client.waitForTask(taskId, {
      signal,
      timeoutMs: options.taskTimeoutMs,
      estimatedTimeSeconds,
      onUpdate: (t) => logger.trace(`${label}: task ${t.taskId} is ${t.status}`),
    });
    return {kind: 'completed', task: done};
  } catch (err) {
    if (err instanceof TaskFailedError) {
      // A failed task is finished at the service: forget it so the next attempt submits anew.
      await journal.remove(request.cacheKey);
      return {kind: 'failed', error: err};
    }
    if (err instanceof QubicoApiError && err.status === 404) {
      // The service no longer knows the task: whether it ran (and was billed) is unknown.
      await journal.recordUnknown({
        ...base,
        taskId,
        submittedAt,
        reason: `the service answered 404 for task ${taskId}`,
      });
      if (resubmitUnknown) return {kind: 'lost', taskId, submittedAt};
      throw new UnknownSubmitError([{segmentIndex: request.segmentIndex, submittedAt}], {cause: err});
    }
    throw err;
  }
};
