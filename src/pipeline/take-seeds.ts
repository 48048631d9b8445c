import {randomInt} from 'node:crypto';
import {UsageError} from '../errors.ts';
import {hashJson} from '../media/hash.ts';
import type {AudioCache} from '../state/audio-cache.ts';

/**
 * Refuses, before any work, a given seed whose takes would run past the largest seed the API takes
 * (`seed + takes − 1` must stay a safe integer).
 */
export const checkTakeSeeds = (seed: number | null, takes: number): void => {
  // Compared without adding to the seed: past 2^53 the sum itself would be rounded.
  if (seed !== null && takes - 1 > Number.MAX_SAFE_INTEGER - seed) {
    throw new UsageError(
      `--seed ${seed} with --takes ${takes} needs seeds up to ${seed} + ${takes - 1}, past ${Number.MAX_SAFE_INTEGER}: use a smaller seed.`,
    );
  }
};

/**
 * The seeds of a segment's takes, first take first. A given seed `s` gives `s, s + 1, …`. Without one,
 * each take gets a random seed recorded in the cache under the segment's auto-seed key (the first take
 * under that key itself, as with a single take, so a rerun with more takes keeps the takes it has), so
 * a rerun asks for the same seeds and is served from the cache. Seeds are unique within a segment.
 */
export const takeSeeds = async (options: {
  seed: number | null;
  takes: number;
  autoSeedKey: string;
  /** Where an older cache format recorded the first take's seed: read when `autoSeedKey` has none. */
  legacyAutoSeedKey?: string;
  cache: Pick<AudioCache, 'getSeed' | 'putSeed' | 'agreeSeed'>;
}): Promise<number[]> => {
  const {seed, takes, autoSeedKey, legacyAutoSeedKey, cache} = options;
  if (seed !== null) return Array.from({length: takes}, (_, i) => seed + i);
  const seeds: number[] = [];
  for (let take = 0; take < takes; take++) {
    const key = take === 0 ? autoSeedKey : hashJson([autoSeedKey, 'take', take]);
    let chosen = await cache.getSeed(key);
    if (chosen === null && take === 0 && legacyAutoSeedKey) {
      chosen = await cache.getSeed(legacyAutoSeedKey);
      if (chosen !== null) await cache.putSeed(key, chosen);
    }
    if (chosen === null || seeds.includes(chosen)) {
      let proposal: number;
      do proposal = randomInt(0, 2 ** 31);
      while (seeds.includes(proposal));
      if (cache.agreeSeed) {
        chosen = await cache.agreeSeed(key, proposal);
      } else {
        await cache.putSeed(key, proposal);
        chosen = proposal;
      }
    }
    seeds.push(chosen);
  }
  return seeds;
};
