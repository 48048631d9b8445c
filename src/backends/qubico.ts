import {rm} from 'node:fs/promises';
import type {QubicoClient} from '../api/client.ts';
import {MMAudioError} from '../errors.ts';
import type {Logger} from '../log.ts';
import type {MmaudioProvider} from '../providers/provider.ts';
import {createQubicoProvider} from '../providers/qubico/create-qubico-provider.ts';
import type {SubmitJournal} from '../state/journal.ts';
import type {AudioBackend, BackendRequest, BackendResult} from './backend.ts';
import {createProxyVideoReader, type UploadProxy} from './qubico/create-proxy-video-reader.ts';
import {downloadTaskResult} from './qubico/download-task-result.ts';
import {runTaskAttempt} from './qubico/run-task-attempt.ts';
import {SegmentGenerationError} from './qubico/segment-generation-error.ts';
import {UnknownSubmitError} from './unknown-submit-error.ts';

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

  const videoFor = createProxyVideoReader(options.upload ?? null);

  const generate = async (
    request: BackendRequest,
    {signal, logger}: {signal?: AbortSignal; logger: Logger},
  ): Promise<BackendResult> => {
    const label = `Segment ${request.segmentIndex + 1}`;
    let submits = 0;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const outcome = await client.withTaskSlot(
        () =>
          runTaskAttempt({
            client,
            journal,
            request,
            videoFor,
            resubmitUnknown,
            taskTimeoutMs,
            onSubmitted: () => {
              submits++;
            },
            logger,
            signal,
          }),
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
      await downloadTaskResult({
        client,
        request,
        task: outcome.task,
        maxAttempts: maxDownloadAttempts,
        logger,
        signal,
      });
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
