import {createHash} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {type Logger, silentLogger} from '../log.ts';
import {writeFileAtomic} from '../media/atomic.ts';
import {withLock} from '../state/run-lock.ts';
import {QuotaExceededError} from './errors.ts';

/**
 * The service allows 500 requests per day per key. This counter keeps the client's own tally on disk so
 * that a run can be refused before its first request, and so that two runs on one day add up.
 *
 * One JSON file per API key, named by a sha256 prefix of the key (the key itself is never written).
 * The day is the UTC calendar day. Writes are atomic (temp file + rename). Calls within one process are
 * serialised, and each read-modify-write holds a lock file beside the counter (`<file>.lock`, a few ms),
 * so two processes counting at the very same moment add up exactly.
 */

export const DEFAULT_DAILY_REQUESTS = 500;

export type DailyQuota = {
  readonly limit: number;
  /** The counter file. */
  readonly filePath: string;
  /** Requests counted today (UTC). */
  used: () => Promise<number>;
  remaining: () => Promise<number>;
  /** Throws QuotaExceededError (exit code 2, nothing sent) when `requests` more would pass the limit. */
  ensureAvailable: (requests: number) => Promise<void>;
  /**
   * Counts `requests` before they are sent. Throws QuotaExceededError instead when they would pass the
   * limit (exit code 2 when `beforeSpending`, else 1).
   */
  consume: (requests?: number, options?: {beforeSpending?: boolean}) => Promise<void>;
};

export type DailyQuotaOptions = {
  apiKey: string;
  /** Default 500. */
  limit?: number;
  /** Default: REMOTION_MMAUDIO_STATE_DIR, else $XDG_STATE_HOME/remotion-mmaudio, else ~/.local/state/remotion-mmaudio. */
  directory?: string;
  /** Default Date.now. */
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
};

/** The counter's lock is held for one read and one write: a holder silent this long has crashed. */
const COUNTER_LOCK_LEASE_MS = 10_000;
const COUNTER_LOCK_TIMEOUT_MS = 60_000;

type QuotaFile = {version: 1; day: string; used: number};

/** The directory of the counter files. */
export const defaultStateDirectory = (env: NodeJS.ProcessEnv = process.env): string => {
  if (env.REMOTION_MMAUDIO_STATE_DIR) return path.resolve(env.REMOTION_MMAUDIO_STATE_DIR);
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(path.resolve(base), 'remotion-mmaudio');
};

/**
 * What names a key's files in the state directory: the first 16 hex digits of sha256(key). Enough to tell
 * keys apart, never enough to recover one.
 */
export const apiKeyDigest = (apiKey: string): string =>
  createHash('sha256').update(apiKey).digest('hex').slice(0, 16);

/** File name of a key's counter: `quota-<apiKeyDigest>.json`. */
export const quotaFileName = (apiKey: string): string => `quota-${apiKeyDigest(apiKey)}.json`;

/** `YYYY-MM-DD` of the UTC day containing `ms`. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export const createDailyQuota = (options: DailyQuotaOptions): DailyQuota => {
  const limit = options.limit ?? DEFAULT_DAILY_REQUESTS;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new TypeError(`dailyQuota.limit must be a positive integer, got ${String(limit)}`);
  }
  const directory = options.directory
    ? path.resolve(options.directory)
    : defaultStateDirectory(options.env ?? process.env);
  const filePath = path.join(directory, quotaFileName(options.apiKey));
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger();
  // Serialises read-modify-write within this process.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };

  const read = async (): Promise<number> => {
    let text: string;
    try {
      text = await readFile(filePath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    try {
      const data = JSON.parse(text) as Partial<QuotaFile>;
      if (data.day !== utcDay(now())) return 0;
      return typeof data.used === 'number' && Number.isFinite(data.used) && data.used > 0 ? data.used : 0;
    } catch {
      logger.warn(`The daily request counter ${filePath} is unreadable; counting from 0 again.`);
      return 0;
    }
  };

  const check = (used: number, requests: number, beforeSpending: boolean) => {
    if (used + requests > limit) {
      throw new QuotaExceededError({used, limit, requested: requests, beforeSpending});
    }
  };

  return {
    limit,
    filePath,
    used: () => serial(read),
    remaining: () => serial(async () => Math.max(0, limit - (await read()))),
    ensureAvailable: (requests) =>
      serial(async () => {
        check(await read(), requests, true);
      }),
    consume: (requests = 1, consumeOptions = {}) =>
      serial(() =>
        withLock(
          {
            lockPath: `${filePath}.lock`,
            what: 'the daily request counter',
            command: 'remotion-mmaudio (daily request counter)',
            timeoutMs: COUNTER_LOCK_TIMEOUT_MS,
            leaseMs: COUNTER_LOCK_LEASE_MS,
          },
          async () => {
            const used = await read();
            check(used, requests, consumeOptions.beforeSpending ?? false);
            const data: QuotaFile = {version: 1, day: utcDay(now()), used: used + requests};
            await writeFileAtomic(filePath, `${JSON.stringify(data)}\n`);
          },
        ),
      ),
  };
};
