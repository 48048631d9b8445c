import {InvalidResultError, ResultRejectedError} from '../../api/errors.ts';
import type {Logger} from '../../log.ts';
import type {MmaudioProvider, ProviderTask} from '../../providers/provider.ts';
import type {BackendRequest} from '../backend.ts';
import {SegmentGenerationError} from './segment-generation-error.ts';

/**
 * Downloads the first result of a completed task to `request.outputPath`. A failed download reads the
 * task again (a fresh read may carry a new, e.g. re-signed, URL) and tries again, up to `maxAttempts`;
 * a result refused for what it is (too large, an impossible sample rate) is not tried again. Either way
 * the task stays in the journal, so the next run downloads it without paying again.
 */
export const downloadTaskResult = async (options: {
  client: MmaudioProvider;
  request: BackendRequest;
  task: ProviderTask;
  maxAttempts: number;
  logger: Logger;
  signal?: AbortSignal;
}): Promise<void> => {
  const {client, request, maxAttempts, logger, signal} = options;
  let current = options.task;
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
      if (attempt >= maxAttempts) {
        throw new SegmentGenerationError(
          request.segmentIndex,
          `could not download the result of task ${current.taskId} after ${attempt} attempts: ${
            err instanceof Error ? err.message : String(err)
          }. The task stays in the journal: the next run downloads it without paying again.`,
          {cause: err},
        );
      }
      logger.verbose(
        `Segment ${request.segmentIndex + 1}: download failed (${err instanceof InvalidResultError ? 'incomplete result' : err instanceof Error ? err.message : String(err)}); reading the task again.`,
      );
      // A fresh read of the task may carry a new (e.g. re-signed) result URL.
      current = await client.getTask(current.taskId, {signal});
    }
  }
};
