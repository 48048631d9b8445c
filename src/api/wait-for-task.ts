import type {Logger} from '../log.ts';
import type {Clock} from './clock.ts';
import type {RequestAbortedError} from './errors.ts';
import {TaskTimeoutError} from './errors.ts';

/** Where a task stands, as the waiter needs it; each provider maps its own statuses to this. */
export type TaskState = {
  /** The host's own status word, for logs and TaskTimeoutError. */
  status: string;
  phase: 'running' | 'completed' | 'failed';
};

export type WaitOptions<T> = {
  signal?: AbortSignal;
  /** Overall wait. Default 20 minutes → TaskTimeoutError. */
  timeoutMs?: number;
  /** The host's estimate of the task's time: the first poll comes no sooner (clamped to half the wait). */
  estimatedTimeSeconds?: number | null;
  /** Called with every task state read. */
  onUpdate?: (task: T) => void;
};

export type TaskWaiterOptions<T> = {
  /** One GET of the task (the transport retries it). */
  getTask: (taskId: string, options: {signal: AbortSignal}) => Promise<T>;
  stateOf: (task: T) => TaskState;
  /** The error of a task that reached `failed`. */
  failure: (taskId: string, task: T) => Error;
  clock: Clock;
  logger: Logger;
  pollMinMs: number;
  pollMaxMs: number;
  /** With a webhook, polls are a rare fallback (every `pollMaxMs`). */
  webhook: boolean;
  /** Combines a caller's signal with the client's closing signal. */
  combine: (signal: AbortSignal | undefined) => AbortSignal;
  aborted: (what: string, signal: AbortSignal, cause?: unknown) => RequestAbortedError;
};

export type TaskWaiter<T> = {
  /** Resolves only with a completed task; a failed one throws `failure(task)`. */
  waitForTask: (taskId: string, options?: WaitOptions<T>) => Promise<T>;
  /** Webhook wake-up: a wait on that task polls now (one GET); otherwise kept for a wait that starts later. */
  notifyTaskUpdate: (taskId: string) => void;
};

export const DEFAULT_WAIT_TIMEOUT_MS = 20 * 60_000;
/** Wake-ups for tasks nobody waits on yet are kept (bounded) for a `waitForTask` that starts later. */
export const MAX_EARLY_WAKES = 1000;
/** Webhook wake-ups that trigger an immediate poll, per wait; later ones are left to the regular polls. */
export const MAX_WAKE_POLLS = 20;

type Waiter = {wake: () => void; inFlight: boolean; wokenInFlight: boolean};

/**
 * Polling with wake-ups. Polls late, not often: the first when the task should be done, then backing off
 * ×1.5 between the bounds. A webhook call is only a wake-up: the GET stays the only truth. Wake-ups are
 * coalesced per task: however many arrive (duplicates, a forged storm), a wake-up poll comes at least
 * `pollMinMs` after the previous GET, at most MAX_WAKE_POLLS per wait.
 */
