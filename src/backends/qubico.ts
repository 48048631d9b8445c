import {readFile, rm} from 'node:fs/promises';
import type {QubicoClient} from '../api/client.ts';
import {InvalidResultError, TaskFailedError} from '../api/errors.ts';
import type {QubicoTask} from '../api/schema.ts';
import {MMAudioError} from '../errors.ts';
import type {Logger} from '../log.ts';
import type {SubmitJournal} from '../pipeline/journal.ts';
import type {AudioBackend, BackendRequest, BackendResult} from './backend.ts';

/** Hosts the proxy and returns an http(s) URL the service can fetch, instead of sending base64. */
export type UploadProxy = (file: string, info: {segmentIndex: number; bytes: number}) => Promise<string>;

export type QubicoBackendOptions = {
  client: QubicoClient;
  /** Where submits are recorded so a killed run resumes its tasks instead of paying again. */
  journal: SubmitJournal;
  /** Attempts per segment when the service reports the task failed. Default 3 (2 resubmits). */
  maxTaskAttempts?: number;
  /** Attempts to download a completed task's result (404, truncated wav). Default 3. */
  maxDownloadAttempts?: number;
  /** Overall wait per task. Default 20 minutes. */
  taskTimeoutMs?: number;
  upload?: UploadProxy | null;
};

/** A segment could not be generated; names the segment so the user knows which one. */
export class SegmentGenerationError extends MMAudioError {
  readonly segmentIndex: number;
  constructor(segmentIndex: number, message: string, options?: {cause?: unknown}) {
    super(`Segment ${segmentIndex + 1}: ${message}`, options);
    this.segmentIndex = segmentIndex;
  }
}

/**
 * The MMAudio backend over the API client: the client does validation, retries, the request budget, the
 * task slots and the daily quota; this adds the per-segment policy — journal before and after submit,
 * resume by GET, resubmit a failed task a bounded number of times, re-read the task when its result cannot
 * be downloaded.
 */
