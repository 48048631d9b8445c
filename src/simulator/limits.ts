/**
 * The service's request limits as sliding logs of arrival times. Every arrival counts, whatever it was
 * answered (the real service counts rejected requests too), so a client that hammers stays locked out.
 */

const DAY_MS = 86_400_000;

export type LimitVerdict = {ok: true} | {ok: false; retryAfterMs: number};

/** Arrivals within (now − windowMs, now], kept sorted; older ones are dropped as time moves on. */
export class ArrivalLog {
  readonly #windowMs: number;
  #times: number[] = [];
  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }
  add(at: number): void {
    this.#times.push(at);
    if (this.#times.length > 1 && this.#times[this.#times.length - 2] > at) this.#times.sort((a, b) => a - b);
  }
  /**
   * Whether the arrival at `now` (already added) is within `limit`; if not, how long until a new arrival
   * would be: when all but `limit − 1` of the arrivals now in the window have left it.
   */
  check(now: number, limit: number): LimitVerdict {
    const from = now - this.#windowMs;
    let start = 0;
    while (start < this.#times.length && this.#times[start] <= from) start++;
    if (start > 0) this.#times = this.#times.slice(start);
    const inWindow = this.#times.filter((t) => t <= now);
    if (inWindow.length <= limit) return {ok: true};
    const leaving = inWindow[inWindow.length - limit];
    return {ok: false, retryAfterMs: Math.max(1, leaving + this.#windowMs - now)};
  }
  clear(): void {
    this.#times = [];
  }
}

export type Limits = {
  /** Notes an arrival; `keyId` identifies a valid key (day quota), null for requests without one. */
  arrive(at: number, keyId: string | null): void;
  checkWindow(at: number): LimitVerdict;
  checkDay(at: number, keyId: string): LimitVerdict;
  /** Notes a submit and checks it against `submitsPerWindow` (ok when there is none). */
  arriveSubmit(at: number): LimitVerdict;
  reset(): void;
};

export const createLimits = (options: {
  requestsPerWindow: number;
  windowMs: number;
  requestsPerDay: number;
  /** Submits per window besides every request (Replicate's creates/min); absent or null: none. */
  submitsPerWindow?: number | null;
}): Limits => {
  const window = new ArrivalLog(options.windowMs);
  const submits = new ArrivalLog(options.windowMs);
  const days = new Map<string, ArrivalLog>();
  return {
    arrive: (at, keyId) => {
      window.add(at);
      if (keyId === null) return;
      let log = days.get(keyId);
      if (!log) {
        log = new ArrivalLog(DAY_MS);
        days.set(keyId, log);
      }
      log.add(at);
    },
    checkWindow: (at) => window.check(at, options.requestsPerWindow),
    checkDay: (at, keyId) => days.get(keyId)?.check(at, options.requestsPerDay) ?? {ok: true},
    arriveSubmit: (at) => {
      if (options.submitsPerWindow == null) return {ok: true};
      submits.add(at);
      return submits.check(at, options.submitsPerWindow);
    },
    reset: () => {
      window.clear();
      submits.clear();
      days.clear();
    },
  };
};

/** Most of `times` (ms) that fit in any window of `windowMs` (t_last − t_first < windowMs). */
export const maxInWindow = (times: readonly number[], windowMs: number): number => {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last] - sorted[first] >= windowMs) first++;
    best = Math.max(best, last - first + 1);
  }
  return best;
};
