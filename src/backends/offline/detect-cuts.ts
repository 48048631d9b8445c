export type DetectCutsOptions = {
  /** A cut's frame difference must be at least this (mean absolute luma difference, 0–1). Default 0.08. */
  minDifference?: number;
  /** …and at least this many times the running level of the differences before it. Default 4. */
  factor?: number;
  /** …and at least this many times the difference of the next frame: a cut is a spike, not the start of
   * fast motion. Default 2. */
  spikeFactor?: number;
  /** Frames after a cut in which no other cut is reported (flashes, flicker). Default 3. */
  minGapFrames?: number;
};

/**
 * Finds hard cuts in a sequence of frame differences (`motion[i]` = mean absolute difference between
 * frame i−1 and frame i, 0–1): a frame is a cut when its difference jumps far above the running level
 * (an exponential average of the differences before it, cuts excluded) and falls back on the next
 * frame. Pure. Returns one flag per frame; frame 0 is never a cut.
 */
export const detectCuts = (motion: ArrayLike<number>, options: DetectCutsOptions = {}): boolean[] => {
  const minDifference = options.minDifference ?? 0.08;
  const factor = options.factor ?? 4;
  const spikeFactor = options.spikeFactor ?? 2;
  const minGapFrames = options.minGapFrames ?? 3;
  const cuts = new Array<boolean>(motion.length).fill(false);
  // The running level starts at the median of the first few differences (so a cut among them does not
  // raise it) and then follows the last ~10 frames.
  const head = Array.from({length: Math.min(5, motion.length - 1)}, (_, k) => motion[k + 1]).sort(
    (a, b) => a - b,
  );
  let level = head.length > 0 ? head[Math.floor(head.length / 2)] : 0;
  let lastCut = Number.NEGATIVE_INFINITY;
  for (let i = 1; i < motion.length; i++) {
    const d = motion[i];
    const next = i + 1 < motion.length ? motion[i + 1] : 0;
    const isCut =
      d >= minDifference && d >= factor * level && d >= spikeFactor * next && i - lastCut > minGapFrames;
    if (isCut) {
      cuts[i] = true;
      lastCut = i;
    } else {
      level += (d - level) * 0.1;
    }
  }
  return cuts;
};
