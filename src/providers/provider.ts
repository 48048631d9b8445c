import type {DownloadedResult, DownloadResultOptions} from '../api/download-result.ts';
import type {WaitOptions} from '../api/wait-for-task.ts';
import type {ProviderFacts, ProviderName} from '../contract/providers.ts';
import type {WebhookCall, WebhookVerdict} from './webhook-verdict.ts';

/** A task at any host, in the terms the pipeline needs; `raw` keeps the host's own object for logs. */
export type ProviderTask = {
  taskId: string;
  /** The host's own status word (`pending`, `IN_QUEUE`, `starting`…). */
  status: string;
  phase: 'running' | 'completed' | 'failed';
  /** Where the result is (empty until completed). */
  resultUrls: string[];
  /** The host's estimate of the task's time, when it gives one. */
  estimatedTimeSeconds: number | null;
  /** The host's reason when the task failed (its own shape), for TaskFailedError. */
  serviceError?: unknown;
  /** GPU-seconds the host billed (Replicate's `metrics.predict_time`), when it says. */
  gpuSeconds?: number | null;
};

/** One segment's request, host-neutral. Each provider maps it to its own body. */
export type ProviderInput = {
  /** An http(s) URL, or the mp4 as base64 (raw or a data URI), as `facts.accepts` allows. */
  video: string;
  prompt: string;
  negativePrompt?: string | null;
  steps?: number;
  seed?: number;
  /** The segment's length: sent to hosts that take a `duration` (`facts.takesDuration`). */
  durationInSeconds: number;
  /** Classifier-free guidance, where the host takes it (fal, Replicate: `cfg_strength`). Default the host's. */
  cfgStrength?: number;
};

/**
 * One hosted MMAudio service. Every implementation is built from the same parts (transport with its
 * retry table and caps, task waiter, result downloader), so the money rules hold for each: a submit is
 * never repeated after it may exist (SubmitOutcomeUnknownError), results are capped and checked before
 * they are kept, a webhook is only a wake-up.
 */
export interface MmaudioProvider {
  readonly name: ProviderName;
  /** Limits, price model, longest clip, accepted input, result format, webhook signing. */
  readonly facts: ProviderFacts;
  readonly baseUrl: string;
  /** Validates first (zero requests on bad input), then creates the task. */
  submit(input: ProviderInput, options?: {signal?: AbortSignal}): Promise<ProviderTask>;
  /** One read of the task. */
  getTask(taskId: string, options?: {signal?: AbortSignal}): Promise<ProviderTask>;
  /** Resolves with a completed task; a failed one throws TaskFailedError. */
  waitForTask(taskId: string, options?: WaitOptions<ProviderTask>): Promise<ProviderTask>;
  /** Leaves the result as a checked wav at `destination` (hosts that send mp4 or other audio: extracted). */
  downloadResult(
    url: string,
    destination: string,
    options?: DownloadResultOptions,
  ): Promise<DownloadedResult>;
  /** Where the host has one; null otherwise. */
  readonly cancel: ((taskId: string, options?: {signal?: AbortSignal}) => Promise<void>) | null;
  /** Whether a webhook call is authentic (the host's own scheme). It stays a wake-up either way. */
  verifyWebhook(call: WebhookCall): WebhookVerdict;
  /** Webhook wake-up: a wait on that task polls now. */
  notifyTaskUpdate(taskId: string): void;
  withTaskSlot<T>(fn: () => Promise<T>, options?: {signal?: AbortSignal}): Promise<T>;
  readonly quota: {
    used: () => Promise<number>;
    remaining: () => Promise<number>;
    ensureAvailable: (requests: number) => Promise<void>;
  } | null;
  close(): Promise<void>;
}
