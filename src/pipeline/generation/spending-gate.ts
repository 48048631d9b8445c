import type {QubicoClient} from '../../api/client.ts';
import {CostLimitError} from '../../errors.ts';
import type {Logger} from '../../log.ts';

/**
 * Requests one uncached segment needs at least (submit, one poll, the result download); the spending
 * check before a run uses it. The client counts every real request against the daily quota as it goes.
 */
export const MIN_REQUESTS_PER_SEGMENT = 3;

/**
 * Where every submit waits for permission to spend. Each take of each segment is decided once (a cache
 * hit, or a miss that will be generated); submits wait on `opened`.
 */
export type SpendingGate = {
  /** Resolves when submits may go out; rejects with the reason the run may not spend. */
  opened: Promise<void>;
  /** A take that is not cached and will be generated (and billed) for `seconds` of video. */
  recordMiss: (seconds: number) => void;
  /** One take is decided (hit or miss). */
  decide: () => void;
  /**
   * After the frame pass. When submits were deferred: waits until every take is decided, then checks
   * the exact bill against `maxCost` and the requests against the daily quota, and opens or closes.
   */
  settle: () => Promise<void>;
  /** Refuses every waiting and later submit with `reason`. */
  close: (reason: unknown) => void;
  /** The reason the gate was closed, or null when it opened. */
  failure: () => Promise<unknown>;
};

/**
 * The spending guard. When even the worst case (nothing cached) fits the budget and the daily quota,
 * the gate opens at once and segments are generated while the frame pass goes on. Otherwise submits
 * wait until every segment's cache key is known, and the exact need is checked before the first request.
 */
export const createSpendingGate = async (options: {
  /** Whether the backend bills (the offline and custom backends do not: the gate is open). */
  paid: boolean;
  maxCost: number | null;
  /** The bill when nothing is cached: the plan's cost × the takes. */
  worstCaseUsd: number;
  /** The host's price per second of video (see usdPerVideoSecond). */
  usdPerSecond: number;
  /** Takes to decide in all: segments × takes. */
  takesTotal: number;
  quota: QubicoClient['quota'] | null;
  logger: Logger;
}): Promise<SpendingGate> => {
  const {paid, maxCost, worstCaseUsd, usdPerSecond, takesTotal, quota, logger} = options;
  let deferSubmits = false;
  if (paid && maxCost !== null && worstCaseUsd > maxCost) deferSubmits = true;
  if (paid && quota) {
    const remaining = await quota.remaining();
    if (remaining < takesTotal * MIN_REQUESTS_PER_SEGMENT) deferSubmits = true;
  }
  if (deferSubmits) {
    logger.verbose(
      'The worst case exceeds --max-cost or the daily quota: submits wait for the cache check of every segment.',
    );
  }
  let open!: () => void;
  let close!: (reason: unknown) => void;
  const opened = new Promise<void>((resolve, reject) => {
    open = resolve;
    close = reject;
  });
  opened.catch(() => undefined);
  if (!deferSubmits) open();
  let decided = 0;
  let misses = 0;
  let missSeconds = 0;
  let onDecided: () => void = () => undefined;
  const allDecided = new Promise<void>((resolve) => {
    onDecided = () => {
      decided++;
      if (decided === takesTotal) resolve();
    };
  });
  return {
    opened,
    recordMiss: (seconds) => {
      misses++;
      missSeconds += seconds;
    },
    decide: () => onDecided(),
    settle: async () => {
      if (!deferSubmits) return;
      await allDecided;
      const needUsd = Math.round(missSeconds * usdPerSecond * 100) / 100;
      try {
        if (maxCost !== null && needUsd > maxCost) throw new CostLimitError(needUsd, maxCost);
        if (misses > 0) await quota?.ensureAvailable(misses * MIN_REQUESTS_PER_SEGMENT);
        open();
      } catch (err) {
        close(err);
      }
    },
    close: (reason) => close(reason),
    failure: () =>
      opened.then(
        () => null,
        (e: unknown) => e,
      ),
  };
};
