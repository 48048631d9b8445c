import {Redis} from 'ioredis';
import {MMAudioError} from '../errors.ts';

/** Redis could not be reached or stopped answering: the run stops (never falls back to local limits). */
export class SharedStateUnavailableError extends MMAudioError {}

/** host:port of a Redis URL, never its user name or password. */
export const redisDisplayName = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}:${u.port || '6379'}`;
  } catch {
    return '(an unparsable Redis URL)';
  }
};

/**
 * Connects to `url` (redis:// or rediss://) and checks it answers a PING. Fails at once, with a message a
 * user can act on, when it does not: shared limits that silently became local ones would let a fleet
 * overrun the key. Commands fail fast after that too (no offline queue, a few reconnect attempts).
 */
export const connectRedis = async (url: string): Promise<Redis> => {
  const shown = redisDisplayName(url);
  if (!/^rediss?:\/\//i.test(url)) {
    throw new MMAudioError(
      `--redis-url / REMOTION_MMAUDIO_REDIS_URL must start with redis:// or rediss://, got ${shown}`,
      {exitCode: 2},
    );
  }
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: (times) => (times > 3 ? null : times * 200),
  });
  // ioredis emits connection errors as events; the commands' rejections carry them to the caller. The
  // last one says more than "Connection is closed" (e.g. ECONNREFUSED, a wrong password).
  let lastError: Error | null = null;
  redis.on('error', (err: Error) => {
    lastError = err;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new SharedStateUnavailableError(
      `Could not reach Redis at ${shown} (--redis-url / REMOTION_MMAUDIO_REDIS_URL): ${(
        (lastError as Error | null)?.message ?? (err instanceof Error ? err.message : String(err))
      ).replace(
        /\.+$/,
        '',
      )}. The shared request window, task slots and daily quota live there; the run stops rather than use local limits.`,
      {cause: err},
    );
  }
  return redis;
};

/** Runs a Redis command; a failure becomes SharedStateUnavailableError naming what was being done. */
export const sharedStateCall = async <T>(what: string, url: string, fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (err) {
    throw new SharedStateUnavailableError(
      `Redis at ${redisDisplayName(url)} failed while ${what}: ${
        err instanceof Error ? err.message : String(err)
      }. The run stops rather than use local limits.`,
      {cause: err},
    );
  }
};
