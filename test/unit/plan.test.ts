import {describe, expect, it} from 'vitest';
import {UsageError} from '../../src/errors.ts';
import {
  formatTimecode,
  framesWithin,
  MAX_SEGMENT_SECONDS,
  type PlanSegmentsOptions,
  PRICE_PER_SECOND_USD,
  planSegments,
  type SegmentPlan,
} from '../../src/pipeline/plan.ts';
import {formatTimecode as formatTimecodeForBrowser} from '../../src/react/format-timecode.ts';

// ---------------------------------------------------------------------------------------------------
// The invariant checker and the seeded PRNG that the property loops below use.
// ---------------------------------------------------------------------------------------------------

/** Deterministic PRNG (mulberry32) so that random cases are the same on every run. */
const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Requested overlap in frames as the planner documents it: rounded half up, at least 1 when > 0. */
const requestedOverlapFrames = (overlapSeconds: number, fps: number): number =>
  overlapSeconds > 0 ? Math.max(1, Math.floor(overlapSeconds * fps + 0.5 + 1e-9)) : 0;

/**
 * Every property the planner promises, checked from the outside. Finds the first violation as a
 * readable string and fails the test with it (plain comparisons: the property loops check tens of
 * thousands of plans, too many for one expect call per property).
 */
const checkPlan = (options: PlanSegmentsOptions, plan: SegmentPlan): void => {
  const failure = findViolation(options, plan);
  if (failure !== undefined) {
    expect.fail(`${failure}: ${JSON.stringify({...options, cutFrames: options.cutFrames?.length})}`);
  }
};