export const createTaskWaiter = <T>(options: TaskWaiterOptions<T>): TaskWaiter<T> => {
  const {clock, logger, pollMinMs, pollMaxMs, webhook} = options;
  const waiters = new Map<string, Set<Waiter>>();
  const earlyWakes = new Set<string>();

  const waitForTask: TaskWaiter<T>['waitForTask'] = async (taskId, waitOptions = {}) => {
    const signal = options.combine(waitOptions.signal);
    const timeoutMs = waitOptions.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
    const deadline = clock.now() + timeoutMs;
    // The estimate is a hint, not a promise: a day (or NaN) must not put the first poll past the timeout.
    const estimatedRaw = (waitOptions.estimatedTimeSeconds ?? 0) * 1000;
    const estimatedMs = Number.isFinite(estimatedRaw)
      ? Math.min(Math.max(0, estimatedRaw), timeoutMs / 2)
      : 0;
    let delay = webhook ? Math.max(estimatedMs, pollMaxMs) : Math.max(estimatedMs, pollMinMs);
    let wakeController = new AbortController();
    const waiter: Waiter = {
      wake: () => {
        if (waiter.inFlight) waiter.wokenInFlight = true;
        else wakeController.abort();
      },
      inFlight: false,
      wokenInFlight: false,
    };
    let set = waiters.get(taskId);
    if (!set) {
      set = new Set();
      waiters.set(taskId, set);
    }
    set.add(waiter);
    let pollNow = earlyWakes.delete(taskId);
    let lastStatus: string | null = null;
    /** When the last GET of this wait started (null before the first). */
    let lastPollAt: number | null = null;
    let wakePolls = 0;
    const wakeGap = async () => {
      wakePolls++;
      if (lastPollAt === null) return;
      const gap = lastPollAt + pollMinMs - clock.now();
      if (gap > 0) {
        logger.trace(`Task ${taskId}: wake-up coalesced, polling in ${Math.round(gap)} ms`);
        try {
          await clock.sleep(gap, signal);
        } catch (err) {
          throw options.aborted(`Waiting for task ${taskId}`, signal, err);
        }
      }
    };
    try {
      for (;;) {
        const remaining = deadline - clock.now();
        if (pollNow) {
          await wakeGap();
          wakeController = new AbortController();
        } else {
          if (remaining <= 0) throw new TaskTimeoutError(taskId, timeoutMs, lastStatus);
          const wait = Math.min(delay, remaining);
          logger.trace(`Task ${taskId}: next poll in ${Math.round(wait)} ms`);
          try {
            const wakeSignal = wakePolls < MAX_WAKE_POLLS ? [wakeController.signal] : [];
            await clock.sleep(wait, AbortSignal.any([signal, ...wakeSignal]));
          } catch (err) {
            if (signal.aborted) throw options.aborted(`Waiting for task ${taskId}`, signal, err);
            logger.verbose(`Task ${taskId}: webhook wake-up, polling now`);
            await wakeGap();
            // Wake-ups during the gap hit the spent controller: they are part of this poll.
            wakeController = new AbortController();
          }
        }
        pollNow = false;
        lastPollAt = clock.now();
        waiter.inFlight = true;
        waiter.wokenInFlight = false;
        let task: T;
        try {
          task = await options.getTask(taskId, {signal});
        } finally {
          waiter.inFlight = false;
        }
        const state = options.stateOf(task);
        lastStatus = state.status;
        logger.verbose(`Task ${taskId}: ${state.status}`);
        waitOptions.onUpdate?.(task);
        if (state.phase === 'completed') return task;
        if (state.phase === 'failed') throw options.failure(taskId, task);
        // A wake-up during the GET may announce a change that GET did not see yet: poll once more now.
        pollNow = waiter.wokenInFlight && wakePolls < MAX_WAKE_POLLS;
        if (clock.now() >= deadline && !pollNow) throw new TaskTimeoutError(taskId, timeoutMs, lastStatus);
        delay = webhook ? pollMaxMs : Math.min(Math.max(delay * 1.5, pollMinMs), pollMaxMs);
      }
    } finally {
      set.delete(waiter);
      if (set.size === 0) waiters.delete(taskId);
    }
  };

  const notifyTaskUpdate: TaskWaiter<T>['notifyTaskUpdate'] = (taskId) => {
    const set = waiters.get(taskId);
    if (!set) {
      logger.trace(`Wake-up for task ${taskId}, which nobody waits on yet; kept for a later wait`);
      if (earlyWakes.size >= MAX_EARLY_WAKES) {
        const oldest = earlyWakes.values().next().value;
        if (oldest !== undefined) earlyWakes.delete(oldest);
      }
      earlyWakes.add(taskId);
      return;
    }
    for (const waiter of set) waiter.wake();
  };

  return {waitForTask, notifyTaskUpdate};
};
