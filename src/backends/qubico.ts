import {readFile, rm, stat} from 'node:fs/promises';
import type {QubicoClient} from '../api/client.ts';
import {
  InvalidResultError,
  QubicoApiError,
  ResultRejectedError,
  SubmitOutcomeUnknownError,
  TaskFailedError,
} from '../api/errors.ts';
import {VIDEO_MAX_BYTES} from '../contract/video-limits.ts';
import {MMAudioError} from '../errors.ts';
import type {Logger} from '../log.ts';
import type {MmaudioProvider, ProviderTask} from '../providers/provider.ts';
import {createQubicoProvider} from '../providers/qubico/create-qubico-provider.ts';
import {isUnknownOutcome, type JournalBase, type SubmitJournal, submittedAtOf} from '../state/journal.ts';
import type {AudioBackend, BackendRequest, BackendResult} from './backend.ts';
import {UnknownSubmitError} from './unknown-submit-error.ts';

/** Hosts the proxy and returns an http(s) URL the service can fetch, instead of sending base64. */
export type UploadProxy = (file: string, info: {segmentIndex: number; bytes: number}) => Promise<string>;

export type QubicoBackendOptions = {
  /** The hosted service: any provider, or a Qubico client (put behind the provider interface). */
  client: MmaudioProvider | QubicoClient;
  /** Where submits are recorded so a killed run resumes its tasks instead of paying again. */
  journal: SubmitJournal;
  /** Attempts per segment when the service reports the task failed. Default 3 (2 resubmits). */
  maxTaskAttempts?: number;
  /** Attempts to download a completed task's result (404, truncated wav). Default 3. */
  maxDownloadAttempts?: number;
  /** Overall wait per task. Default 20 minutes. */
  taskTimeoutMs?: number;
  upload?: UploadProxy | null;
  /**
   * Submit again a segment whose earlier submit has an unknown outcome (the task may exist and be
   * billed). Default false: such a segment fails with UnknownSubmitError and is not sent.
   */
  resubmitUnknown?: boolean;
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
  const {journal} = options;
  const client: MmaudioProvider =
    'facts' in options.client ? options.client : createQubicoProvider(options.client, {webhookSecret: null});
  const maxTaskAttempts = options.maxTaskAttempts ?? 3;
  const maxDownloadAttempts = options.maxDownloadAttempts ?? 3;
  const taskTimeoutMs = options.taskTimeoutMs ?? 20 * 60_000;
  const resubmitUnknown = options.resubmitUnknown ?? false;
  if (!Number.isInteger(maxTaskAttempts) || maxTaskAttempts < 1) {
    throw new TypeError(`maxTaskAttempts must be a positive integer, got ${maxTaskAttempts}`);
  }

  // The proxy is read and base64-encoded only when its submit is about to go out, inside the task slot:
  // segments queued for a slot hold no copy of their video in memory. Checked against the service's
  // size limit first (a 413 would only come after the upload). An uploaded proxy's URL is kept.
  const uploaded = new Map<string, Promise<string>>();
  const videoFor = async (request: BackendRequest): Promise<string> => {
    const size = (await stat(request.proxyPath)).size;
    if (size > VIDEO_MAX_BYTES) {
      throw new SegmentGenerationError(
        request.segmentIndex,
        `its proxy video is ${(size / 1024 / 1024).toFixed(1)} MB, more than the ${VIDEO_MAX_BYTES / 1024 / 1024} MB the service accepts (413); nothing was sent. Use a shorter --max-segment-seconds.`,
      );
    }
    if (options.upload) {
      const upload = options.upload;
      let url = uploaded.get(request.proxyPath);
      if (!url) {
        url = upload(request.proxyPath, {segmentIndex: request.segmentIndex, bytes: size});
        uploaded.set(request.proxyPath, url);
      }
      return url;
    }
    return (await readFile(request.proxyPath)).toString('base64');
  };

  const download = async (
    request: BackendRequest,
    task: ProviderTask,
    logger: Logger,
    signal?: AbortSignal,
  ): Promise<void> => {
    let current = task;
    for (let attempt = 1; ; attempt++) {
      const results = current.resultUrls;
      if (results.length === 0) {
        throw new SegmentGenerationError(
          request.segmentIndex,
          `task ${current.taskId} completed without a result`,
        );
      }
      if (results.length > 1) {
        logger.verbose(
          `Segment ${request.segmentIndex + 1}: the service returned ${results.length} results; using the first.`,
        );
      }
      try {
        await client.downloadResult(results[0], request.outputPath, {
          signal,
          segmentSeconds: request.durationInSeconds,
        });
        return;
      } catch (err) {
        signal?.throwIfAborted();
        if (err instanceof ResultRejectedError) {
          // Too large, an impossible sample rate, far too long: the same URL would answer the same.
          throw new SegmentGenerationError(
            request.segmentIndex,
            `${err.message} (task ${current.taskId}; it stays in the journal)`,
            {cause: err},
          );
        }
        if (attempt >= maxDownloadAttempts) {
          throw new SegmentGenerationError(
            request.segmentIndex,
            `could not download the result of task ${current.taskId} after ${attempt} attempts: ${
              err instanceof Error ? err.message : String(err)
            }. The task stays in the journal: the next run downloads it without paying again.`,
            {cause: err},
          );
        }
        logger.verbose(
          `Segment ${request.segmentIndex + 1}: download failed (${err instanceof InvalidResultError ? 'incomplete wav' : err instanceof Error ? err.message : String(err)}); reading the task again.`,
        );
        // A fresh read of the task may carry a new (e.g. re-signed) result URL.
        current = await client.getTask(current.taskId, {signal});
      }
    }
  };

  const generate = async (
    request: BackendRequest,
    {signal, logger}: {signal?: AbortSignal; logger: Logger},
  ): Promise<BackendResult> => {
    const label = `Segment ${request.segmentIndex + 1}`;
    let submits = 0;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const outcome = await client.withTaskSlot(
        async () => {
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
            const video = await videoFor(request);
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
                throw new UnknownSubmitError([{segmentIndex: request.segmentIndex, submittedAt}], {
                  cause: err,
                });
              }
              // A certain refusal (4xx, 429, nothing sent, bad input): no task exists, nothing to remember.
              await journal.remove(request.cacheKey);
              throw err;
            }
            submits++;
            taskId = task.taskId;
            estimatedTimeSeconds = task.estimatedTimeSeconds;
            await journal.recordSubmitted({...base, taskId, estimatedTimeSeconds, submittedAt});
            logger.verbose(`${label}: submitted task ${taskId}.`);
          }
          try {
            const done = await client.waitForTask(taskId, {
              signal,
              timeoutMs: taskTimeoutMs,
              estimatedTimeSeconds,
              onUpdate: (t) => logger.trace(`${label}: task ${t.taskId} is ${t.status}`),
            });
            return {kind: 'completed' as const, task: done};
          } catch (err) {
            if (err instanceof TaskFailedError) {
              // A failed task is finished at the service: forget it so the next attempt submits anew.
              await journal.remove(request.cacheKey);
              return {kind: 'failed' as const, error: err};
            }
            if (err instanceof QubicoApiError && err.status === 404) {
              // The service no longer knows the task: whether it ran (and was billed) is unknown.
              await journal.recordUnknown({
                ...base,
                taskId,
                submittedAt,
                reason: `the service answered 404 for task ${taskId}`,
              });
              if (resubmitUnknown) return {kind: 'lost' as const, taskId, submittedAt};
              throw new UnknownSubmitError([{segmentIndex: request.segmentIndex, submittedAt}], {
                cause: err,
              });
            }
            throw err;
          }
        },
        {signal},
      );
      if (outcome.kind === 'lost') {
        if (attempt >= maxTaskAttempts) {
          throw new UnknownSubmitError([
            {segmentIndex: request.segmentIndex, submittedAt: outcome.submittedAt},
          ]);
        }
        logger.warn(
          `${label}: the service no longer knows task ${outcome.taskId} (404); submitting again as asked (--resubmit-unknown).`,
        );
        continue;
      }
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
        taskId: outcome.task.taskId,
        // A resumed task was billed by the run that submitted it.
        billedSeconds: submits > 0 ? request.durationInSeconds : 0,
        submits,
      };
    }
  };

  return {
    name: client.name,
    async generate(request, context): Promise<BackendResult> {
      try {
        return await generate(request, context);
      } catch (err) {
        // Every failure names its segment, so the user knows which one to look at. A cancellation and
        // bad input (exit code 2, nothing sent) stay as they are.
        if (
          err instanceof SegmentGenerationError ||
          err instanceof UnknownSubmitError ||
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
