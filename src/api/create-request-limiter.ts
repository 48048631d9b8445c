/**
 * The client's request throttle: a sliding-window budget shared by every request to the API (the service
 * counts all of them, polls included). Takes a clock so that tests can run it on fake or manual time.
 */
import {abortReason} from './abort-reason.ts';
import {nonNegative, positiveInteger} from './check-number-option.ts';
import {type Clock, systemClock} from './clock.ts';
import {enqueue, type Waiter} from './enqueue-waiter.ts';

/**
 * Where a limiter keeps its window between processes (see request-window-store.ts). Every time is in ms
 * since the epoch, so the limiter's clock must tell epoch time when it has one (systemClock does).
 */
export type RequestWindowPersistence = {
  /**
   * Per request of an earlier run, the latest moment the service may have counted it. Read once, before
   * the first grant; must not reject (a bad file reads as `[]`).
   */
  load: () => Promise<readonly number[]>;
  /** Records the same for the requests holding a place now; resolves when written. Must not reject. */
  save: (times: readonly number[]) => Promise<void>;
  /**
   * How long after its grant a request still in flight can reach the service (its timeout, with some
   * slack). A request in flight is saved as its grant plus this, so that a run that is killed leaves a
   * bound behind.
   */
  maxRequestMs: number;
};

export type RequestLimiterOptions = {
  /** Requests allowed per window. Default 20. */
  requests?: number;
  /** Length of the window. Default 60 000 ms. */
  intervalMs?: number;
  /**
   * Added to the window, so that requests at the edge of our window cannot land inside the server's
   * (clock granularity, the server's own bookkeeping). Default 250 ms.
   */
  marginMs?: number;
  clock?: Clock;
  /** Called when a request has to wait for the window, with the wait in ms (null: until one ends). */
  onWait?: (ms: number | null) => void;
  /**
   * Keeps the window across processes: the first acquire waits for `load`, and each grant is delivered
   * only once `save` has recorded it (count, then send). Default none (the window lives in memory).
   */
  persistence?: RequestWindowPersistence;
  /** Called once `persistence` has been loaded, with the requests of earlier runs that still count. */
  onRestore?: (counted: number) => void;
};

export type RequestLimiter = {
  /**
   * Resolves when one more request may be sent (FIFO), with a `release` to call as soon as the answer
   * (its status line) has arrived or the request has failed; rejects if `signal` aborts first. With
   * `persistence`, a grant resolves once it is saved, which may be after `signal` aborted: check it.
   */
  acquire: (signal?: AbortSignal) => Promise<() => void>;
  /** Requests waiting for the window. */
  readonly waiting: number;
  /** Requests granted and not yet released. */
  readonly inFlight: number;
};

/**
 * At most `requests` requests in any window of `intervalMs + marginMs`, as the server sees them.
 *
 * The server counts a request when it arrives, which is some time after we let it go (a connection to
 * open, an upload, a busy event loop) but never after its answer comes back. So a granted request holds
 * its place from the grant until its release (the answer), and then for a full window after the
 * release. At any moment, every request the server can still count in its window is either in flight
 * or released less than a window ago: there are never more than `requests` of them.
 *
 * With `persistence`, the places outlive the process: each is saved as the latest moment the server may
 * have counted its request (its release; for one still in flight, its grant plus `maxRequestMs`), and a
 * limiter created later starts with those places, each ending no later than the moment it reads them
 * (a request that was in flight when its run died had arrived, if ever, by then).
 */
