import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {createRequestLimiter, type RequestLimiter} from '../../../src/api/create-request-limiter.ts';
import {createRequestWindowStore, requestWindowFileName} from '../../../src/api/request-window-store.ts';

/**
 * The request window across limiters, as across processes: each limiter has its own store on the same
 * directory (real files), and time is faked (Date and setTimeout only, so that file I/O runs for real).
 */

const KEY = 'qk-limiter-persistence-789';
const T0 = 1_700_000_000_000;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-limiter-'));
  vi.useFakeTimers({now: T0, toFake: ['Date', 'setTimeout', 'clearTimeout']});
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, {recursive: true, force: true});
});

/** A limiter of `requests` per 1000 ms (no margin) whose window lives in `dir`. */
const limiterOnDisk = (requests: number, extra: {maxRequestMs?: number} = {}) => {
  const store = createRequestWindowStore({apiKey: KEY, directory: dir});
  const waits: (number | null)[] = [];
  let restored: number | null = null;
  /** Resolves at the next time the limiter decides to wait (after its real file read). */
  let onWait: (ms: number | null) => void = () => undefined;
  const limiter = createRequestLimiter({
    requests,
    intervalMs: 1000,
    marginMs: 0,
    persistence: {load: store.load, save: store.save, maxRequestMs: extra.maxRequestMs ?? 5000},
    onRestore: (n) => {
      restored = n;
    },
    onWait: (ms) => {
      waits.push(ms);
      onWait(ms);
    },
  });
  const nextWait = () => new Promise<number | null>((resolve) => (onWait = resolve));
  return {limiter, store, waits, nextWait, restored: () => restored};
};

/** The times in the window file. */
const onDisk = async (): Promise<number[]> =>
  (JSON.parse(await readFile(path.join(dir, requestWindowFileName(KEY)), 'utf8')) as {requests: number[]})
    .requests;

/** Acquires `n` places (each resolves once it is on disk) and returns their releases. */
const take = (limiter: RequestLimiter, n: number) =>
  Promise.all(Array.from({length: n}, () => limiter.acquire()));

describe('createRequestLimiter with persistence', () => {
  it('a new limiter counts the requests an earlier one answered, and waits for them to leave the window', async () => {
    const first = limiterOnDisk(3);
    const releases = await take(first.limiter, 3);
    // Count, then send: the grants are on disk before anyone may send (in flight: grant + maxRequestMs).
    expect(await onDisk()).toEqual([T0 + 5000, T0 + 5000, T0 + 5000]);
    await vi.advanceTimersByTimeAsync(100);
    for (const release of releases) release();
    await first.store.flush();
    expect(await onDisk()).toEqual([T0 + 100, T0 + 100, T0 + 100]);

    await vi.advanceTimersByTimeAsync(300);
    const second = limiterOnDisk(3);
    const waiting = second.nextWait();
    let granted: number | null = null;
    const acquired = second.limiter.acquire().then((release) => {
      granted = Date.now();
      release();
    });
    // The three places end one window after their release at T0 + 100.
    expect(await waiting).toBe(700);
    expect(second.restored()).toBe(3);
    await vi.advanceTimersByTimeAsync(699);
    expect(granted).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    await acquired;
    expect(granted).toBe(T0 + 1100);
    await second.store.flush();
    // Only what still counts is kept: the new request, the three old ones have left the window.
    expect(await onDisk()).toEqual([T0 + 1100]);
  });

  it('requests left in flight by a run that died count from the moment they are read', async () => {
    const first = limiterOnDisk(2, {maxRequestMs: 5000});
    const [answered] = await take(first.limiter, 2);
    answered();
    await first.store.flush();
    // The run dies here, its second request never answered.
    expect(await onDisk()).toEqual([T0, T0 + 5000]);
    await vi.advanceTimersByTimeAsync(300);
    const second = limiterOnDisk(2);
    const waiting = second.nextWait();
    const acquired = second.limiter.acquire();
    // The answered one leaves at T0 + 1000; the one in flight arrived (if ever) before T0 + 300.
    expect(await waiting).toBe(700);
    await vi.advanceTimersByTimeAsync(700);
    (await acquired)();
    const waitingAgain = second.nextWait();
    const again = second.limiter.acquire();
    expect(await waitingAgain).toBe(300);
    await vi.advanceTimersByTimeAsync(300);
    (await again)();
    expect(Date.now()).toBe(T0 + 1300);
  });

  it('a request left in flight long ago no longer counts once its timeout and a window have passed', async () => {
    const first = limiterOnDisk(1, {maxRequestMs: 2000});
    await take(first.limiter, 1);
    await vi.advanceTimersByTimeAsync(3000);
    const second = limiterOnDisk(1);
    (await second.limiter.acquire())();
    expect(second.waits).toEqual([]);
    expect(second.restored()).toBe(0);
  });

  it('a corrupt file is an empty window', async () => {
    const first = limiterOnDisk(1);
    await writeFile(first.store.filePath, '{"version":1,"requests":[1,2');
    (await first.limiter.acquire())();
    expect(first.waits).toEqual([]);
    expect(first.restored()).toBe(0);
    await first.store.flush();
    expect(await onDisk()).toEqual([T0]);
  });

  it('an acquire aborted while the file is read leaves no grant and no timer', async () => {
    const first = limiterOnDisk(1);
    (await first.limiter.acquire())();
    await first.store.flush();
    const second = limiterOnDisk(1);
    const controller = new AbortController();
    const pending = second.limiter.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await second.store.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(second.limiter.inFlight).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('validates maxRequestMs', () => {
    expect(() =>
      createRequestLimiter({
        persistence: {load: async () => [], save: async () => undefined, maxRequestMs: -1},
      }),
    ).toThrow('persistence.maxRequestMs');
  });
});