const findViolation = (options: PlanSegmentsOptions, plan: SegmentPlan): string | undefined => {
  const n = options.durationInFrames;
  const fps = options.fps;
  const maxSeconds = options.maxSegmentSeconds ?? 60;
  const overlapSeconds = options.overlapSeconds ?? Math.min(0.5, maxSeconds / 4);
  const limit = framesWithin(maxSeconds, fps);
  const isCut = new Uint8Array(n + 1);
  for (const f of options.cutFrames ?? []) {
    if (f > 0 && f < n) {
      isCut[f] = 1;
    }
  }
  const {segments, overlapFrames: overlap} = plan;
  const count = segments.length;

  if (plan.durationInFrames !== n || plan.fps !== fps || plan.maxSegmentSeconds !== maxSeconds) {
    return 'plan echoes the wrong inputs';
  }
  if (plan.durationInSeconds !== n / fps) {
    return 'durationInSeconds';
  }
  if (count < 1) {
    return 'no segments';
  }
  // Limit in frames: the most whole frames that last no longer than maxSeconds.
  if (limit / fps > maxSeconds * (1 + 1e-12) || (limit + 1) / fps <= maxSeconds * (1 - 1e-12)) {
    return `limit ${limit} frames is not the floor of ${maxSeconds} s`;
  }

  // Render chunks partition [0, n) in order; segment k ends where chunk k ends.
  let previousEnd = 0;
  let billedFrames = 0;
  let fadeFrames = 0;
  for (const [k, s] of segments.entries()) {
    if (s.index !== k) {
      return `index ${s.index} at ${k}`;
    }
    if (s.renderStartFrame !== previousEnd || s.renderEndFrame <= s.renderStartFrame) {
      return `chunk ${k} [${s.renderStartFrame}, ${s.renderEndFrame}) does not follow ${previousEnd}`;
    }
    if (s.endFrame !== s.renderEndFrame || s.startFrame !== s.renderStartFrame - s.fadeInFrames) {
      return `segment ${k} is not its chunk plus its fade-in`;
    }
    // Chunk k ⊆ segment k, and segment k ⊆ chunks 0..k.
    if (s.startFrame < 0 || s.startFrame > s.renderStartFrame || s.endFrame > s.renderEndFrame) {
      return `segment ${k} is not within chunks 0..${k}`;
    }
    if (![s.startFrame, s.endFrame, s.fadeInFrames, s.fadeOutFrames].every(Number.isInteger)) {
      return `segment ${k} has a fractional frame`;
    }
    if (
      s.durationInFrames !== s.endFrame - s.startFrame ||
      s.durationInSeconds !== s.durationInFrames / fps
    ) {
      return `segment ${k} duration`;
    }
    if (s.durationInFrames > limit || s.durationInSeconds > maxSeconds * (1 + 1e-12)) {
      return `segment ${k} is ${s.durationInSeconds} s, over ${maxSeconds} s`;
    }
    // Fades: the overlap at a seam is shared by both neighbours; none at a cut, at the ends.
    const before = segments[k - 1];
    if (k === 0 && (s.fadeInFrames !== 0 || s.seamBeforeIsCut)) {
      return 'first segment fades in';
    }
    if (k === count - 1 && s.fadeOutFrames !== 0) {
      return 'last segment fades out';
    }
    if (before && before.fadeOutFrames !== s.fadeInFrames) {
      return `seam ${k}: fade-out ${before.fadeOutFrames} ≠ fade-in ${s.fadeInFrames}`;
    }
    if (s.seamBeforeIsCut && (s.fadeInFrames !== 0 || isCut[s.renderStartFrame] !== 1)) {
      return `cut seam ${k} at ${s.renderStartFrame} overlaps or is not a cut`;
    }
    if (k > 0 && !s.seamBeforeIsCut && s.fadeInFrames !== overlap) {
      return `seam ${k} overlap ${s.fadeInFrames} ≠ ${overlap}`;
    }
    // A fade-out lies within the segment's own chunk: no frame is held by three segments.
    if (s.fadeOutFrames > s.renderEndFrame - s.renderStartFrame) {
      return `segment ${k} fades out over an earlier chunk`;
    }
    previousEnd = s.renderEndFrame;
    billedFrames += s.durationInFrames;
    fadeFrames += s.fadeInFrames;
  }
  if (previousEnd !== n) {
    return `chunks end at ${previousEnd}, not ${n}`;
  }

  // Coverage, frame by frame: held once, or twice exactly in the declared overlaps.
  const held = new Uint8Array(n + 1);
  const declared = new Uint8Array(n + 1);
  for (const s of segments) {
    held[s.startFrame]++;
    held[s.endFrame]--;
    declared[s.startFrame]++;
    declared[s.renderStartFrame]--;
  }
  let times = 0;
  let inOverlap = 0;
  for (let f = 0; f < n; f++) {
    times = (times + held[f]) & 0xff;
    inOverlap = (inOverlap + declared[f]) & 0xff;
    if (times !== 1 + inOverlap || inOverlap > 1) {
      return `frame ${f} is held ${times} times, declared overlap ${inOverlap}`;
    }
  }

  // Overlap rule.
  const requested = requestedOverlapFrames(overlapSeconds, fps);
  if (count === 1) {
    if (overlap !== 0) {
      return 'single segment with overlap';
    }
  } else {
    if (overlap > requested) {
      return `overlap ${overlap} above the requested ${requested}`;
    }
    if (requested > 0 && limit >= 2 && overlap < 1) {
      return 'overlap asked for but none planned';
    }
    for (let k = 1; k < count; k++) {
      if (segments[k].seamBeforeIsCut) {
        continue;
      }
      const shorter = Math.min(segments[k - 1].durationInFrames, segments[k].durationInFrames);
      if (overlap > Math.max(1, Math.floor(shorter / 50))) {
        return `overlap ${overlap} above 2 % of ${shorter} frames`;
      }
    }
    const warned = plan.warnings.some((w) => w.includes('--overlap-seconds'));
    if (warned !== overlap < requested) {
      return `overlap ${overlap} of ${requested} requested, warned: ${warned}`;
    }
  }

  // Fewest segments: one when it fits; otherwise count − 1 segments cannot cover n frames.
  if ((count === 1) !== n <= limit) {
    return `${count} segments for ${n} frames with a limit of ${limit}`;
  }
  if (count > 1 && (count - 1) * limit - (count - 2) * overlap >= n) {
    return `${count} segments where ${count - 1} fit`;
  }

  // Balanced when no seam moved to a cut.
  if (!segments.some((s) => s.seamBeforeIsCut)) {
    let shortest = Number.POSITIVE_INFINITY;
    let longest = 0;
    for (const s of segments) {
      shortest = Math.min(shortest, s.durationInFrames);
      longest = Math.max(longest, s.durationInFrames);
    }
    if (longest - shortest > 1) {
      return `unbalanced: ${shortest}–${longest} frames`;
    }
  }

  // The bill: every frame sent, overlaps twice.
  if (billedFrames !== n + fadeFrames) {
    return `billed ${billedFrames} frames, expected ${n} + ${fadeFrames}`;
  }
  if (plan.billedSeconds !== billedFrames / fps) {
    return `billedSeconds ${plan.billedSeconds}`;
  }
  const cents = plan.costUsd * 100;
  if (Math.abs(cents - Math.round(cents)) > 1e-6 || Math.abs(cents - billedFrames * (5 / fps)) > 0.5 + 1e-6) {
    return `cost ${plan.costUsd} for ${plan.billedSeconds} s`;
  }
  return undefined;
};

