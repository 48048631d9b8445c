import {abortReason} from './abort-reason.ts';

/** A caller waiting in a FIFO queue for a grant. */
export type Waiter<T> = {resolve: (value: T) => void; reject: (reason: unknown) => void; cleanup: () => void};

/**
 * Queues a waiter; when `signal` aborts first, removes it from `queue`, rejects it and calls `onRemoved`.
 * The waiter's `cleanup` detaches the abort listener (call it when the waiter is granted).
 */
export const enqueue = <T>(
  queue: Waiter<T>[],
  signal: AbortSignal | undefined,
  resolve: (value: T) => void,
  reject: (reason: unknown) => void,
  onRemoved: () => void,
): void => {
  const onAbort = () => {
    const i = queue.indexOf(waiter);
    if (i >= 0) queue.splice(i, 1);
    reject(abortReason(signal!));
    onRemoved();
  };
  const waiter: Waiter<T> = {
    resolve,
    reject,
    cleanup: () => signal?.removeEventListener('abort', onAbort),
  };
  queue.push(waiter);
  signal?.addEventListener('abort', onAbort, {once: true});
};
