import {Agent, type Dispatcher} from 'undici';
import {type ClientSettings, normaliseClientOptions} from '../api/client-options.ts';
import {createRequestBudget} from '../api/create-request-budget.ts';
import {createSemaphore} from '../api/create-semaphore.ts';
import {createResultDownloader, type DownloadResult} from '../api/download-result.ts';
import {TaskFailedError} from '../api/errors.ts';
import type {MakeApiErrorOptions} from '../api/make-api-error.ts';
import {createTransport, type Transport} from '../api/transport.ts';
import {createTaskWaiter, type TaskWaiter} from '../api/wait-for-task.ts';
import type {ProviderFacts} from '../contract/providers.ts';
import {MMAudioError, UsageError} from '../errors.ts';
import type {MmaudioProvider, ProviderTask} from './provider.ts';
import type {ProviderClientOptions} from './provider-client-options.ts';

/** What differs per host in the parts every provider shares. */
export type HostParts = {
  /** Headers that carry the key (sent to the host's origin only). */
  authHeaders: (apiKey: string) => Record<string, string>;
  /** Label, key variable, error body shape, 429 hint. */
  errorOptions: Omit<MakeApiErrorOptions, 'nowMs' | 'redact'>;
  /** The host's request window and task slots when the caller sets none. */
  defaults: {requestsPerMinute: number; maxConcurrentTasks: number};
  /** Whether a webhook is configured (polls then become a rare fallback). */
  webhook: boolean;
};

export type ProviderBase = {
  settings: ClientSettings;
  send: Transport['send'];
  aborted: Transport['aborted'];
  combine: (signal: AbortSignal | undefined) => AbortSignal;
  ensureOpen: () => void;
  /** Downloads a result and leaves a checked wav (mp4, mp3, flac… decoded with Remotion's ffmpeg). */
  download: DownloadResult;
  /** The waiter over this host's `getTask`. */
  waiterFor: (
    getTask: (taskId: string, options: {signal: AbortSignal}) => Promise<ProviderTask>,
  ) => TaskWaiter<ProviderTask>;
  withTaskSlot: MmaudioProvider['withTaskSlot'];
  quota: MmaudioProvider['quota'];
  stats: Transport['stats'];
  close: () => Promise<void>;
};

/** The key of `facts`' host: the option, else its variable. Missing: a UsageError, nothing sent. */
export const providerApiKey = (facts: ProviderFacts, apiKey: string | undefined): string => {
  const key = (apiKey ?? process.env[facts.keyEnv] ?? '').trim();
  if (key === '') {
    throw new UsageError(
      `No ${facts.label} key: set ${facts.keyEnv} (or pass apiKey), choose another --provider, or use ` +
        '--provider offline to generate placeholder audio without a service.',
    );
  }
  return key;
};

/**
 * The parts of a client, as the Qubico client has them, for another host: options checked once (the
 * host's key variable and base URL), request window and quota, transport with the host's error mapping,
 * task slots, waiter, and the result downloader that decodes non-wav results to a checked wav.
 */
export const createProviderBase = (
  facts: ProviderFacts,
  options: ProviderClientOptions,
  host: HostParts,
): ProviderBase => {
  const apiKey = providerApiKey(facts, options.apiKey);
  let settings: ClientSettings;
  try {
    settings = normaliseClientOptions({
      ...options,
      apiKey,
      baseUrl: options.baseUrl ?? process.env[facts.baseUrlEnv] ?? facts.defaultBaseUrl,
      webhook: null,
      rateLimit: {requests: host.defaults.requestsPerMinute, ...options.rateLimit},
      maxConcurrentTasks: options.maxConcurrentTasks ?? host.defaults.maxConcurrentTasks,
      // The 500 requests a day are Qubico's: another host counts only when asked.
      dailyQuota: options.dailyQuota ?? false,
    });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new UsageError(
      err.message
        .replaceAll('QUBICO_BASE_URL', facts.baseUrlEnv)
        .replaceAll('QUBICO_API_KEY', facts.keyEnv)
        .replaceAll('createQubicoClient', `the ${facts.label} provider`)
        .replace('https://api.qubico.ai', facts.defaultBaseUrl),
      {cause: err},
    );
  }
  const {logger, clock} = settings;
  const {limiter, dailyQuota, windowStore} = createRequestBudget(
    settings,
    options.dailyQuota ?? false,
    options.sharedLimits,
  );
  const semaphore = options.sharedLimits?.taskSlots ?? createSemaphore(settings.maxConcurrentTasks);
  const ownsDispatcher = !options.dispatcher;
  const dispatcher: Dispatcher = options.dispatcher ?? new Agent({keepAliveTimeout: 4_000});
  const closing = new AbortController();
  const transport = createTransport({
    dispatcher,
    authHeaders: host.authHeaders(apiKey),
    logger,
    clock,
    random: settings.random,
    limiter,
    dailyQuota,
    requestTimeoutMs: settings.requestTimeoutMs,
    maxRetries: settings.maxRetries,
    retryBaseDelayMs: settings.retryBaseDelayMs,
    retryMaxDelayMs: settings.retryMaxDelayMs,
    closing: closing.signal,
    errorOptions: host.errorOptions,
  });
  const combine = (signal: AbortSignal | undefined): AbortSignal =>
    signal ? AbortSignal.any([signal, closing.signal]) : closing.signal;
  const ensureOpen = () => {
    if (closing.signal.aborted) throw new MMAudioError(`This ${facts.label} provider is closed`);
  };
  const downloader = createResultDownloader({
    send: transport.send,
    baseUrl: settings.baseUrl,
    apiOrigin: settings.apiOrigin,
    logger,
    combine,
    // ffmpeg (through @remotion/renderer) is loaded only when a result needs decoding.
    toWav: async (source, destination, info) =>
      (await import('../media/extract-audio-to-wav.ts')).extractAudioToWav(source, destination, info),
  });
  return {
    settings,
    send: transport.send,
    aborted: transport.aborted,
    combine,
    ensureOpen,
    download: async (url, destination, downloadOptions) => {
      ensureOpen();
      return downloader(url, destination, downloadOptions);
    },
    waiterFor: (getTask) =>
      createTaskWaiter<ProviderTask>({
        getTask,
        stateOf: (task) => ({status: task.status, phase: task.phase}),
        failure: (taskId, task) => new TaskFailedError(taskId, task.serviceError),
        clock,
        logger,
        pollMinMs: settings.pollMinMs,
        pollMaxMs: settings.pollMaxMs,
        webhook: host.webhook,
        combine,
        aborted: transport.aborted,
      }),
    withTaskSlot: async (fn, slotOptions = {}) => {
      ensureOpen();
      const signal = combine(slotOptions.signal);
      let release: () => void;
      try {
        release = await semaphore.acquire(signal);
      } catch (err) {
        throw transport.aborted('Waiting for a task slot', signal, err);
      }
      try {
        return await fn();
      } finally {
        release();
      }
    },
    quota: dailyQuota
      ? {used: dailyQuota.used, remaining: dailyQuota.remaining, ensureAvailable: dailyQuota.ensureAvailable}
      : null,
    stats: transport.stats,
    close: async () => {
      if (closing.signal.aborted) return;
      closing.abort(new Error('provider closed'));
      if (ownsDispatcher) await dispatcher.close();
      await windowStore?.flush();
    },
  };
};
