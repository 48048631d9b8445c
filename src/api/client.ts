import {Agent, type Dispatcher} from 'undici';
import {MMAudioError, UsageError} from '../errors.ts';
import {normaliseClientOptions, type QubicoClientOptions} from './client-options.ts';
import {createRequestBudget} from './create-request-budget.ts';
import {createSemaphore} from './create-semaphore.ts';
import {
  createResultDownloader,
  type DownloadedResult,
  type DownloadResultOptions,
} from './download-result.ts';
import {InvalidResponseError, TaskFailedError} from './errors.ts';
import {displayUrl, pathOf, readTextCapped} from './http-body.ts';
import {MAX_TASK_JSON_BYTES} from './result-limits.ts';
import {
  type InferenceRequest,
  MMAUDIO_MODEL,
  type MmaudioInput,
  type QubicoTask,
  taskSchema,
} from './schema.ts';
import {createTransport, type TransportStats} from './transport.ts';
import {type ValidatedInput, validateInput} from './validate-input.ts';
import {createTaskWaiter, type WaitOptions} from './wait-for-task.ts';

export type {QubicoClientOptions} from './client-options.ts';
export {DEFAULT_BASE_URL, normaliseBaseUrl} from './client-options.ts';
export type {DownloadedResult, DownloadResultOptions} from './download-result.ts';

export type QubicoClientStats = TransportStats;

export type WaitForTaskOptions = WaitOptions<QubicoTask>;

export type QubicoClient = {
  readonly baseUrl: string;
  /** Validates first (zero requests on bad input), then POSTs the task. */
  submit: (input: MmaudioInput, options?: {signal?: AbortSignal}) => Promise<QubicoTask>;
  getTask: (taskId: string, options?: {signal?: AbortSignal}) => Promise<QubicoTask>;
  /** Resolves only with status `completed`; `failed` → TaskFailedError. */
  waitForTask: (taskId: string, options?: WaitForTaskOptions) => Promise<QubicoTask>;
  /**
   * Streams a result to a temp file beside `destination`, checks that it is a complete RIFF/WAVE file,
   * and renames it into place. A truncated or non-wav result throws InvalidResultError and leaves
   * nothing behind.
   */
  downloadResult: (
    url: string,
    destination: string,
    options?: DownloadResultOptions,
  ) => Promise<DownloadedResult>;
  /** Runs `fn` while holding one of `maxConcurrentTasks` slots. */
  withTaskSlot: <T>(fn: () => Promise<T>, options?: {signal?: AbortSignal}) => Promise<T>;
  /** Webhook wake-up: a `waitForTask` of that task polls now (one GET); otherwise ignored. */
  notifyTaskUpdate: (taskId: string) => void;
  readonly quota: {
    used: () => Promise<number>;
    remaining: () => Promise<number>;
    ensureAvailable: (requests: number) => Promise<void>;
  } | null;
  stats: () => QubicoClientStats;
  /** Aborts pending waits and closes the connections the client owns. */
  close: () => Promise<void>;
};

const describeVideo = (video: ValidatedInput['video']): string =>
  video.kind === 'url'
    ? `URL ${displayUrl(video.url)}`
    : `inline base64 mp4, ${(video.bytes / 1e6).toFixed(2)} MB, ${video.durationInSeconds.toFixed(2)} s`;

/** Parses a task answer: capped in size, JSON, and the task schema (lenient about added fields). */
const parseTaskResponse = async (
  response: Dispatcher.ResponseData,
  what: string,
  redact: (text: string) => string,
): Promise<QubicoTask> => {
  const text = await readTextCapped(response, MAX_TASK_JSON_BYTES, what);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidResponseError(
      `${what}: the answer is not JSON (${redact(text.slice(0, 120)) || 'empty body'})`,
    );
  }
  const parsed = taskSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidResponseError(
      `${what}: the answer is not a task object (${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join('; ')})`,
    );
  }
  return parsed.data;
};

/**
 * A client of the Qubico MMAudio API (model `Qubico/mmaudio`), built from its parts: options checked
 * once, the request budget, the transport (dispatch, retry, caps), the task waiter (polling, wake-ups)
 * and the result downloader.
 */