/** Plans and checks every invariant; returns the plan for further assertions. */
const planChecked = (options: PlanSegmentsOptions): SegmentPlan => {
  const plan = planSegments(options);
  checkPlan(options, plan);
  return plan;
};

const spans = (plan: SegmentPlan): [number, number][] => plan.segments.map((s) => [s.startFrame, s.endFrame]);

const FPS_VALUES = [29.97, 23.976, 10, 2.997, 60, 1, 30000 / 1001, 24000 / 1001, 25, 30, 0.5, 119.88];

// ---------------------------------------------------------------------------------------------------
// Examples with numbers worked out by hand
// ---------------------------------------------------------------------------------------------------

describe('planSegments: lengths and limits', () => {
  it('cuts 130 s at 29.97 fps into three balanced segments of about 43.3 s, not 60 + 60 + 10', () => {
    const n = Math.round(130 * 29.97); // 3896 frames
    const plan = planChecked({durationInFrames: n, fps: 29.97});
    // 0.5 s at 29.97 fps = 14.985 → 15 frames; 3 × 1798 − 2 × 15 ≥ 3896 > 2 × 1798 − 15.
    expect(plan.overlapFrames).toBe(15);
    expect(plan.segments.map((s) => s.durationInFrames)).toEqual([1309, 1309, 1308]);
    expect(spans(plan)).toEqual([
      [0, 1309],
      [1294, 2603],
      [2588, 3896],
    ]);
    for (const s of plan.segments) {
      expect(s.durationInSeconds).toBeGreaterThan(43.3 - 0.5);
      expect(s.durationInSeconds).toBeLessThan(43.3 + 0.5);
      expect(s.renderEndFrame - s.renderStartFrame).toBeGreaterThan(43 * 29.97);
    }
    expect(plan.billedSeconds).toBe((3896 + 2 * 15) / 29.97);
    expect(plan.costUsd).toBe(6.55); // 130.9977 s × $0.05 = $6.5499
    expect(plan.warnings).toEqual([]);
    expect(plan.durationInSeconds).toBe(3896 / 29.97);
  });

  it('takes floor(60 × fps) frames as the 60 s limit, without floating-point drift', () => {
    expect(60 * 29.97).not.toBe(1798); // 1798.1999999999998: the product itself is not exact
    expect(framesWithin(60, 29.97)).toBe(1798);
    expect(framesWithin(60, 30000 / 1001)).toBe(1798);
    expect(framesWithin(60, 23.976)).toBe(1438);
    expect(framesWithin(60, 2.997)).toBe(179);
    expect(framesWithin(60, 30)).toBe(1800);
    expect(4.35 * 100).toBeLessThan(435); // 434.99999999999994: still 435 whole frames
    expect(framesWithin(4.35, 100)).toBe(435);
    expect(framesWithin(2.3, 100)).toBe(230);
    expect(framesWithin(9.95, 10)).toBe(99);
    expect(framesWithin(1, 0.999)).toBe(0);
  });

  it('keeps a composition of exactly 60 s in one segment, and splits 60 s + 1 frame in two', () => {
    for (const [fps, limit] of [
      [30, 1800],
      [29.97, 1798],
      [23.976, 1438],
      [60, 3600],
      [1, 60],
    ]) {
      const one = planChecked({durationInFrames: limit, fps});
      expect(one.segments).toHaveLength(1);
      expect(one.overlapFrames).toBe(0);
      expect(one.segments[0]).toMatchObject({
        startFrame: 0,
        endFrame: limit,
        fadeInFrames: 0,
        fadeOutFrames: 0,
      });
      expect(one.segments[0].durationInSeconds).toBeLessThanOrEqual(60);
      const two = planChecked({durationInFrames: limit + 1, fps});
      expect(two.segments).toHaveLength(2);
    }
    // 1801 frames at 30 fps: 15 frames of overlap, (1801 + 15) / 2 = 908 frames each.
    expect(spans(planChecked({durationInFrames: 1801, fps: 30}))).toEqual([
      [0, 908],
      [893, 1801],
    ]);
  });

  it('plans a single frame and a 0.4 s composition as one segment without overlap', () => {
    for (const fps of FPS_VALUES) {
      const plan = planChecked({durationInFrames: 1, fps});
      expect(plan.segments).toEqual([
        {
          index: 0,
          startFrame: 0,
          endFrame: 1,
          durationInFrames: 1,
          durationInSeconds: 1 / fps,
          fadeInFrames: 0,
          fadeOutFrames: 0,
          renderStartFrame: 0,
          renderEndFrame: 1,
          seamBeforeIsCut: false,
        },
      ]);
      expect(plan.overlapFrames).toBe(0);
    }
    for (const fps of [30, 25, 29.97, 60, 10]) {
      const n = Math.max(1, Math.round(0.4 * fps));
      const plan = planChecked({durationInFrames: n, fps, maxSegmentSeconds: 1});
      expect(spans(plan)).toEqual([[0, n]]);
    }
    // Every composition shorter than a second is one segment, even at the smallest limit.
    for (const fps of FPS_VALUES.filter((f) => f >= 1)) {
      for (let n = 1; n < fps; n++) {
        expect(planChecked({durationInFrames: n, fps, maxSegmentSeconds: 1}).segments).toHaveLength(1);
      }
    }
  });

  it('bills every frame sent, overlaps twice, and rounds the cost to cents', () => {
    // 1 frame at 30 fps: 0.0333 s → $0.0017 → $0.00.
    const tiny = planChecked({durationInFrames: 1, fps: 30});
    expect(tiny.billedSeconds).toBe(1 / 30);
    expect(tiny.costUsd).toBe(0);
    // 1801 frames at 30 fps: 2 × 908 frames = 60.533 s → $3.0267 → $3.03.
    const two = planChecked({durationInFrames: 1801, fps: 30});
    expect(two.billedSeconds).toBe(1816 / 30);
    expect(two.costUsd).toBe(3.03);
    // 100 s without overlap: exactly $5.00.
    const flat = planChecked({durationInFrames: 3000, fps: 30, overlapSeconds: 0});
    expect(flat.billedSeconds).toBe(100);
    expect(flat.costUsd).toBe(5);
    expect(PRICE_PER_SECOND_USD).toBe(0.05);
    expect(MAX_SEGMENT_SECONDS).toBe(60);
  });
});

