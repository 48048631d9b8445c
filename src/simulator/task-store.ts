import {randomBytes} from 'node:crypto';
import {QUBICO_USD_PER_SECOND} from '../contract/providers.ts';
import {encodeWav} from '../wav/wav.ts';
import type {FaultState} from './faults.ts';
import {simulatedSignal} from './signal.ts';
import type {SimulatedTask, TaskStatus, WebhookDelivery} from './types.ts';
import {MODEL, type SubmitInput} from './validate-submit.ts';

const USD_PER_SECOND = QUBICO_USD_PER_SECOND;
const WEBHOOK_TIMEOUT_MS = 5000;
export const TASK_FAILURE_MESSAGE =
  'Audio generation failed for this video (simulated failure). Submit it again.';

export type ResultFormat = {sampleRate: number; channels: number};

/** Tasks, their life cycle (timers for the webhooks, status brought up to date from the clock), results. */
export type TaskStore = {
  tasks: Map<string, SimulatedTask>;
  webhookDeliveries: WebhookDelivery[];
  create(input: SubmitInput, context: {keyId: string; submitSeq: number; now: number}): SimulatedTask;
  /** Brings every task's status up to date with `now`. */
  refresh(now: number): void;
  /** The task if it exists and belongs to `keyId` (after refresh). */
  get(taskId: string, keyId: string | null, now: number): SimulatedTask | null;
  /** Tasks pending or processing, of one key or of all. */
  active(now: number, keyId?: string): SimulatedTask[];
  /** The task object the API answers (and the webhook carries). */
  toJson(task: SimulatedTask): Record<string, unknown>;
  resultWav(task: SimulatedTask, index: number): Uint8Array;
  reset(): void;
  close(): void;
};

const iso = (ms: number) => new Date(ms).toISOString();

const isTerminal = (status: TaskStatus) => status === 'completed' || status === 'failed';

