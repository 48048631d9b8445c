import {abortReason} from './abort-reason.ts';
import {positiveInteger} from './check-number-option.ts';
import {enqueue, type Waiter} from './enqueue-waiter.ts';

export type Semaphore = {
  /** Resolves with a release function once a slot is free (FIFO); rejects if `signal` aborts first. */
  acquire: (signal?: AbortSignal) => Promise<() => void>;
  /** Runs `fn` in a slot and releases it however `fn` ends. */
  run: <T>(fn: () => Promise<T>, signal?: AbortSignal) => Promise<T>;
  readonly active: number;
  readonly waiting: number;
};

/** A FIFO counting semaphore: the client's limit on tasks in flight. */
export const createSemaphore = (max: number): Semaphore => {
  positiveInteger('maxConcurrentTasks', max);
  let active = 0;
  const queue: Waiter<void>[] = [];
  const makeRelease = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      if (next) {
        next.cleanup();
        next.resolve();
      } else {
        active--;
      }
    };
  };
  const acquire = (signal?: AbortSignal) =>
    new Promise<() => void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      if (active < max) {
        active++;
        resolve(makeRelease());
        return;
      }
      // The slot passes directly from the releaser to this waiter: `active` stays the same.
      enqueue(
        queue,
        signal,
        () => resolve(makeRelease()),
        reject,
        () => undefined,
      );
    });
  return {
    acquire,
    run: async (fn, signal) => {
      const release = await acquire(signal);
      try {
        return await fn();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
};
