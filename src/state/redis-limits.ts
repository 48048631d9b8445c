import type {Redis} from 'ioredis';
import {sleep} from '../api/clock.ts';
import {QuotaExceededError} from '../api/errors.ts';
import {apiKeyDigest, DEFAULT_DAILY_REQUESTS} from '../api/quota.ts';
import {connectRedis, sharedStateCall} from './connect-redis.ts';

/**
 * The key's three limits shared by every process and machine through one Redis: the request window, the
 * task slots and the daily quota. Each decision is one Lua script, so it is atomic across clients, and
 * every script reads the time from Redis (`TIME`), so machines with skewed clocks agree on the window.
 *
 * Keys: `remotion-mmaudio:<apiKeyDigest>:<provider>:{window|slots|day}`; the API key itself is never
 * written. No library fits both semantics the service needs — a place in the window held from the grant
 * until the answer and then a full window after it (rate-limiter-flexible and bottleneck count a request
 * at its start only), and slots that expire with their holder's lease — so this is ioredis and three
 * short scripts.
 */
export type SharedLimits = {
  /** Same contract as the local request limiter: resolves with a `release` for when the answer is in. */
  requestLimiter: {acquire: (signal?: AbortSignal) => Promise<() => void>};
  /** A task slot, renewed while held; a holder that dies loses it after `slotLeaseMs`. */
  taskSlots: {acquire: (signal?: AbortSignal) => Promise<() => void>};
  dailyQuota: {
    used: () => Promise<number>;
    remaining: () => Promise<number>;
    ensureAvailable: (requests: number) => Promise<void>;
    consume: (requests?: number, options?: {beforeSpending?: boolean}) => Promise<void>;
  };
  close: () => Promise<void>;
};

export type RedisLimitsOptions = {
  /** redis:// or rediss:// URL. */
  url: string;
  apiKey: string;
  /** Default `qubico`. */
  provider?: string;
  /** Default 20 per 60 000 ms, plus `marginMs` (default min(250, intervalMs / 20)). */
  requests?: number;
  intervalMs?: number;
  marginMs?: number;
  /** How long a request still in flight may reach the service; its place is held that long if its holder dies. Default 121 000 ms. */
  maxRequestMs?: number;
  /** Default 5. */
  maxConcurrentTasks?: number;
  /** A slot whose holder stops renewing it is free again after this. Default 30 000 ms. */
  slotLeaseMs?: number;
  /** Default 500. */
  dailyLimit?: number;
  /** Longest sleep between two looks at a full window or full slots. Default 100 ms. */
  pollMs?: number;
};

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** KEYS[1] window; ARGV id, limit, windowMs, maxRequestMs. -1 granted, else ms until a place ends. */
const WINDOW_ACQUIRE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + tonumber(ARGV[4]) + 1000)
  return -1
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(first[2]) + tonumber(ARGV[3]) - now)`;

/** KEYS[1] window; ARGV id. The place now ends at the answer (never later than it was bounded). */
const WINDOW_RELEASE = `${NOW}
return redis.call('ZADD', KEYS[1], 'XX', 'LT', now, ARGV[1])`;

/** KEYS[1] slots; ARGV id, max, leaseMs. -1 granted, else ms until a lease ends. */
const SLOT_ACQUIRE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + 1000)
  return -1
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(first[2]) - now)`;

/** KEYS[1] slots; ARGV id, leaseMs. 1 renewed, 0 lost (it expired and may be someone else's now). */
const SLOT_RENEW = `${NOW}
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 1000)
  return 1
end
return 0`;

/** KEYS[1] day hash; ARGV n, limit. {1, used} counted, {0, used} refused. The day is Redis's UTC day. */
const QUOTA_CONSUME = `${NOW}
local day = tostring(math.floor(now / 86400000))
local used = tonumber(redis.call('HGET', KEYS[1], day) or '0')
local n = tonumber(ARGV[1])
if used + n > tonumber(ARGV[2]) then return {0, used} end
used = redis.call('HINCRBY', KEYS[1], day, n)
redis.call('PEXPIRE', KEYS[1], 3 * 86400000)
return {1, used}`;

const QUOTA_USED = `${NOW}
return tonumber(redis.call('HGET', KEYS[1], tostring(math.floor(now / 86400000))) or '0')`;

/** The Redis key prefix of one API key (by digest) and provider. */
export const sharedKeyPrefix = (apiKey: string, provider: string): string =>
  `remotion-mmaudio:${apiKeyDigest(apiKey)}:${provider}`;