export const createQubicoBackend = (options: QubicoBackendOptions): AudioBackend => {
  const {client, journal} = options;
  const maxTaskAttempts = options.maxTaskAttempts ?? 3;
  const maxDownloadAttempts = options.maxDownloadAttempts ?? 3;
  const taskTimeoutMs = options.taskTimeoutMs ?? 20 * 60_000;
  if (!Number.isInteger(maxTaskAttempts) || maxTaskAttempts < 1) {
    throw new TypeError(`maxTaskAttempts must be a positive integer, got ${maxTaskAttempts}`);
  }

  const videoFor = async (request: BackendRequest): Promise<string> => {
    const bytes = await readFile(request.proxyPath);
    if (options.upload) {
      return options.upload(request.proxyPath, {segmentIndex: request.segmentIndex, bytes: bytes.length});
    }
    return bytes.toString('base64');
  };

  const download = async (
    request: BackendRequest,
    task: QubicoTask,
    logger: Logger,
    signal?: AbortSignal,
  ): Promise<void> => {
    let current = task;
    for (let attempt = 1; ; attempt++) {
      const results = current.results ?? [];
      if (results.length === 0) {
        throw new SegmentGenerationError(
          request.segmentIndex,
          `task ${current.task_id} completed without a result`,
        );
      }
      if (results.length > 1) {
        logger.verbose(
          `Segment ${request.segmentIndex + 1}: the service returned ${results.length} results; using the first.`,
        );
      }
      try {
        await client.downloadResult(results[0].url, request.outputPath, {signal});
        return;
      } catch (err) {
        signal?.throwIfAborted();
        if (attempt >= maxDownloadAttempts) {
          throw new SegmentGenerationError(
            request.segmentIndex,
            `could not download the result of task ${current.task_id} after ${attempt} attempts: ${
              err instanceof Error ? err.message : String(err)
            }. The task stays in the journal: the next run downloads it without paying again.`,
            {cause: err},
          );
        }
        logger.verbose(
          `Segment ${request.segmentIndex + 1}: download failed (${err instanceof InvalidResultError ? 'incomplete wav' : err instanceof Error ? err.message : String(err)}); reading the task again.`,
        );
        // A fresh read of the task may carry a new (e.g. re-signed) result URL.
        current = await client.getTask(current.task_id, {signal});
      }
    }
  };

  const generate = async (
    request: BackendRequest,
    {signal, logger}: {signal?: AbortSignal; logger: Logger},
  ): Promise<BackendResult> => {
    const label = `Segment ${request.segmentIndex + 1}`;
    let submits = 0;
    const video = await videoFor(request);
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const outcome = await client.withTaskSlot(
        async () => {
          const entry = await journal.get(request.cacheKey);
          let taskId: string;
          let estimatedTimeSeconds: number | null = null;
          if (entry?.state === 'submitted' && entry.taskId && entry.baseUrl === client.baseUrl) {
            taskId = entry.taskId;
            estimatedTimeSeconds = entry.estimatedTimeSeconds;
            logger.info(`${label}: resuming task ${taskId} from an earlier run (no new submit).`);
          } else {
            if (entry?.state === 'submitting') {
              logger.warn(
                `${label}: an earlier submit of this segment got no task id back (the run was interrupted, or the answer was lost); that task may have been billed but cannot be resumed. Submitting again.`,
              );
            }
            const base = {
              cacheKey: request.cacheKey,
              baseUrl: client.baseUrl,
              segmentIndex: request.segmentIndex,
              seed: request.seed,
            };
            await journal.recordIntent(base);
            const task = await client.submit(
              {
                video,
                prompt: request.prompt,
                negativePrompt: request.negativePrompt,
                steps: request.steps,
                seed: request.seed,
              },
              {signal},
            );
            submits++;
            taskId = task.task_id;
            estimatedTimeSeconds = task.estimated_time ?? null;
            await journal.recordSubmitted({...base, taskId, estimatedTimeSeconds});
            logger.verbose(`${label}: submitted task ${taskId}.`);
          }
          try {
            const done = await client.waitForTask(taskId, {
              signal,
              timeoutMs: taskTimeoutMs,
              estimatedTimeSeconds,
              onUpdate: (t) => logger.trace(`${label}: task ${t.task_id} is ${t.status}`),
            });
            return {kind: 'completed' as const, task: done};
          } catch (err) {
            if (err instanceof TaskFailedError) {
              // A failed task is finished at the service: forget it so the next attempt submits anew.
              await journal.remove(request.cacheKey);
              return {kind: 'failed' as const, error: err};
            }
            throw err;
          }
        },
        {signal},
      );
      if (outcome.kind === 'failed') {
        if (attempt >= maxTaskAttempts) {
          throw new SegmentGenerationError(
            request.segmentIndex,
            `the service failed the task ${attempt} time${attempt === 1 ? '' : 's'} (last: ${outcome.error.message}). ` +
              'Completed segments are cached; run again to retry this one.',
            {cause: outcome.error},
          );
        }
        logger.warn(
          `${label}: task ${outcome.error.taskId} failed at the service; resubmitting (attempt ${attempt + 1} of ${maxTaskAttempts}).`,
        );
        continue;
      }
      await rm(request.outputPath, {force: true});
      await download(request, outcome.task, logger, signal);
      return {
        wavPath: request.outputPath,
        taskId: outcome.task.task_id,
        // A resumed task was billed by the run that submitted it.
        billedSeconds: submits > 0 ? request.durationInSeconds : 0,
        submits,
      };
    }
  };

  return {
    name: 'qubico',
    async generate(request, context): Promise<BackendResult> {
      try {
        return await generate(request, context);
      } catch (err) {
        // Every failure names its segment, so the user knows which one to look at. A cancellation and
        // bad input (exit code 2, nothing sent) stay as they are.
        if (
          err instanceof SegmentGenerationError ||
          context.signal?.aborted ||
          (err instanceof MMAudioError && err.exitCode === 2)
        ) {
          throw err;
        }
        const message = err instanceof Error ? err.message : String(err);
        throw new SegmentGenerationError(request.segmentIndex, message, {cause: err});
      }
    },
  };
};