describe('planSegments: overlap', () => {
  it('rounds the overlap to whole frames, half up, and to at least one frame', () => {
    // 3000 frames at 25 fps: 0.5 s = 12.5 → 13 frames.
    expect(planChecked({durationInFrames: 3000, fps: 25}).overlapFrames).toBe(13);
    expect(planChecked({durationInFrames: 3000, fps: 25, overlapSeconds: 0.01}).overlapFrames).toBe(1);
    expect(planChecked({durationInFrames: 3000, fps: 25, overlapSeconds: 0.3}).overlapFrames).toBe(8);
    // 0.3 s × 5 fps = 1.4999999999999998: meant as 1.5 → 2 frames.
    expect(planChecked({durationInFrames: 3000, fps: 5, overlapSeconds: 0.3}).overlapFrames).toBe(2);
    expect(planChecked({durationInFrames: 300, fps: 1}).overlapFrames).toBe(1);
  });

  it('shares the overlap between neighbours: segment k + 1 starts overlap frames before segment k ends', () => {
    const plan = planChecked({durationInFrames: 3000, fps: 25});
    const [a, b, c] = plan.segments;
    expect(b.startFrame).toBe(a.endFrame - 13);
    expect(c.startFrame).toBe(b.endFrame - 13);
    expect([
      a.fadeInFrames,
      a.fadeOutFrames,
      b.fadeInFrames,
      b.fadeOutFrames,
      c.fadeInFrames,
      c.fadeOutFrames,
    ]).toEqual([0, 13, 13, 13, 13, 0]);
  });

  it('plans no overlap when overlapSeconds is 0', () => {
    const plan = planChecked({durationInFrames: 3000, fps: 25, overlapSeconds: 0});
    expect(plan.overlapFrames).toBe(0);
    expect(spans(plan)).toEqual([
      [0, 1500],
      [1500, 3000],
    ]);
    expect(plan.segments.map((s) => s.seamBeforeIsCut)).toEqual([false, false]);
  });

  it('caps the overlap at 2 % of the shorter neighbour and says so', () => {
    // 120 s at 60 fps asking 29 s: 2 % of 3600 = 72 → 3 segments of 2448 → 2 % = 48
    // → 3 segments of 2432, whose 2 % is still 48.
    const plan = planChecked({durationInFrames: 7200, fps: 60, overlapSeconds: 29});
    expect(plan.overlapFrames).toBe(48);
    expect(plan.segments.map((s) => s.durationInFrames)).toEqual([2432, 2432, 2432]);
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toContain('--overlap-seconds 29 (1740 frames) was reduced to 48 frames');
    expect(plan.warnings[0]).toContain('2 %');
    // Within the cap: no warning.
    expect(planChecked({durationInFrames: 7200, fps: 60, overlapSeconds: 0.8}).warnings).toEqual([]);
  });

  it('keeps one frame of overlap where 2 % of a segment is less than a frame', () => {
    // 1 fps, 10 s segments: 2 % of 10 frames is 0.2 frames; a seam still gets 1 frame.
    const plan = planChecked({durationInFrames: 50, fps: 1, maxSegmentSeconds: 10, overlapSeconds: 3});
    expect(plan.overlapFrames).toBe(1);
    expect(plan.segments).toHaveLength(6); // 6 × 10 − 5 × 1 ≥ 50 > 5 × 10 − 4
    expect(plan.warnings[0]).toContain('reduced to 1 frame ');
  });

  it('drops the overlap, with a warning, when a segment can hold only one frame', () => {
    const plan = planChecked({durationInFrames: 10, fps: 1.5, maxSegmentSeconds: 1, overlapSeconds: 0.4});
    expect(plan.segments).toHaveLength(10);
    expect(plan.overlapFrames).toBe(0);
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toContain('single frame');
  });

  it('defaults the overlap to 0.5 s, or a quarter of a shorter --max-segment-seconds', () => {
    expect(planChecked({durationInFrames: 3000, fps: 30}).overlapFrames).toBe(15);
    // max 1 s: the default becomes 0.25 s (the flag check requires < 0.5 s); 0.25 s × 30 → 8 frames,
    // capped at 2 % of 30-frame segments → 1 frame.
    const plan = planChecked({durationInFrames: 300, fps: 30, maxSegmentSeconds: 1});
    expect(plan.overlapFrames).toBe(1);
  });
});

