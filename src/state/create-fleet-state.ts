import type {QubicoClientOptions} from '../api/client.ts';
import type {SegmentClaims} from './redis-claims.ts';
import {createRedisClaims} from './redis-claims.ts';
import {createRedisLimits, type SharedLimits} from './redis-limits.ts';

export type FleetState = {limits: SharedLimits; claims: SegmentClaims; close: () => Promise<void>};

/**
 * What `--redis-url` turns on: the key's limits and the segment claims shared through one Redis, with the
 * client's own figures for the window, the slots and the daily limit. Fails at once when Redis does not
 * answer (SharedStateUnavailableError): the run never falls back to local limits.
 */
export const createFleetState = async (options: {
  redisUrl: string;
  apiKey: string;
  provider?: string;
  client: Pick<QubicoClientOptions, 'rateLimit' | 'maxConcurrentTasks' | 'dailyQuota' | 'requestTimeoutMs'>;
}): Promise<FleetState> => {
  const {client} = options;
  const limits = await createRedisLimits({
    url: options.redisUrl,
    apiKey: options.apiKey,
    provider: options.provider,
    requests: client.rateLimit?.requests,
    intervalMs: client.rateLimit?.intervalMs,
    maxConcurrentTasks: client.maxConcurrentTasks,
    dailyLimit: client.dailyQuota ? client.dailyQuota.limit : undefined,
    maxRequestMs: (client.requestTimeoutMs ?? 120_000) + 1000,
  });
  let claims: SegmentClaims;
  try {
    claims = await createRedisClaims({
      url: options.redisUrl,
      apiKey: options.apiKey,
      provider: options.provider,
    });
  } catch (err) {
    await limits.close();
    throw err;
  }
  return {
    limits,
    claims,
    close: async () => {
      await limits.close();
      await claims.close();
    },
  };
};
