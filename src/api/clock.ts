import {abortReason} from './abort-reason.ts';

/** Time as the client's throttles and waits see it: injected so that tests run on fake or manual time. */
export type Clock = {
  now: () => number;
  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
};

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, {once: true});
  });

/** Date.now and setTimeout (both replaced by vitest's fake timers). */
export const systemClock: Clock = {now: () => Date.now(), sleep};