export const createQubicoClient = (options: QubicoClientOptions = {}): QubicoClient => {
  const settings = normaliseClientOptions(options);
  const {logger, webhook, baseUrl, apiOrigin, clock} = settings;
  const {limiter, dailyQuota, windowStore} = createRequestBudget(
    settings,
    options.dailyQuota,
    options.sharedLimits,
  );
  const semaphore = options.sharedLimits?.taskSlots ?? createSemaphore(settings.maxConcurrentTasks);
  const ownsDispatcher = !options.dispatcher;
  const dispatcher: Dispatcher = options.dispatcher ?? new Agent({keepAliveTimeout: 4_000});
  const closing = new AbortController();
  const transport = createTransport({
    dispatcher,
    authHeaders: {'x-api-key': settings.apiKey},
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
  });
  const {send, aborted} = transport;
  const combine = (signal: AbortSignal | undefined): AbortSignal =>
    signal ? AbortSignal.any([signal, closing.signal]) : closing.signal;
  const ensureOpen = () => {
    if (closing.signal.aborted) throw new MMAudioError('This Qubico client is closed');
  };

  const submit: QubicoClient['submit'] = async (input, submitOptions = {}) => {
    ensureOpen();
    const validated = validateInput(input);
    const body: InferenceRequest = {model: MMAUDIO_MODEL, input: validated.body};
    if (webhook) body.config = {webhook_config: {endpoint: webhook.url, secret: webhook.secret}};
    logger.verbose(
      `Submitting to ${MMAUDIO_MODEL}: video ${describeVideo(validated.video)}; prompt ${validated.prompt.length} ` +
        `chars; steps ${validated.steps}; seed ${validated.seed ?? 'none'}` +
        (webhook ? `; webhook ${displayUrl(webhook.url)}` : ''),
    );
    const task = await send({
      method: 'POST',
      url: `${baseUrl}/v1/inference`,
      kind: 'submit',
      body: JSON.stringify(body),
      toApi: true,
      signal: combine(submitOptions.signal),
      onResponse: (response) => parseTaskResponse(response, 'POST /v1/inference', logger.redact),
    });
    logger.verbose(
      `Task ${task.task_id} created (${task.status}` +
        (typeof task.estimated_time === 'number' ? `, estimated ${task.estimated_time} s)` : ')'),
    );
    return task;
  };

  const getTask: QubicoClient['getTask'] = async (taskId, getOptions = {}) => {
    ensureOpen();
    if (typeof taskId !== 'string' || taskId === '') {
      throw new UsageError('getTask needs a task id (the task_id of a submit answer)');
    }
    const url = `${baseUrl}/v1/tasks/${encodeURIComponent(taskId)}`;
    const task = await send({
      method: 'GET',
      url,
      kind: 'poll',
      toApi: true,
      signal: combine(getOptions.signal),
      onResponse: (response) => parseTaskResponse(response, `GET ${pathOf(url)}`, logger.redact),
    });
    if (task.task_id !== taskId) {
      throw new InvalidResponseError(`GET ${pathOf(url)} answered with another task (${task.task_id})`);
    }
    return task;
  };

  const waiter = createTaskWaiter<QubicoTask>({
    getTask,
    stateOf: (task) => ({
      status: task.status,
      phase: task.status === 'completed' ? 'completed' : task.status === 'failed' ? 'failed' : 'running',
    }),
    failure: (taskId, task) => new TaskFailedError(taskId, task.error),
    clock,
    logger,
    pollMinMs: settings.pollMinMs,
    pollMaxMs: settings.pollMaxMs,
    webhook: webhook !== null,
    combine,
    aborted,
  });

  const waitForTask: QubicoClient['waitForTask'] = async (taskId, waitOptions) => {
    ensureOpen();
    const task = await waiter.waitForTask(taskId, waitOptions);
    if (!task.results || task.results.length === 0) logger.warn(`Task ${taskId} completed without results`);
    return task;
  };

  const download = createResultDownloader({send, baseUrl, apiOrigin, logger, combine});
  const downloadResult: QubicoClient['downloadResult'] = async (url, destination, downloadOptions) => {
    ensureOpen();
    return download(url, destination, downloadOptions);
  };

  const withTaskSlot: QubicoClient['withTaskSlot'] = async (fn, slotOptions = {}) => {
    ensureOpen();
    const signal = combine(slotOptions.signal);
    let release: () => void;
    try {
      release = await semaphore.acquire(signal);
    } catch (err) {
      throw aborted('Waiting for a task slot', signal, err);
    }
    try {
      return await fn();
    } finally {
      release();
    }
  };

  return {
    baseUrl,
    submit,
    getTask,
    waitForTask,
    downloadResult,
    withTaskSlot,
    notifyTaskUpdate: waiter.notifyTaskUpdate,
    quota: dailyQuota
      ? {used: dailyQuota.used, remaining: dailyQuota.remaining, ensureAvailable: dailyQuota.ensureAvailable}
      : null,
    stats: transport.stats,
    close: async () => {
      if (closing.signal.aborted) return;
      closing.abort(new Error('client closed'));
      if (ownsDispatcher) await dispatcher.close();
      // The last releases are on disk before the next run reads them.
      await windowStore?.flush();
    },
  };
};
