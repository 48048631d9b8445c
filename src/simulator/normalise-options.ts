import {VIDEO_MAX_BYTES} from '../contract/video-limits.ts';
import {UsageError} from '../errors.ts';
import type {SimulatorOptions} from './types.ts';

export type NormalisedSimulatorOptions = {
  host: string;
  port: number;
  /** null: any non-empty key is accepted. */
  apiKey: string | null;
  taskLatencyMs: number;
  /** null: derived from the current task latency. */
  estimatedTimeSeconds: number | null;
  limits: {requestsPerWindow: number; windowMs: number; concurrentTasks: number; requestsPerDay: number};
  maxVideoBytes: number;
  videoFetchTimeoutMs: number;
  result: {sampleRate: number; channels: number};
};

const integerIn = (
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(
      `startSimulator: ${name} must be an integer from ${min} to ${max}, got ${String(value)}.`,
    );
  }
  return value;
};

const nonNegative = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`startSimulator: ${name} must be a finite number ≥ 0, got ${String(value)}.`);
  }
  return value;
};

/** Validates the options (UsageError naming the option) and fills in the defaults. */
export const normaliseSimulatorOptions = (options: SimulatorOptions): NormalisedSimulatorOptions => {
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') {
    throw new UsageError('startSimulator: host must be a non-empty string such as 127.0.0.1.');
  }
  if (options.apiKey !== undefined && options.apiKey !== null && typeof options.apiKey !== 'string') {
    throw new UsageError('startSimulator: apiKey must be a string or null.');
  }
  const apiKey = options.apiKey === null ? null : options.apiKey || process.env.QUBICO_API_KEY || null;
  const limits = options.limits ?? {};
  const maxInt = Number.MAX_SAFE_INTEGER;
  return {
    host,
    port: integerIn('port', options.port, 0, 0, 65535),
    apiKey,
    taskLatencyMs: nonNegative('taskLatencyMs', options.taskLatencyMs, 2000),
    estimatedTimeSeconds:
      options.estimatedTimeSeconds === undefined
        ? null
        : nonNegative('estimatedTimeSeconds', options.estimatedTimeSeconds, 0),
    limits: {
      requestsPerWindow: integerIn('limits.requestsPerWindow', limits.requestsPerWindow, 20, 1, maxInt),
      windowMs: integerIn('limits.windowMs', limits.windowMs, 60_000, 1, maxInt),
      concurrentTasks: integerIn('limits.concurrentTasks', limits.concurrentTasks, 5, 1, maxInt),
      requestsPerDay: integerIn('limits.requestsPerDay', limits.requestsPerDay, 500, 1, maxInt),
    },
    maxVideoBytes: integerIn('maxVideoBytes', options.maxVideoBytes, VIDEO_MAX_BYTES, 1, maxInt),
    videoFetchTimeoutMs: integerIn('videoFetchTimeoutMs', options.videoFetchTimeoutMs, 10_000, 1, maxInt),
    result: {
      sampleRate: integerIn('result.sampleRate', options.result?.sampleRate, 44_100, 8000, 192_000),
      channels: integerIn('result.channels', options.result?.channels, 1, 1, 8),
    },
  };
};