const positive = (name: string, value: number, integer: boolean): number => {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new TypeError(
      `redisLimits.${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`,
    );
  }
  return value;
};

let sequence = 0;
const newId = (): string =>
  `${process.pid}:${Date.now()}:${++sequence}:${Math.random().toString(36).slice(2)}`;

/** Connects (failing at once when Redis does not answer) and returns the shared limits. */
export const createRedisLimits = async (options: RedisLimitsOptions): Promise<SharedLimits> => {
  const provider = options.provider ?? 'qubico';
  const requests = positive('requests', options.requests ?? 20, true);
  const intervalMs = positive('intervalMs', options.intervalMs ?? 60_000, false);
  const marginMs = options.marginMs ?? Math.min(250, intervalMs / 20);
  const windowMs = Math.ceil(intervalMs + marginMs);
  const maxRequestMs = positive('maxRequestMs', options.maxRequestMs ?? 121_000, false);
  const maxTasks = positive('maxConcurrentTasks', options.maxConcurrentTasks ?? 5, true);
  const leaseMs = positive('slotLeaseMs', options.slotLeaseMs ?? 30_000, false);
  const dailyLimit = positive('dailyLimit', options.dailyLimit ?? DEFAULT_DAILY_REQUESTS, true);
  const pollMs = positive('pollMs', options.pollMs ?? 100, false);
  const redis: Redis = await connectRedis(options.url);
  const prefix = sharedKeyPrefix(options.apiKey, provider);
  const keys = {window: `${prefix}:window`, slots: `${prefix}:slots`, day: `${prefix}:day`};
  const call = <T>(what: string, fn: () => Promise<T>) => sharedStateCall(what, options.url, fn);
  const renewals = new Set<NodeJS.Timeout>();

  /** Runs `script` until it grants (-1), sleeping the wait it returns (at most `pollMs`). */
  const acquireWith = async (what: string, script: () => Promise<unknown>, signal?: AbortSignal) => {
    for (;;) {
      signal?.throwIfAborted();
      const wait = Number(await call(what, script));
      if (wait < 0) return;
      await sleep(Math.min(wait, pollMs), signal);
    }
  };

  return {
    requestLimiter: {
      acquire: async (signal) => {
        const id = newId();
        await acquireWith(
          'waiting for the shared request window',
          () => redis.eval(WINDOW_ACQUIRE, 1, keys.window, id, requests, windowMs, maxRequestMs),
          signal,
        );
        let released = false;
        return () => {
          if (released) return;
          released = true;
          // If this fails the place ends at its bound (grant + maxRequestMs): over-counting, never under.
          redis.eval(WINDOW_RELEASE, 1, keys.window, id).catch(() => undefined);
        };
      },
    },
    taskSlots: {
      acquire: async (signal) => {
        const id = newId();
        await acquireWith(
          'waiting for a shared task slot',
          () => redis.eval(SLOT_ACQUIRE, 1, keys.slots, id, maxTasks, leaseMs),
          signal,
        );
        const timer = setInterval(
          () => {
            redis.eval(SLOT_RENEW, 1, keys.slots, id, leaseMs).catch(() => undefined);
          },
          Math.max(50, leaseMs / 3),
        );
        timer.unref();
        renewals.add(timer);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          clearInterval(timer);
          renewals.delete(timer);
          redis.zrem(keys.slots, id).catch(() => undefined);
        };
      },
    },
    dailyQuota: {
      used: () =>
        call('reading the daily counter', async () => Number(await redis.eval(QUOTA_USED, 1, keys.day))),
      remaining: async () =>
        Math.max(
          0,
          dailyLimit -
            (await call('reading the daily counter', async () =>
              Number(await redis.eval(QUOTA_USED, 1, keys.day)),
            )),
        ),
      ensureAvailable: async (n) => {
        const used = await call('reading the daily counter', async () =>
          Number(await redis.eval(QUOTA_USED, 1, keys.day)),
        );
        if (used + n > dailyLimit) {
          throw new QuotaExceededError({used, limit: dailyLimit, requested: n, beforeSpending: true});
        }
      },
      consume: async (n = 1, consumeOptions = {}) => {
        const [ok, used] = (await call('counting a request in the daily counter', () =>
          redis.eval(QUOTA_CONSUME, 1, keys.day, n, dailyLimit),
        )) as [number, number];
        if (ok !== 1) {
          throw new QuotaExceededError({
            used,
            limit: dailyLimit,
            requested: n,
            beforeSpending: consumeOptions.beforeSpending ?? false,
          });
        }
      },
    },
    close: async () => {
      for (const timer of renewals) clearInterval(timer);
      renewals.clear();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
};
