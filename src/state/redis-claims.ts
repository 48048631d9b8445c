import {randomBytes} from 'node:crypto';
import type {Redis} from 'ioredis';
import {apiKeyDigest} from '../api/quota.ts';
import {connectRedis, sharedStateCall} from './connect-redis.ts';

/**
 * Segment claims shared by a fleet, by cache key. Two Redis keys per segment:
 *
 * - `…:holder` — who works on the segment now: a random id with a lease (PX), renewed by a heartbeat. A
 *   holder that dies stops renewing and the claim is free after the lease.
 * - `…:task` — what is known of the money: the state of its submit (`submitting`, `submitted`,
 *   `unknown`, `completed`) and the task id. It outlives its holder (7 days), so whoever claims next
 *   resumes that task instead of paying again, and an unknown outcome stays unknown for the whole fleet.
 */
export type ClaimState = 'submitting' | 'submitted' | 'unknown' | 'completed';

export type ClaimRecord = {
  state: ClaimState;
  taskId: string | null;
  /** The service the task lives on. */
  baseUrl: string;
  submittedAt: string | null;
  estimatedTimeSeconds: number | null;
};

export type HeldClaim = {
  /** False once the lease could not be renewed (another worker may hold the segment now). */
  readonly held: boolean;
  release: () => Promise<void>;
};

export type SegmentClaims = {
  /** The claim of `cacheKey`, or null when another worker holds it. */
  tryClaim: (cacheKey: string) => Promise<HeldClaim | null>;
  read: (cacheKey: string) => Promise<ClaimRecord | null>;
  /** Records what is known of the segment's task (whoever holds the claim: a task id is never dropped). */
  write: (cacheKey: string, record: ClaimRecord) => Promise<void>;
  /** Forgets the record (a certain refusal, or a task the service failed: no task to resume). */
  forget: (cacheKey: string) => Promise<void>;
  /**
   * The fleet's one auto-seed for `autoSeedKey`: `proposal` when this worker is the first to ask (SET NX),
   * else the seed another worker chose, so machines that meet a new segment at once ask for the same audio.
   */
  agreeSeed: (autoSeedKey: string, proposal: number) => Promise<number>;
  close: () => Promise<void>;
};

export type RedisClaimsOptions = {
  url: string;
  apiKey: string;
  /** Default `qubico`. */
  provider?: string;
  /** A holder that stops renewing loses its claim after this. Default 30 000 ms. */
  leaseMs?: number;
};

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
end
return 0`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

const RECORD_TTL_MS = 7 * 24 * 3600 * 1000;

export const createRedisClaims = async (options: RedisClaimsOptions): Promise<SegmentClaims> => {
  const leaseMs = options.leaseMs ?? 30_000;
  if (!Number.isFinite(leaseMs) || leaseMs < 100) {
    throw new TypeError(`redisClaims.leaseMs must be a number ≥ 100, got ${leaseMs}`);
  }
  const redis: Redis = await connectRedis(options.url);
  const prefix = `remotion-mmaudio:${apiKeyDigest(options.apiKey)}:${options.provider ?? 'qubico'}:claim`;
  const holderKey = (k: string) => `${prefix}:${k}:holder`;
  const taskKey = (k: string) => `${prefix}:${k}:task`;
  // Seeds are chosen per composition content, not per key or provider: one namespace for the fleet.
  const seedKey = (k: string) => `remotion-mmaudio:seed:${k}`;
  const call = <T>(what: string, fn: () => Promise<T>) => sharedStateCall(what, options.url, fn);
  const timers = new Set<NodeJS.Timeout>();

  return {
    tryClaim: async (cacheKey) => {
      const id = `${process.pid}:${randomBytes(8).toString('hex')}`;
      const ok = await call('claiming a segment', () =>
        redis.set(holderKey(cacheKey), id, 'PX', leaseMs, 'NX'),
      );
      if (ok !== 'OK') return null;
      let held = true;
      const timer = setInterval(
        () => {
          redis
            .eval(RENEW, 1, holderKey(cacheKey), id, leaseMs)
            .then((renewed) => {
              if (Number(renewed) !== 1) held = false;
            })
            .catch(() => {
              held = false;
            });
        },
        Math.max(30, leaseMs / 3),
      );
      timer.unref();
      timers.add(timer);
      return {
        get held() {
          return held;
        },
        release: async () => {
          clearInterval(timer);
          timers.delete(timer);
          await redis.eval(RELEASE, 1, holderKey(cacheKey), id).catch(() => undefined);
        },
      };
    },
    read: async (cacheKey) => {
      const h = await call('reading a segment claim', () => redis.hgetall(taskKey(cacheKey)));
      if (!h.state || !h.baseUrl) return null;
      return {
        state: h.state as ClaimState,
        taskId: h.taskId || null,
        baseUrl: h.baseUrl,
        submittedAt: h.submittedAt || null,
        estimatedTimeSeconds: h.estimatedTimeSeconds ? Number(h.estimatedTimeSeconds) : null,
      };
    },
    write: async (cacheKey, record) => {
      await call('recording a segment claim', () =>
        redis
          .multi()
          .del(taskKey(cacheKey))
          .hset(taskKey(cacheKey), {
            state: record.state,
            taskId: record.taskId ?? '',
            baseUrl: record.baseUrl,
            submittedAt: record.submittedAt ?? '',
            estimatedTimeSeconds:
              record.estimatedTimeSeconds === null ? '' : String(record.estimatedTimeSeconds),
          })
          .pexpire(taskKey(cacheKey), RECORD_TTL_MS)
          .exec(),
      );
    },
    forget: async (cacheKey) => {
      await call('forgetting a segment claim', () => redis.del(taskKey(cacheKey)));
    },
    agreeSeed: async (autoSeedKey, proposal) => {
      const agreed = await call('agreeing on a seed', async () => {
        const replies = await redis
          .multi()
          .set(seedKey(autoSeedKey), String(proposal), 'NX')
          .pexpire(seedKey(autoSeedKey), RECORD_TTL_MS)
          .get(seedKey(autoSeedKey))
          .exec();
        return replies?.[2]?.[1];
      });
      const seed = Number(agreed);
      if (!Number.isSafeInteger(seed) || seed < 0) {
        throw new Error(`Redis holds an invalid seed for ${autoSeedKey.slice(0, 12)}: ${String(agreed)}`);
      }
      return seed;
    },
    close: async () => {
      for (const t of timers) clearInterval(t);
      timers.clear();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
};
