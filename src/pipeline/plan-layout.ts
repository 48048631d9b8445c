/**
 * The integer core of the segment planner: where the seams go for a given overlap. Pure, no validation
 * (plan.ts validates and normalises first), O(segments × log cuts).
 *
 * Vocabulary: the composition is `n` frames; a segment holds at most `limit` frames including its
 * overlaps; `chunk` k is the part of segment k that no earlier segment holds, [end of segment k−1,
 * end of segment k). A seam is the boundary between segment k and k+1; at a normal seam the segments
 * share `overlap` frames, at a cut seam they share none.
 */

export type SeamLayout = {
  /** Exclusive end frame of every segment; the last one is `n`. */
  ends: number[];
  /** `cutSeams[k]` is true when the seam after segment k sits at a cut frame (no overlap there). */
  cutSeams: boolean[];
};

/** ⌈a / b⌉ for non-negative integers, exact (no floating-point division result is rounded). */
const ceilDiv = (a: number, b: number): number => Math.floor((a + b - 1) / b);

/**
 * Fewest segments of at most `limit` frames that cover `n` frames when neighbours share `overlap`
 * frames: k segments cover k·limit − (k−1)·overlap frames, so k = ⌈(n − overlap) / (limit − overlap)⌉.
 * Needs `overlap < limit`.
 */
export const countSegments = (n: number, limit: number, overlap: number): number =>
  n <= limit ? 1 : ceilDiv(n - overlap, limit - overlap);

/**
 * Largest overlap allowed beside a segment of `shorter` frames. The overlap is sent, and billed, twice,
 * so it is capped at 2 % (1/50) of the shorter neighbour; but never below one frame: a seam without
 * any overlap could not be crossfaded. (A segment of a single frame cannot overlap at all: the next
 * segment would need that frame and a new one; the planner handles that limit before calling this.)
 */
export const overlapCap = (shorter: number): number => Math.max(1, Math.floor(shorter / 50));

/** Index of the first element of sorted `values` that is ≥ `x` (values.length if none). */
const lowerBound = (values: readonly number[], x: number): number => {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < x) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
};

/** The cut in [lo, hi] nearest to `target` (the earlier one on a tie), or undefined. */
const nearestCut = (cuts: readonly number[], target: number, lo: number, hi: number): number | undefined => {
  if (lo > hi) {
    return undefined;
  }
  const clamped = Math.min(Math.max(target, lo), hi);
  const i = lowerBound(cuts, clamped);
  const above = i < cuts.length && cuts[i] <= hi ? cuts[i] : undefined;
  const below = i > 0 && cuts[i - 1] >= lo ? cuts[i - 1] : undefined;
  if (above === undefined) {
    return below;
  }
  if (below === undefined) {
    return above;
  }
  return target - below <= above - target ? below : above;
};

/**
 * Places the seams. Without cuts the segments are balanced: the fewest segments that fit, sizes
 * (overlaps included) differing by at most one frame, the longer ones first. With cuts, the seams are
 * placed left to right: each seam aims at the balanced position for what is left (the remaining frames
 * spread over the remaining segments), and moves to the cut nearest that position when one lies within
 * 25 % of the average segment length and moving there keeps every segment, this one and all later
 * ones, within `limit`. A seam at a cut has no overlap.
 *
 * `cuts` must be sorted, unique and inside (0, n); `overlap < limit`.
 */
export const layoutSeams = (
  n: number,
  limit: number,
  overlap: number,
  cuts: readonly number[],
): SeamLayout => {
  const count = countSegments(n, limit, overlap);
  const ends: number[] = [];
  const cutSeams: boolean[] = [];
  if (count === 1) {
    return {ends: [n], cutSeams};
  }
  const window = (0.25 * (n + (count - 1) * overlap)) / count;
  let chunkStart = 0;
  let segmentStart = 0;
  for (let k = 0; k < count - 1; k++) {
    const remaining = count - k;
    // Frames of the remaining segments, overlaps counted twice, spread evenly (longer ones first).
    // Without cuts the clamp never acts (the fewest segments that fit leave every chunk a frame or
    // more); after seams moved to cuts it keeps at least one frame for each remaining chunk.
    const total = n - segmentStart + (remaining - 1) * overlap;
    const target = Math.min(
      Math.max(segmentStart + ceilDiv(total, remaining), chunkStart + 1),
      n - (remaining - 1),
    );
    // A cut seam at c leaves n − c frames for `after` segments, the first without a fade-in: at most
    // limit + (after − 1)(limit − overlap) of them fit, and each chunk needs a frame of its own.
    const after = remaining - 1;
    const mostAfter = limit + (after - 1) * (limit - overlap);
    const lo = Math.max(chunkStart + 1, n - mostAfter, Math.ceil(target - window));
    const hi = Math.min(segmentStart + limit, n - after, Math.floor(target + window));
    const cut = nearestCut(cuts, target, lo, hi);
    if (cut === undefined) {
      ends.push(target);
      cutSeams.push(false);
      chunkStart = target;
      segmentStart = target - overlap;
    } else {
      ends.push(cut);
      cutSeams.push(true);
      chunkStart = cut;
      segmentStart = cut;
    }
  }
  ends.push(n);
  return {ends, cutSeams};
};

/** Size of the shortest segment beside a seam that is not a cut, or undefined when there is none. */
export const shortestBesideOverlap = (layout: SeamLayout, overlap: number): number | undefined => {
  const {ends, cutSeams} = layout;
  let shortest: number | undefined;
  let previousSize = ends[0];
  for (let k = 0; k < cutSeams.length; k++) {
    const nextSize = ends[k + 1] - ends[k] + (cutSeams[k] ? 0 : overlap);
    if (!cutSeams[k]) {
      const shorter = Math.min(previousSize, nextSize);
      shortest = shortest === undefined ? shorter : Math.min(shortest, shorter);
    }
    previousSize = nextSize;
  }
  return shortest;
};
