/**
 * Seeded pseudo-random numbers for the offline backend: mulberry32 (32-bit state, passes the usual
 * statistical batteries for audio-noise purposes, ~1 ns a draw) seeded through murmur3's finaliser from
 * a 53-bit integer seed and a stream id, so that every noise source of one synthesis gets its own
 * independent sequence and the whole result is a pure function of (seed, stream). No Math.random.
 */

/** murmur3 fmix32: spreads every input bit over the whole 32-bit output. */
const mix32 = (h: number): number => {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

/**
 * Returns a generator of uniform numbers in [0, 1).
 *
 * @param seed Any safe integer (the API's `seeds` go up to 2^53 − 1); both 32-bit halves count.
 * @param stream Picks an independent sequence for the same seed (0, 1, 2, …).
 */
export const createPrng = (seed: number, stream = 0): (() => number) => {
  if (!Number.isSafeInteger(seed)) {
    throw new TypeError(`The seed must be a safe integer, got ${seed}`);
  }
  if (!Number.isSafeInteger(stream) || stream < 0) {
    throw new TypeError(`The stream must be a non-negative safe integer, got ${stream}`);
  }
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let state = mix32(mix32(mix32(lo ^ 0x9e3779b9) ^ hi) ^ mix32((stream + 0x632be5ab) >>> 0));
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