export const createTaskStore = (context: {
  baseUrl: () => string;
  faults: FaultState;
  resultFormat: ResultFormat;
}): TaskStore => {
  const tasks = new Map<string, SimulatedTask>();
  const webhookDeliveries: WebhookDelivery[] = [];
  /** Kept apart from the public task objects: who owns a task, and the webhook secret. */
  const privateData = new Map<string, {keyId: string; webhookSecret: string | null}>();
  const wavCache = new Map<string, Uint8Array>();
  const timers = new Set<NodeJS.Timeout>();
  let webhookAbort = new AbortController();

  const update = (task: SimulatedTask, now: number) => {
    if (isTerminal(task.status)) return;
    if (now >= task.finishesAt) {
      task.status = task.failed ? 'failed' : 'completed';
      task.completedAt = task.finishesAt;
    } else if (now >= task.processingAt) {
      task.status = 'processing';
    }
  };

  const toJson = (task: SimulatedTask): Record<string, unknown> => {
    const json: Record<string, unknown> = {
      task_id: task.taskId,
      status: task.status,
      model: MODEL,
      created_at: iso(task.createdAt),
    };
    if (task.completedAt !== undefined) json.completed_at = iso(task.completedAt);
    if (task.status === 'completed') {
      const spec = task.resultSpec;
      json.results = Array.from({length: spec.count}, (_, n) => ({
        url: `${context.baseUrl()}/v1/results/${task.taskId}/${n}.wav`,
        duration: spec.durationInSeconds,
        format: 'wav',
        sample_rate: spec.sampleRate,
        channels: spec.channels,
      }));
      json.usage = {
        credits_used: Math.round(task.durationInSeconds * USD_PER_SECOND * 10_000) / 10_000,
        processing_time: (task.finishesAt - task.createdAt) / 1000,
      };
    }
    if (task.status === 'failed') {
      json.error = {code: 'generation_failed', message: task.error ?? TASK_FAILURE_MESSAGE};
      json.usage = {credits_used: 0, processing_time: (task.finishesAt - task.createdAt) / 1000};
    }
    return json;
  };

  const postWebhook = async (task: SimulatedTask, endpoint: string, secret: string, wrongSecret: boolean) => {
    const at = Date.now();
    // The controller of this delivery's generation: reset() swaps in a new one, and a delivery that
    // straddles a reset must not be recorded in the next generation's list.
    const abort = webhookAbort;
    let status: number | null = null;
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-webhook-secret': wrongSecret ? `wrong-${randomBytes(8).toString('hex')}` : secret,
        },
        body: JSON.stringify(toJson(task)),
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
    } catch {
      status = null;
    }
    if (abort.signal.aborted) return;
    webhookDeliveries.push({
      taskId: task.taskId,
      endpoint,
      status,
      at,
      wrongSecret,
      dropped: false,
      taskStatus: task.status,
    });
  };

  const deliverWebhook = async (task: SimulatedTask) => {
    const secret = privateData.get(task.taskId)?.webhookSecret;
    if (!task.webhook || !secret) return;
    const knobs = context.faults.faults.webhook;
    if (knobs.drop) {
      webhookDeliveries.push({
        taskId: task.taskId,
        endpoint: task.webhook.endpoint,
        status: null,
        at: Date.now(),
        wrongSecret: false,
        dropped: true,
        taskStatus: task.status,
      });
      return;
    }
    const times = knobs.duplicate ? 2 : 1;
    for (let i = 0; i < times; i++) {
      await postWebhook(task, task.webhook.endpoint, secret, Boolean(knobs.wrongSecret));
    }
  };

  const resultSpecNow = (durationInSeconds: number): SimulatedTask['resultSpec'] => {
    const f = context.faults.faults;
    const sampleRate = f.resultFormat?.sampleRate ?? context.resultFormat.sampleRate;
    const channels = f.resultFormat?.channels ?? context.resultFormat.channels;
    const seconds = durationInSeconds * (f.resultDuration.scale ?? 1) + (f.resultDuration.offsetSeconds ?? 0);
    const frames = Math.max(1, Math.round(seconds * sampleRate));
    const count = Number.isInteger(f.resultCount) && f.resultCount >= 1 ? f.resultCount : 1;
    return {count, durationInSeconds: frames / sampleRate, sampleRate, channels};
  };

  return {
    tasks,
    webhookDeliveries,
    create: (input, {keyId, submitSeq, now}) => {
      const latency = context.faults.taskLatencyMs();
      const taskId = `task_${randomBytes(10).toString('hex')}`;
      const task: SimulatedTask = {
        taskId,
        status: 'pending',
        videoSha256: input.videoSha256,
        videoBytes: input.video.byteLength,
        durationInSeconds: input.durationInSeconds,
        prompt: input.prompt,
        negativePrompt: input.negativePrompt,
        steps: input.steps,
        // The real service picks a random seed when none is sent; so does this one.
        seed: input.seed ?? randomBytes(6).readUIntBE(0, 6),
        seedWasSent: input.seed !== null,
        createdAt: now,
        processingAt: now + latency / 4,
        finishesAt: now + latency,
        submitSeq,
        ...(input.webhook ? {webhook: {endpoint: input.webhook.endpoint}} : {}),
        resultSpec: resultSpecNow(input.durationInSeconds),
      };
      if (context.faults.takeTaskFailure(task)) {
        task.failed = true;
        task.error = TASK_FAILURE_MESSAGE;
      }
      tasks.set(taskId, task);
      privateData.set(taskId, {keyId, webhookSecret: input.webhook?.secret ?? null});
      const timer = setTimeout(() => {
        timers.delete(timer);
        update(task, Math.max(Date.now(), task.finishesAt));
        void deliverWebhook(task);
      }, latency);
      timers.add(timer);
      return task;
    },
    refresh: (now) => {
      for (const task of tasks.values()) update(task, now);
    },
    get: (taskId, keyId, now) => {
      const task = tasks.get(taskId);
      if (!task || privateData.get(taskId)?.keyId !== keyId) return null;
      update(task, now);
      return task;
    },
    active: (now, keyId) => {
      const out: SimulatedTask[] = [];
      for (const task of tasks.values()) {
        update(task, now);
        if (isTerminal(task.status)) continue;
        if (keyId !== undefined && privateData.get(task.taskId)?.keyId !== keyId) continue;
        out.push(task);
      }
      return out;
    },
    toJson,
    resultWav: (task, index) => {
      const cacheKey = `${task.taskId}/${index}`;
      let wav = wavCache.get(cacheKey);
      if (!wav) {
        const spec = task.resultSpec;
        wav = encodeWav(
          simulatedSignal({
            videoSha256: task.videoSha256,
            prompt: task.prompt,
            seed: task.seed,
            variant: index,
            durationInSeconds: spec.durationInSeconds,
            sweepSeconds: task.durationInSeconds,
            sampleRate: spec.sampleRate,
            channels: spec.channels,
          }),
        );
        wavCache.set(cacheKey, wav);
      }
      return wav;
    },
    reset: () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      webhookAbort.abort();
      webhookAbort = new AbortController();
      tasks.clear();
      privateData.clear();
      wavCache.clear();
      webhookDeliveries.length = 0;
    },
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      webhookAbort.abort();
    },
  };
};