export const createRequestLimiter = (options: RequestLimiterOptions = {}): RequestLimiter => {
  const requests = positiveInteger('rateLimit.requests', options.requests ?? 20);
  const intervalMs = nonNegative('rateLimit.intervalMs', options.intervalMs ?? 60_000);
  const marginMs = nonNegative('rateLimit margin', options.marginMs ?? 250);
  const clock = options.clock ?? systemClock;
  const windowMs = intervalMs + marginMs;
  const persistence = options.persistence ?? null;
  if (persistence) nonNegative('persistence.maxRequestMs', persistence.maxRequestMs);
  /** One entry per request holding a place: its grant, and its release time or Infinity while in flight. */
  const places: {grantedAt: number; end: number}[] = [];
  /** The load of `persistence`, started by the first acquire. */
  let restoring: Promise<void> | null = null;
  const queue: Waiter<() => void>[] = [];
  let pumping = false;
  /** Interrupts the pump's wait when a place is released or every waiter is gone. */
  let interrupt: AbortController | null = null;

  const wakePump = () => interrupt?.abort();

  /** What `persistence` keeps: per place that still counts, the latest moment the server may count it. */
  const snapshot = (now: number): number[] =>
    places
      .filter((p) => p.end === Number.POSITIVE_INFINITY || p.end + windowMs > now)
      .map((p) => (p.end === Number.POSITIVE_INFINITY ? p.grantedAt + persistence!.maxRequestMs : p.end))
      .sort((a, b) => a - b);

  const restore = async (p: RequestWindowPersistence) => {
    let times: readonly number[] = [];
    try {
      times = await p.load();
    } catch {
      // The contract says load never rejects; a window that cannot be read is an empty one.
    }
    const now = clock.now();
    let counted = 0;
    for (const t of times) {
      const end = Math.min(t, now);
      if (end + windowMs > now) {
        places.push({grantedAt: end, end});
        counted++;
      }
    }
    options.onRestore?.(counted);
  };

  const grant = (now: number): (() => void) => {
    const place = {grantedAt: now, end: Number.POSITIVE_INFINITY};
    places.push(place);
    return () => {
      if (place.end !== Number.POSITIVE_INFINITY) return;
      place.end = clock.now();
      if (persistence) void persistence.save(snapshot(place.end));
      wakePump();
    };
  };

  const pump = async () => {
    if (pumping) return;
    pumping = true;
    try {
      if (persistence) {
        restoring ??= restore(persistence);
        await restoring;
      }
      while (queue.length > 0) {
        const now = clock.now();
        for (let i = places.length - 1; i >= 0; i--) {
          if (places[i].end + windowMs <= now) places.splice(i, 1);
        }
        if (places.length < requests) {
          const granted: [Waiter<() => void>, () => void][] = [];
          while (queue.length > 0 && places.length < requests) {
            const waiter = queue.shift()!;
            waiter.cleanup();
            granted.push([waiter, grant(now)]);
          }
          const deliver = () => {
            for (const [waiter, release] of granted) waiter.resolve(release);
          };
          // With persistence, count, then send: the grants reach the callers once they are on disk.
          if (persistence) void persistence.save(snapshot(now)).then(deliver, deliver);
          else deliver();
          continue;
        }
        const firstEnd = Math.min(...places.map((p) => p.end));
        const wait = firstEnd === Number.POSITIVE_INFINITY ? null : firstEnd + windowMs - now;
        options.onWait?.(wait);
        interrupt = new AbortController();
        try {
          if (wait === null) {
            await new Promise((_resolve, reject) => {
              interrupt!.signal.addEventListener('abort', reject, {once: true});
            });
          } else {
            await clock.sleep(wait, interrupt.signal);
          }
        } catch {
          // A place was released, or every waiter aborted: look again.
        } finally {
          interrupt = null;
        }
      }
    } finally {
      pumping = false;
    }
  };

  return {
    acquire: (signal) =>
      new Promise<() => void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(abortReason(signal));
          return;
        }
        enqueue(queue, signal, resolve, reject, () => {
          if (queue.length === 0) wakePump();
        });
        void pump();
      }),
    get waiting() {
      return queue.length;
    },
    get inFlight() {
      return places.filter((p) => p.end === Number.POSITIVE_INFINITY).length;
    },
  };
};