describe('planSegments: cut frames', () => {
  // 3000 frames at 30 fps, 15 frames of overlap: 2 segments, balanced seam at 1508
  // ((3000 + 15) / 2 = 1507.5 → 1508 and 1507 frames); 25 % of the average 1507.5 frames = 376.9.
  const base = {durationInFrames: 3000, fps: 30};

  it('moves a seam to a nearby cut, with no overlap there', () => {
    const plan = planChecked({...base, cutFrames: [1400]});
    expect(spans(plan)).toEqual([
      [0, 1400],
      [1400, 3000],
    ]);
    expect(plan.segments[1]).toMatchObject({seamBeforeIsCut: true, fadeInFrames: 0, renderStartFrame: 1400});
    expect(plan.segments[0].fadeOutFrames).toBe(0);
    expect(plan.billedSeconds).toBe(100);
    expect(plan.costUsd).toBe(5);
  });

  it('turns a balanced seam that falls on a cut into a cut seam', () => {
    expect(spans(planChecked({...base, cutFrames: [1508]}))).toEqual([
      [0, 1508],
      [1508, 3000],
    ]);
  });

  it('ignores a cut farther than 25 % of the average segment from the balanced seam', () => {
    const balanced = spans(planChecked(base));
    expect(balanced).toEqual([
      [0, 1508],
      [1493, 3000],
    ]);
    expect(spans(planChecked({...base, cutFrames: [1131]}))).toEqual(balanced); // 377 frames away
    // 1900 frames: seam at 958 ((1900 + 15) / 2 = 957.5 → 958), window 25 % × 957.5 = 239.4 frames.
    const short = {durationInFrames: 1900, fps: 30};
    const shortBalanced = spans(planChecked(short));
    expect(shortBalanced).toEqual([
      [0, 958],
      [943, 1900],
    ]);
    expect(spans(planChecked({...short, cutFrames: [718]}))).toEqual(shortBalanced);
    expect(spans(planChecked({...short, cutFrames: [1198]}))).toEqual(shortBalanced);
    expect(spans(planChecked({...short, cutFrames: [719]}))).toEqual([
      [0, 719],
      [719, 1900],
    ]);
    expect(spans(planChecked({...short, cutFrames: [1197]}))).toEqual([
      [0, 1197],
      [1197, 1900],
    ]);
  });

  it('never takes a cut that would push a segment over the limit', () => {
    // A seam at 1190 would leave 1810 frames (60.33 s) for the second segment.
    const plan = planChecked({...base, cutFrames: [1190]});
    expect(spans(plan)).toEqual(spans(planChecked(base)));
    // At 1200 the second segment is exactly 60 s: allowed.
    expect(spans(planChecked({...base, cutFrames: [1200]}))).toEqual([
      [0, 1200],
      [1200, 3000],
    ]);
    // Past 1800 the first segment would be too long; 1800 itself fits.
    expect(spans(planChecked({...base, cutFrames: [1801]}))).toEqual(spans(planChecked(base)));
    expect(spans(planChecked({...base, cutFrames: [1800]}))).toEqual([
      [0, 1800],
      [1800, 3000],
    ]);
    // Of two cuts, the nearer one that fits wins.
    expect(spans(planChecked({...base, cutFrames: [1190, 1850, 1300]}))[1][0]).toBe(1300);
  });

  it('takes the nearest cut, the earlier one on a tie', () => {
    expect(spans(planChecked({...base, cutFrames: [1400, 1500, 1700]}))[1][0]).toBe(1500);
    expect(spans(planChecked({...base, cutFrames: [1516, 1500]}))[1][0]).toBe(1500);
    expect(spans(planChecked({...base, cutFrames: [1515, 1500]}))[1][0]).toBe(1515);
  });

  it('ignores cut frames outside the composition and duplicates', () => {
    const clean = planChecked({...base, cutFrames: [1400]});
    const noisy = planChecked({...base, cutFrames: [0, -5, 3000, 4000, 1400, 1400, -1400]});
    expect(noisy).toEqual(clean);
    expect(planChecked({...base, cutFrames: [0, 3000, -1, 99999]})).toEqual(planChecked(base));
  });

  it('moves each seam on its own and rebalances what is left', () => {
    const n = Math.round(130 * 29.97); // balanced seams at 1309 and 2603; 25 % window: 327 frames
    const both = planChecked({durationInFrames: n, fps: 29.97, cutFrames: [2650, 1250]});
    expect(spans(both)).toEqual([
      [0, 1250],
      [1250, 2650],
      [2650, 3896],
    ]);
    expect(both.segments.map((s) => s.seamBeforeIsCut)).toEqual([false, true, true]);
    expect(both.billedSeconds).toBe(3896 / 29.97);
    // Only the first seam at a cut: the other 2646 frames are rebalanced over two segments with overlap.
    const first = planChecked({durationInFrames: n, fps: 29.97, cutFrames: [1250]});
    expect(spans(first)).toEqual([
      [0, 1250],
      [1250, 2581],
      [2566, 3896],
    ]);
    expect(first.segments.map((s) => s.fadeInFrames)).toEqual([0, 0, 15]);
  });

  it('uses cuts on every frame and still keeps every segment within the limit', () => {
    const n = 10_000;
    const cutFrames = Array.from({length: n}, (_, i) => i);
    const plan = planChecked({durationInFrames: n, fps: 29.97, cutFrames});
    expect(plan.segments.slice(1).every((s) => s.seamBeforeIsCut && s.fadeInFrames === 0)).toBe(true);
    expect(plan.billedSeconds).toBe(n / 29.97);
  });
});

