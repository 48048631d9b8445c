import {randomBytes} from 'node:crypto';
import {encodeWav} from '../wav/wav.ts';
import type {FaultState} from './faults.ts';
import type {LoadedVideo} from './load-video.ts';
import {simulatedSignal} from './signal.ts';
import type {SimulatedTask, TaskStatus} from './types.ts';

export const TASK_FAILURE_MESSAGE =
  'Audio generation failed for this video (simulated failure). Submit it again.';

export type ResultFormat = {sampleRate: number; channels: number};

/** A validated submit, in the simulator's own terms (each contract maps its host's body to it). */
export type SubmitInput = LoadedVideo & {
  prompt: string;
  negativePrompt: string | null;
  steps: number;
  /** null when none was sent. */
  seed: number | null;
  /** Where the webhook goes; the plain secret of the hosts that send one back (Qubico, PiAPI). */
  webhook: {endpoint: string; secret: string | null} | null;
  /** The `duration` asked for (fal, Replicate): the result is min(it, the video's length). */
  requestedDurationSeconds?: number;
};

/** Tasks, their life cycle (a timer per task for its end, status brought up to date from the clock), results. */
export type TaskStore = {
  tasks: Map<string, SimulatedTask>;
  /** `startAt`: when the task gets its slot (fal's queue); default `now`. */
  create(
    input: SubmitInput,
    context: {keyId: string; submitSeq: number; now: number; startAt?: number},
  ): SimulatedTask;
  /** Brings every task's status up to date with `now`. */
  refresh(now: number): void;
  /** The task if it exists and belongs to `keyId` (after refresh). */
  get(taskId: string, keyId: string | null, now: number): SimulatedTask | null;
  /** Tasks pending or processing, of one key or of all. */
  active(now: number, keyId?: string): SimulatedTask[];
  /** Ends a task that has not ended as `canceled` (and calls `onEnd`); false when it had ended already. */
  cancel(task: SimulatedTask, now: number): boolean;
  /** The plain webhook secret given at submit (kept apart from the public task objects). */
  webhookSecret(taskId: string): string | null;
  /** Hash of the key that submitted it. */
  owner(taskId: string): string | null;
  resultWav(task: SimulatedTask, index: number): Uint8Array;
  reset(): void;
  close(): void;
};

export const isTerminal = (status: TaskStatus) =>
  status === 'completed' || status === 'failed' || status === 'canceled';

export const createTaskStore = (context: {
  faults: FaultState;
  resultFormat: ResultFormat;
  /** The host's task ids. */
  newTaskId: () => string;
  /** Called once when a task ends (completed, failed or canceled): its webhook. */
  onEnd: (task: SimulatedTask) => void;
}): TaskStore => {
  const tasks = new Map<string, SimulatedTask>();
  /** Kept apart from the public task objects: who owns a task, and the webhook secret. */
  const privateData = new Map<string, {keyId: string; webhookSecret: string | null}>();
  const wavCache = new Map<string, Uint8Array>();
  const timers = new Map<string, NodeJS.Timeout>();

  const update = (task: SimulatedTask, now: number) => {
    if (isTerminal(task.status)) return;
    if (now >= task.finishesAt) {
      task.status = task.failed ? 'failed' : 'completed';
      task.completedAt = task.finishesAt;
    } else if (now >= task.processingAt) {
      task.status = 'processing';
    }
  };

  const resultSpecNow = (input: SubmitInput): SimulatedTask['resultSpec'] => {
    const f = context.faults.faults;
    const sampleRate = f.resultFormat?.sampleRate ?? context.resultFormat.sampleRate;
    const channels = f.resultFormat?.channels ?? context.resultFormat.channels;
    // MMAudio's output is min(requested duration, video length).
    const base =
      input.requestedDurationSeconds === undefined
        ? input.durationInSeconds
        : Math.min(input.requestedDurationSeconds, input.durationInSeconds);
    const seconds = base * (f.resultDuration.scale ?? 1) + (f.resultDuration.offsetSeconds ?? 0);
    const frames = Math.max(1, Math.round(seconds * sampleRate));
    const count = Number.isInteger(f.resultCount) && f.resultCount >= 1 ? f.resultCount : 1;
    return {count, durationInSeconds: frames / sampleRate, sampleRate, channels};
  };

  const clearTimers = () => {
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  };

  return {
    tasks,
    create: (input, {keyId, submitSeq, now, startAt = now}) => {
      const latency = context.faults.taskLatencyMs();
      const taskId = context.newTaskId();
      const task: SimulatedTask = {
        taskId,
        status: 'pending',
        videoSha256: input.videoSha256,
        videoBytes: input.video.byteLength,
        durationInSeconds: input.durationInSeconds,
        ...(input.requestedDurationSeconds === undefined
          ? {}
          : {requestedDurationSeconds: input.requestedDurationSeconds}),
        prompt: input.prompt,
        negativePrompt: input.negativePrompt,
        steps: input.steps,
        // The real service picks a random seed when none is sent; so does this one.
        seed: input.seed ?? randomBytes(6).readUIntBE(0, 6),
        seedWasSent: input.seed !== null,
        createdAt: now,
        processingAt: startAt + latency / 4,
        finishesAt: startAt + latency,
        submitSeq,
        ...(input.webhook ? {webhook: {endpoint: input.webhook.endpoint}} : {}),
        resultSpec: resultSpecNow(input),
      };
      if (context.faults.takeTaskFailure(task)) {
        task.failed = true;
        task.error = TASK_FAILURE_MESSAGE;
      }
      tasks.set(taskId, task);
      privateData.set(taskId, {keyId, webhookSecret: input.webhook?.secret ?? null});
      const timer = setTimeout(() => {
        timers.delete(taskId);
        update(task, Math.max(Date.now(), task.finishesAt));
        context.onEnd(task);
      }, task.finishesAt - now);
      timers.set(taskId, timer);
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
    cancel: (task, now) => {
      update(task, now);
      if (isTerminal(task.status)) return false;
      clearTimeout(timers.get(task.taskId));
      timers.delete(task.taskId);
      task.status = 'canceled';
      task.canceledAt = now;
      task.completedAt = now;
      context.onEnd(task);
      return true;
    },
    webhookSecret: (taskId) => privateData.get(taskId)?.webhookSecret ?? null,
    owner: (taskId) => privateData.get(taskId)?.keyId ?? null,
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
      clearTimers();
      tasks.clear();
      privateData.clear();
      wavCache.clear();
    },
    close: clearTimers,
  };
};
