import type {SharedLimits} from '../state/redis-limits.ts';
import type {ClientSettings, QubicoClientOptions} from './client-options.ts';
import {createRequestLimiter, type RequestLimiter} from './create-request-limiter.ts';
import {createDailyQuota, type DailyQuota} from './quota.ts';
import {createRequestWindowStore, type RequestWindowStore} from './request-window-store.ts';

export type RequestBudget = {
  limiter: Pick<RequestLimiter, 'acquire'>;
  dailyQuota: Pick<DailyQuota, 'used' | 'remaining' | 'ensureAvailable' | 'consume'> | null;
  /** The window on disk, or null when it is not persisted. */
  windowStore: RequestWindowStore | null;
};

/** The request window (in memory, or on disk per key) and the daily counter of one client. */
export const createRequestBudget = (
  settings: ClientSettings,
  dailyQuotaOption: QubicoClientOptions['dailyQuota'],
  shared?: SharedLimits,
): RequestBudget => {
  // Shared by many processes (Redis): the window and the daily counter live there, nothing local.
  if (shared) return {limiter: shared.requestLimiter, dailyQuota: shared.dailyQuota, windowStore: null};
  const {apiKey, logger, persist, rateRequests, rateIntervalMs, clock} = settings;
  const windowStore: RequestWindowStore | null =
    persist === false
      ? null
      : createRequestWindowStore({
          apiKey,
          directory:
            typeof persist === 'object'
              ? persist.directory
              : dailyQuotaOption
                ? dailyQuotaOption.directory
                : undefined,
          logger,
        });
  const limiter = createRequestLimiter({
    requests: rateRequests,
    intervalMs: rateIntervalMs,
    // Keep the safety margin small next to a scaled-down window in tests.
    marginMs: Math.min(250, rateIntervalMs / 20),
    clock,
    onWait: (ms) =>
      logger.trace(`Request window full (${rateRequests}/${rateIntervalMs} ms): waiting ${ms} ms`),
    persistence: windowStore
      ? {
          load: windowStore.load,
          save: windowStore.save,
          // The attempt's timeout starts after the daily counter is written: leave a second for that.
          maxRequestMs: settings.requestTimeoutMs + 1000,
        }
      : undefined,
    onRestore: (counted) => {
      if (counted > 0) {
        logger.verbose(
          `Request window: ${counted} request(s) of an earlier run still count (${rateRequests} per ${rateIntervalMs} ms)`,
        );
      }
    },
  });
  const dailyQuota: DailyQuota | null =
    dailyQuotaOption === false
      ? null
      : createDailyQuota({
          apiKey,
          limit: dailyQuotaOption?.limit,
          directory: dailyQuotaOption?.directory,
          now: clock.now,
          logger,
        });
  return {limiter, dailyQuota, windowStore};
};
