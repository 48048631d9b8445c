import type {Clock} from '../../../../src/api/clock.ts';

/**
 * Time that moves only when someone sleeps: every sleep is recorded and resolves at once (on the next
 * macrotask), unless its signal aborts first. Waits of minutes run in microseconds.
 */
export const virtualClock = (
  start = 1_000_000,
): Clock & {sleeps: number[]; advance: (ms: number) => void} => {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        sleeps.push(ms);
        const onAbort = () => {
          clearImmediate(timer);
          reject(signal?.reason);
        };
        const timer = setImmediate(() => {
          signal?.removeEventListener('abort', onAbort);
          t += Math.max(0, ms);
          resolve();
        });
        signal?.addEventListener('abort', onAbort, {once: true});
      }),
  };
};
