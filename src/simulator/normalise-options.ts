import {PROVIDERS, type ProviderName, providerNames} from '../contract/providers.ts';
import {VIDEO_MAX_BYTES} from '../contract/video-limits.ts';
import {UsageError} from '../errors.ts';
import {HOST_LIMITS, type HostLimits} from './contracts/host-limits.ts';
import type {SimulatorOptions} from './types.ts';

export type NormalisedSimulatorOptions = {
  provider: ProviderName;
  host: string;
  port: number;
  /** null: any non-empty key is accepted. */
  apiKey: string | null;
  taskLatencyMs: number;
  /** null: derived from the current task latency. */
  estimatedTimeSeconds: number | null;
  limits: HostLimits;
  maxVideoBytes: number;
  videoFetchTimeoutMs: number;
  result: {sampleRate: number; channels: number};
  /** Replicate's `whsec_` secret; null: a random one. */
  webhookSigningSecret: string | null;
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
  const provider = options.provider ?? 'qubico';
  if (!(providerNames as readonly string[]).includes(provider)) {
    throw new UsageError(
      `startSimulator: provider must be one of ${providerNames.join(', ')}, got ${JSON.stringify(provider)}.`,
    );
  }
  const defaults = HOST_LIMITS[provider];
  const secret = options.webhookSigningSecret;
  if (
    secret !== undefined &&
    (typeof secret !== 'string' || !/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret) || secret.length < 16)
  ) {
    throw new UsageError(
      'startSimulator: webhookSigningSecret must be whsec_ followed by base64 (at least 8 bytes).',
    );
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') {
    throw new UsageError('startSimulator: host must be a non-empty string such as 127.0.0.1.');
  }
  if (options.apiKey !== undefined && options.apiKey !== null && typeof options.apiKey !== 'string') {
    throw new UsageError('startSimulator: apiKey must be a string or null.');
  }
  const apiKey =
    options.apiKey === null ? null : options.apiKey || process.env[PROVIDERS[provider].keyEnv] || null;
  const limits = options.limits ?? {};
  const maxInt = Number.MAX_SAFE_INTEGER;
  return {
    provider,
    host,
    port: integerIn('port', options.port, 0, 0, 65535),
    apiKey,
    taskLatencyMs: nonNegative('taskLatencyMs', options.taskLatencyMs, 2000),
    estimatedTimeSeconds:
      options.estimatedTimeSeconds === undefined
        ? null
        : nonNegative('estimatedTimeSeconds', options.estimatedTimeSeconds, 0),
    limits: {
      requestsPerWindow: integerIn(
        'limits.requestsPerWindow',
        limits.requestsPerWindow,
        defaults.requestsPerWindow,
        1,
        maxInt,
      ),
      windowMs: integerIn('limits.windowMs', limits.windowMs, defaults.windowMs, 1, maxInt),
      concurrentTasks: integerIn(
        'limits.concurrentTasks',
        limits.concurrentTasks,
        defaults.concurrentTasks,
        1,
        maxInt,
      ),
      concurrency: defaults.concurrency,
      requestsPerDay: integerIn(
        'limits.requestsPerDay',
        limits.requestsPerDay,
        defaults.requestsPerDay,
        1,
        maxInt,
      ),
      submitsPerWindow:
        limits.submitsPerWindow === undefined && defaults.submitsPerWindow === null
          ? null
          : integerIn(
              'limits.submitsPerWindow',
              limits.submitsPerWindow,
              defaults.submitsPerWindow ?? 0,
              1,
              maxInt,
            ),
    },
    maxVideoBytes: integerIn('maxVideoBytes', options.maxVideoBytes, VIDEO_MAX_BYTES, 1, maxInt),
    videoFetchTimeoutMs: integerIn('videoFetchTimeoutMs', options.videoFetchTimeoutMs, 10_000, 1, maxInt),
    result: {
      sampleRate: integerIn('result.sampleRate', options.result?.sampleRate, 44_100, 8000, 192_000),
      channels: integerIn('result.channels', options.result?.channels, 1, 1, 8),
    },
    webhookSigningSecret: secret ?? null,
  };
};
