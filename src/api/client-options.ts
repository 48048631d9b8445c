import type {Dispatcher} from 'undici';
import {UsageError} from '../errors.ts';
import {type Logger, silentLogger} from '../log.ts';
import type {SharedLimits} from '../state/redis-limits.ts';
import {type Clock, systemClock} from './clock.ts';
import {MissingApiKeyError} from './errors.ts';

export const DEFAULT_BASE_URL = 'https://api.qubico.ai';

export type QubicoClientOptions = {
  /** Default `process.env.QUBICO_API_KEY`; missing or empty → MissingApiKeyError. */
  apiKey?: string;
  /** Default `process.env.QUBICO_BASE_URL ?? 'https://api.qubico.ai'`. A trailing slash is ignored. */
  baseUrl?: string;
  /** Default silentLogger(). The key and the webhook secret are registered with `addSecret`. */
  logger?: Logger;
  /**
   * Request budget shared by every request to the API. Default 20 per 60 000 ms.
   *
   * `persist` keeps the window on disk, per key (a hash names the file; the key is never written), so
   * that a client created next, in this process or another, starts with these requests counted and waits
   * for them. `true` uses the daily counter's directory (`dailyQuota.directory`, else the state
   * directory); `{directory}` names another. Default: `true` unless `dailyQuota` is `false`. Two runs at
   * the very same time are not coordinated (the service's 429 and Retry-After remain the guard).
   */
  rateLimit?: {requests?: number; intervalMs?: number; persist?: boolean | {directory: string}};
  /** Tasks in flight at once (see `withTaskSlot`). Default 5. */
  maxConcurrentTasks?: number;
  /** Daily request counter on disk. Default 500/day in the state directory; false disables it. */
  dailyQuota?: {limit?: number; directory?: string} | false;
  /** Retries per request (not counting the first attempt). Default 5. */
  maxRetries?: number;
  /** First backoff delay. Default 1000 ms. */
  retryBaseDelayMs?: number;
  /** Cap of the backoff delay. Default 30 000 ms (a Retry-After is honoured beyond it, up to 60 s). */
  retryMaxDelayMs?: number;
  /** Per HTTP attempt, upload and body included. Default 120 000 ms. */
  requestTimeoutMs?: number;
  /** Polling interval bounds of `waitForTask`. Default 2 000 / 30 000 ms. */
  pollIntervalMs?: {min?: number; max?: number};
  /** Sent as `config.webhook_config` on submit; polling then becomes a rare fallback. Default none. */
  webhook?: {url: string; secret: string} | null;
  /** undici dispatcher for every request. Default: an Agent owned (and closed) by the client. */
  dispatcher?: Dispatcher;
  /**
   * Time source for waits (backoff, polling, the request window). Default Date.now + setTimeout. When the
   * window is persisted, `now()` must tell ms since the epoch: the times on disk are read by other runs.
   */
  clock?: Clock;
  /** Random source for backoff jitter, in [0, 1). Default Math.random. */
  random?: () => number;
  /**
   * The request window, task slots and daily quota shared by many processes (`createRedisLimits`). When
   * given they replace the local ones (and `rateLimit.persist`); the caller closes them. Default none.
   */
  sharedLimits?: SharedLimits;
};

/** The options once checked, every default applied. */
export type ClientSettings = {
  apiKey: string;
  logger: Logger;
  webhook: {url: string; secret: string} | null;
  baseUrl: string;
  apiOrigin: string;
  maxRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  requestTimeoutMs: number;
  pollMinMs: number;
  pollMaxMs: number;
  maxConcurrentTasks: number;
  rateRequests: number;
  rateIntervalMs: number;
  persist: boolean | {directory: string};
  clock: Clock;
  random: () => number;
};

export const checkNumber = (
  name: string,
  value: number,
  rule: {integer?: boolean; min: number; max?: number},
): number => {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    value >= rule.min &&
    (rule.max === undefined || value <= rule.max);
  if (!ok) {
    const what = rule.integer ? 'an integer' : 'a number';
    const range = rule.max === undefined ? `≥ ${rule.min}` : `from ${rule.min} to ${rule.max}`;
    throw new UsageError(`createQubicoClient: ${name} must be ${what} ${range}, got ${String(value)}`);
  }
  return value;
};

/**
 * Checks and normalises the API base URL (no trailing slash). A user name or password in it is refused:
 * it would be sent to the service on every request and written wherever the URL is recorded (the submit
 * journal); the key belongs in QUBICO_API_KEY. The refusal never repeats the URL.
 */
