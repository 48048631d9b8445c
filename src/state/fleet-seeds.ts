import type {AudioCache} from './audio-cache.ts';
import type {SegmentClaims} from './redis-claims.ts';

/**
 * The cache of a fleet worker, whose auto-seeds are agreed through Redis: when two machines meet the same
 * new segment at once, both ask for the seed the first one chose (SET NX), so they want the same audio —
 * one submit under the segment claims, one bill — instead of two random seeds and two bills. The seed
 * that stands is recorded in the cache below (local disk, S3) as any seed is.
 */
export const withFleetSeeds = (cache: AudioCache, claims: Pick<SegmentClaims, 'agreeSeed'>): AudioCache => ({
  ...cache,
  agreeSeed: async (autoSeedKey, proposal) => {
    const seed = await claims.agreeSeed(autoSeedKey, proposal);
    await cache.putSeed(autoSeedKey, seed);
    return seed;
  },
});
