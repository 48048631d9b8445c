import {UsageError} from '../../errors.ts';
import type {GenerateAudioOptions} from './generate-audio-options.ts';
import type {NormalizedGenerateOptions} from './normalized-generate-options.ts';

/** How long a run waits for another one using the same cache or published folder, by default. */
export const DEFAULT_LOCK_TIMEOUT_MS = 30 * 60_000;

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The run's limits: render concurrency, task attempts, the wait per task and for another run's lock. */
export const normalizeRunLimits = (
  options: Pick<GenerateAudioOptions, 'concurrency' | 'maxTaskAttempts' | 'taskTimeoutMs' | 'lockTimeoutMs'>,
): Pick<NormalizedGenerateOptions, 'concurrency' | 'maxTaskAttempts' | 'taskTimeoutMs' | 'lockTimeoutMs'> => {
  const concurrency = options.concurrency ?? null;
  if (concurrency !== null && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new UsageError(`--concurrency must be a positive integer, got ${options.concurrency}.`);
  }
  const maxTaskAttempts = options.maxTaskAttempts ?? 3;
  if (!Number.isInteger(maxTaskAttempts) || maxTaskAttempts < 1) {
    throw new UsageError(`maxTaskAttempts must be a positive integer, got ${options.maxTaskAttempts}.`);
  }
  const taskTimeoutMs = options.taskTimeoutMs ?? 20 * 60_000;
  if (!finite(taskTimeoutMs) || taskTimeoutMs <= 0) {
    throw new UsageError(`taskTimeoutMs must be a positive number of ms, got ${options.taskTimeoutMs}.`);
  }
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  if (!finite(lockTimeoutMs) || lockTimeoutMs < 0) {
    throw new UsageError(
      `--lock-timeout must be a number of seconds ≥ 0 (lockTimeoutMs: ms), got ${options.lockTimeoutMs}.`,
    );
  }
  return {concurrency, maxTaskAttempts, taskTimeoutMs, lockTimeoutMs};
};