describe('planSegments: validation', () => {
  const expectUsageError = (options: PlanSegmentsOptions, message: string | RegExp): void => {
    let thrown: unknown;
    try {
      planSegments(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).exitCode).toBe(2);
    if (typeof message === 'string') {
      expect((thrown as Error).message).toBe(message);
    } else {
      expect((thrown as Error).message).toMatch(message);
    }
  };

  it('rejects --max-segment-seconds outside 1–60, naming the flag', () => {
    const base = {durationInFrames: 100, fps: 30};
    expectUsageError(
      {...base, maxSegmentSeconds: 75},
      '--max-segment-seconds must be between 1 and 60, got 75.',
    );
    expectUsageError(
      {...base, maxSegmentSeconds: 0.5},
      '--max-segment-seconds must be between 1 and 60, got 0.5.',
    );
    expectUsageError({...base, maxSegmentSeconds: 60.01}, /--max-segment-seconds .* got 60\.01/);
    expectUsageError({...base, maxSegmentSeconds: Number.NaN}, /--max-segment-seconds .* got NaN/);
    expectUsageError({...base, maxSegmentSeconds: Number.POSITIVE_INFINITY}, /got Infinity/);
    expect(planSegments({...base, maxSegmentSeconds: 1}).segments).toHaveLength(4);
    expect(planSegments({...base, maxSegmentSeconds: 60}).segments).toHaveLength(1);
    expect(planSegments({...base, maxSegmentSeconds: 2.5}).segments).toHaveLength(2);
  });

  it('rejects a durationInFrames that is not a positive integer', () => {
    for (const bad of [0, -3, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectUsageError(
        {durationInFrames: bad, fps: 30},
        `The composition's durationInFrames must be a positive integer, got ${bad}.`,
      );
    }
    expectUsageError({durationInFrames: '10' as unknown as number, fps: 30}, /durationInFrames .* got "10"/);
  });

  it('rejects an fps that is not finite and above 0', () => {
    for (const bad of [0, -30, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectUsageError(
        {durationInFrames: 10, fps: bad},
        `The composition's fps must be a finite number above 0, got ${bad}.`,
      );
    }
  });

  it('rejects an fps at which no frame fits in a segment', () => {
    expectUsageError({durationInFrames: 10, fps: 0.01}, /one frame lasts 100 s.*--max-segment-seconds 60/);
    expectUsageError({durationInFrames: 10, fps: 0.5, maxSegmentSeconds: 1.9}, /Raise --max-segment-seconds/);
    expect(planSegments({durationInFrames: 10, fps: 0.5, maxSegmentSeconds: 2}).segments).toHaveLength(10);
  });

  it('rejects --overlap-seconds below 0, not finite, or from half of --max-segment-seconds', () => {
    const base = {durationInFrames: 100, fps: 30};
    const message = (half: number, got: number) =>
      `--overlap-seconds must be at least 0 and less than half of --max-segment-seconds (${half}), got ${got}.`;
    expectUsageError({...base, overlapSeconds: -1}, message(30, -1));
    expectUsageError({...base, overlapSeconds: 30}, message(30, 30));
    expectUsageError({...base, overlapSeconds: Number.NaN}, message(30, Number.NaN));
    expectUsageError(
      {...base, overlapSeconds: Number.POSITIVE_INFINITY},
      message(30, Number.POSITIVE_INFINITY),
    );
    expectUsageError({...base, maxSegmentSeconds: 10, overlapSeconds: 5}, message(5, 5));
    expect(planSegments({...base, maxSegmentSeconds: 10, overlapSeconds: 4.99}).segments).toHaveLength(1);
  });

  it('rejects cut frames that are not integers', () => {
    const base = {durationInFrames: 100, fps: 30};
    expectUsageError(
      {...base, cutFrames: [10, 12.5]},
      'Cut frames must be integer frame numbers, got 12.5 at cutFrames[1].',
    );
    expectUsageError({...base, cutFrames: [Number.NaN]}, /got NaN at cutFrames\[0\]/);
    expectUsageError({...base, cutFrames: ['7' as unknown as number]}, /got "7" at cutFrames\[0\]/);
    expectUsageError({...base, cutFrames: 7 as unknown as number[]}, /cutFrames must be an array/);
  });
});

it('re-exports the browser-safe formatTimecode', () => {
  expect(formatTimecode).toBe(formatTimecodeForBrowser);
  const plan = planChecked({durationInFrames: Math.round(130 * 29.97), fps: 29.97});
  expect(plan.segments.map((s) => formatTimecode(s.endFrame / plan.fps))).toEqual(['0:43', '1:26', '2:09']);
});

// ---------------------------------------------------------------------------------------------------
// Properties over many inputs
// ---------------------------------------------------------------------------------------------------

describe('planSegments: properties', () => {
  it('holds every invariant for every length up to a few segments (exhaustive over small limits)', () => {
    let plans = 0;
    for (const fps of [29.97, 23.976, 10, 2.997, 60, 1, 30000 / 1001]) {
      for (const maxSegmentSeconds of [1, 1.5, 3.3, 10]) {
        const limit = framesWithin(maxSegmentSeconds, fps);
        if (limit < 1) {
          continue;
        }
        for (const overlapSeconds of [undefined, 0, 0.04, 0.3, maxSegmentSeconds / 2 - 0.001]) {
          const top = Math.min(5 * limit + 3, 300);
          for (let n = 1; n <= top; n++) {
            planChecked({durationInFrames: n, fps, maxSegmentSeconds, overlapSeconds});
            plans++;
          }
        }
      }
    }
    expect(plans).toBeGreaterThan(20_000);
  });

  it('holds every invariant around the segment-count boundaries at the real limit', () => {
    for (const fps of FPS_VALUES) {
      for (const maxSegmentSeconds of [60, 59.9, 45, 7.3]) {
        const limit = framesWithin(maxSegmentSeconds, fps);
        if (limit < 1) {
          continue;
        }
        for (const overlapSeconds of [undefined, 0, 1, 2.5]) {
          const probe = planSegments({durationInFrames: 3 * limit, fps, maxSegmentSeconds, overlapSeconds});
          const o = probe.overlapFrames;
          for (let k = 1; k <= 5; k++) {
            const edge = k * limit - (k - 1) * o; // the most k segments can cover
            for (const n of [edge - 1, edge, edge + 1]) {
              if (n >= 1) {
                planChecked({durationInFrames: n, fps, maxSegmentSeconds, overlapSeconds});
              }
            }
          }
        }
      }
    }
  });

  it('holds every invariant on random lengths, rates, limits, overlaps and cuts (seeded)', () => {
    const random = seededRandom(20_240_611);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
    let withCutSeams = 0;
    let snapped = 0;
    for (let i = 0; i < 3000; i++) {
      const fps = random() < 0.7 ? pick(FPS_VALUES) : 0.5 + random() * 120;
      const maxSegmentSeconds = random() < 0.5 ? pick([60, 1, 1.5, 7.3, 10, 30, 59.9]) : 1 + random() * 59;
      const limit = framesWithin(maxSegmentSeconds, fps);
      if (limit < 1) {
        continue;
      }
      const overlapSeconds =
        random() < 0.3 ? undefined : pick([0, random() * 0.2, random() * (maxSegmentSeconds / 2)]);
      const n = Math.max(1, Math.floor(Math.exp(random() * Math.log(Math.min(50_000, 40 * limit)))));
      const mode = pick(['none', 'sparse', 'dense', 'near seams', 'noisy']);
      const cutFrames: number[] = [];
      if (mode === 'sparse') {
        for (let c = Math.floor(random() * 30); c > 0; c--) cutFrames.push(Math.floor(random() * n));
      } else if (mode === 'dense') {
        const step = 1 + Math.floor(random() * Math.max(1, limit / 5));
        for (let f = Math.floor(random() * step); f < n; f += step) cutFrames.push(f);
      } else if (mode === 'near seams') {
        const segments = Math.max(1, Math.ceil(n / limit));
        for (let k = 1; k < segments + 1; k++) {
          cutFrames.push(Math.round((k * n) / segments + (random() - 0.5) * 0.6 * (n / segments)));
        }
      } else if (mode === 'noisy') {
        cutFrames.push(0, n, -1, n + 7, Math.floor(n / 2), Math.floor(n / 2), Math.floor(n / 3));
      }
      const options = {durationInFrames: n, fps, maxSegmentSeconds, overlapSeconds, cutFrames};
      const plan = planChecked(options);
      // The input's order and duplicates do not matter.
      const tidy = [...new Set(cutFrames)].sort((a, b) => b - a);
      const again = planSegments({...options, cutFrames: tidy});
      if (JSON.stringify(again) !== JSON.stringify(plan)) {
        expect.fail(`cut order changed the plan: ${JSON.stringify(options)}`);
      }
      // A seam that lies on a cut frame is a cut seam.
      const cuts = new Set(cutFrames);
      for (const s of plan.segments.slice(1)) {
        if (!s.seamBeforeIsCut && cuts.has(s.renderStartFrame)) {
          expect.fail(
            `seam ${s.index} on cut ${s.renderStartFrame} keeps its overlap: ${JSON.stringify(options)}`,
          );
        }
        snapped += s.seamBeforeIsCut ? 1 : 0;
      }
      if (plan.segments.some((s) => s.seamBeforeIsCut)) {
        withCutSeams++;
      }
    }
    // The random cases did exercise cut seams, not only plain ones.
    expect(withCutSeams).toBeGreaterThan(300);
    expect(snapped).toBeGreaterThan(1000);
  });

  it('plans million-frame compositions in linear time', () => {
    const cases: PlanSegmentsOptions[] = [
      {durationInFrames: 1_000_000, fps: 29.97},
      // 2 frames per segment, 1 frame of overlap: a million segments.
      {durationInFrames: 1_000_000, fps: 2, maxSegmentSeconds: 1, overlapSeconds: 0.2},
      {durationInFrames: 1_000_000, fps: 1000, maxSegmentSeconds: 7.3, overlapSeconds: 3},
      {
        durationInFrames: 1_000_000,
        fps: 60,
        cutFrames: Array.from({length: 1_000_000}, (_, i) => i),
      },
    ];
    const random = seededRandom(7);
    cases.push({
      durationInFrames: 1_000_000,
      fps: 23.976,
      maxSegmentSeconds: 12.5,
      cutFrames: Array.from({length: 200_000}, () => Math.floor(random() * 1_000_000)),
    });
    const plans = cases.map(planChecked);
    const many = plans[1];
    expect(many.segments).toHaveLength(999_999);
    expect(many.billedSeconds).toBe((1_000_000 + 999_998) / 2);
  });
});
