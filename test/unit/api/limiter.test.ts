import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {createRequestLimiter} from '../../../src/api/create-request-limiter.ts';
import {createSemaphore} from '../../../src/api/create-semaphore.ts';

beforeEach(() => {
  vi.useFakeTimers({now: 1_000_000});
});
afterEach(() => {
  vi.useRealTimers();
});

/**
 * Acquires `n` times and records the (fake) time at which each grant came. Each request is answered at
 * once (released on grant) unless `answerAfterMs` says otherwise.
 */
const grantTimes = (
  acquire: () => Promise<() => void>,
  n: number,
  answerAfterMs = 0,
): {times: number[]; done: Promise<unknown>} => {
  const start = Date.now();
  const times: number[] = [];
  const done = Promise.all(
    Array.from({length: n}, () =>
      acquire().then((release) => {
        times.push(Date.now() - start);
        if (answerAfterMs === 0) release();
        else setTimeout(release, answerAfterMs);
      }),
    ),
  );
  return {times, done};
};

describe('createRequestLimiter', () => {
  it('grants N at once, then one more each time the oldest grant leaves the window', async () => {
    const limiter = createRequestLimiter({requests: 3, intervalMs: 1000, marginMs: 0});
    const {times, done} = grantTimes(() => limiter.acquire(), 7);
    await vi.advanceTimersByTimeAsync(0);
    expect(times).toEqual([0, 0, 0]);
    await vi.advanceTimersByTimeAsync(999);
    expect(times).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(times).toEqual([0, 0, 0, 1000, 1000, 1000]);
    await vi.advanceTimersByTimeAsync(1000);
    await done;
    expect(times).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
  });

  it('adds the safety margin to the window', async () => {
    const limiter = createRequestLimiter({requests: 2, intervalMs: 1000, marginMs: 250});
    const {times, done} = grantTimes(() => limiter.acquire(), 3);
    await vi.advanceTimersByTimeAsync(1249);
    expect(times).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(times).toEqual([0, 0, 1250]);
  });

  it('never grants more than N in any window, whatever the arrival pattern', async () => {
    const limiter = createRequestLimiter({requests: 4, intervalMs: 1000, marginMs: 0});
    const stamps: number[] = [];
    const all: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      all.push(
        limiter.acquire().then((release) => {
          stamps.push(Date.now());
          release();
        }),
      );
      await vi.advanceTimersByTimeAsync(i % 3 === 0 ? 130 : 10);
    }
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(all);
    for (const t of stamps) {
      expect(stamps.filter((s) => s >= t && s < t + 1000).length).toBeLessThanOrEqual(4);
    }
  });

  it('a request in flight holds its place until its answer, then for a full window', async () => {
    const limiter = createRequestLimiter({requests: 2, intervalMs: 1000, marginMs: 0});
    // Both answers take 300 ms: the server may have seen them arrive as late as that.
    const first = grantTimes(() => limiter.acquire(), 2, 300);
    await vi.advanceTimersByTimeAsync(0);
    expect(limiter.inFlight).toBe(2);
    const next = grantTimes(() => limiter.acquire(), 1);
    await vi.advanceTimersByTimeAsync(1299);
    expect(next.times).toEqual([]);
    expect(limiter.inFlight).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all([first.done, next.done]);
    expect(first.times).toEqual([0, 0]);
    expect(next.times).toEqual([1300]);
  });

  it('with every place in flight, a release lets the next request go one window later', async () => {
    const limiter = createRequestLimiter({requests: 1, intervalMs: 500, marginMs: 0});
    const release = await limiter.acquire();
    const next = grantTimes(() => limiter.acquire(), 1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(next.times).toEqual([]);
    release();
    await vi.advanceTimersByTimeAsync(500);
    await next.done;
    expect(next.times).toEqual([10_500]);
  });

  it('an aborted acquire leaves the queue and does not use a slot', async () => {
    const limiter = createRequestLimiter({requests: 1, intervalMs: 1000, marginMs: 0});
    (await limiter.acquire())();
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    const next = grantTimes(() => limiter.acquire(), 1);
    expect(limiter.waiting).toBe(2);
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(limiter.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    await next.done;
    expect(next.times).toEqual([1000]);
  });

  it('rejects at once with an already aborted signal', async () => {
    const limiter = createRequestLimiter({requests: 1, intervalMs: 1000});
    await expect(limiter.acquire(AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
  });

  it('leaves no timer behind when every waiter aborts', async () => {
    const limiter = createRequestLimiter({requests: 1, intervalMs: 60_000, marginMs: 0});
    (await limiter.acquire())();
    const controller = new AbortController();
    const p = limiter.acquire(controller.signal);
    controller.abort();
    await expect(p).rejects.toThrow();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('validates its options', () => {
    expect(() => createRequestLimiter({requests: 0})).toThrow(
      'rateLimit.requests must be a positive integer',
    );
    expect(() => createRequestLimiter({intervalMs: -1})).toThrow('rateLimit.intervalMs');
  });
});

describe('createSemaphore', () => {
  it('runs at most `max` at once, in FIFO order', async () => {
    const semaphore = createSemaphore(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const job = (i: number) =>
      semaphore.run(async () => {
        active++;
        peak = Math.max(peak, active);
        order.push(i);
        await new Promise((r) => setTimeout(r, 100));
        active--;
        return i;
      });
    const all = Promise.all([0, 1, 2, 3, 4].map(job));
    await vi.advanceTimersByTimeAsync(0);
    expect(semaphore.active).toBe(2);
    expect(semaphore.waiting).toBe(3);
    await vi.advanceTimersByTimeAsync(300);
    expect(await all).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(semaphore.active).toBe(0);
  });

  it('releases the slot when the job throws, and once only', async () => {
    const semaphore = createSemaphore(1);
    await expect(semaphore.run(() => Promise.reject(new Error('bad')))).rejects.toThrow('bad');
    const release = await semaphore.acquire();
    release();
    release();
    expect(semaphore.active).toBe(0);
  });

  it('an aborted waiter gives up its place', async () => {
    const semaphore = createSemaphore(1);
    const release = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    release();
    expect(semaphore.active).toBe(0);
    expect(semaphore.waiting).toBe(0);
  });
});