export const normaliseBaseUrl = (value: string): string => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('QUBICO_BASE_URL / baseUrl is not a URL (expected e.g. https://api.qubico.ai)');
  }
  if (url.username || url.password) {
    throw new UsageError(
      'QUBICO_BASE_URL / baseUrl must not contain a user name or password (user:password@host): ' +
        'remove it, and put the API key in QUBICO_API_KEY.',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`QUBICO_BASE_URL / baseUrl must be http(s), got ${url.protocol}`);
  }
  if (url.search || url.hash) {
    throw new UsageError('QUBICO_BASE_URL / baseUrl must not have a query or a fragment');
  }
  return url.href.replace(/\/+$/, '');
};

const isLoopbackHost = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);

const checkWebhook = (webhook: {url: string; secret: string} | null, logger: Logger): void => {
  if (!webhook) return;
  if (!webhook.url || !/^https?:\/\//i.test(webhook.url)) {
    throw new UsageError(`The webhook URL must be an http(s) URL, got ${JSON.stringify(webhook.url)}`);
  }
  if (!webhook.secret) {
    throw new UsageError('A webhook needs a secret (QUBICO_WEBHOOK_SECRET) so that forged calls are refused');
  }
  logger.addSecret(webhook.secret);
  let hostname = '';
  try {
    hostname = new URL(webhook.url).hostname;
  } catch {
    throw new UsageError('The webhook URL is not a URL');
  }
  if (/^http:/i.test(webhook.url) && !isLoopbackHost(hostname)) {
    logger.warn(
      `The webhook URL is plain http:// (${hostname}): the service's calls, with the webhook secret in ` +
        'their x-webhook-secret header, cross the network unencrypted. Prefer an https URL.',
    );
  }
};

/** Checks every option once (a precise UsageError naming the option) and applies the defaults. */
export const normaliseClientOptions = (options: QubicoClientOptions): ClientSettings => {
  const apiKey = (options.apiKey ?? process.env.QUBICO_API_KEY ?? '').trim();
  if (apiKey === '') throw new MissingApiKeyError();
  const logger = options.logger ?? silentLogger();
  logger.addSecret(apiKey);
  const webhook = options.webhook ?? null;
  checkWebhook(webhook, logger);
  const baseUrl = normaliseBaseUrl(options.baseUrl ?? process.env.QUBICO_BASE_URL ?? DEFAULT_BASE_URL);
  const pollMinMs = checkNumber('pollIntervalMs.min', options.pollIntervalMs?.min ?? 2_000, {min: 0});
  const persist = options.rateLimit?.persist ?? options.dailyQuota !== false;
  if (
    typeof persist !== 'boolean' &&
    (typeof persist !== 'object' ||
      persist === null ||
      typeof persist.directory !== 'string' ||
      persist.directory === '')
  ) {
    throw new UsageError(
      `createQubicoClient: rateLimit.persist must be true, false or {directory: string}, got ${JSON.stringify(persist)}`,
    );
  }
  return {
    apiKey,
    logger,
    webhook,
    baseUrl,
    apiOrigin: new URL(baseUrl).origin,
    maxRetries: checkNumber('maxRetries', options.maxRetries ?? 5, {integer: true, min: 0}),
    retryBaseDelayMs: checkNumber('retryBaseDelayMs', options.retryBaseDelayMs ?? 1000, {min: 0}),
    retryMaxDelayMs: checkNumber('retryMaxDelayMs', options.retryMaxDelayMs ?? 30_000, {min: 0}),
    requestTimeoutMs: checkNumber('requestTimeoutMs', options.requestTimeoutMs ?? 120_000, {min: 1}),
    pollMinMs,
    pollMaxMs: checkNumber('pollIntervalMs.max', options.pollIntervalMs?.max ?? 30_000, {min: pollMinMs}),
    maxConcurrentTasks: checkNumber('maxConcurrentTasks', options.maxConcurrentTasks ?? 5, {
      integer: true,
      min: 1,
    }),
    rateRequests: checkNumber('rateLimit.requests', options.rateLimit?.requests ?? 20, {
      integer: true,
      min: 1,
    }),
    rateIntervalMs: checkNumber('rateLimit.intervalMs', options.rateLimit?.intervalMs ?? 60_000, {min: 0}),
    persist,
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
  };
};
