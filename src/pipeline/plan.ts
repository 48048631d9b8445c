import {PIPELINE_MAX_SEGMENT_SECONDS, QUBICO_USD_PER_SECOND} from '../contract/providers.ts';
import {UsageError} from '../errors.ts';
import {layoutSeams, overlapCap, type SeamLayout, shortestBesideOverlap} from './plan-layout.ts';

export {formatTimecode} from '../contract/format-timecode.ts';

/** What the MMAudio API bills per second of video sent. */
export const PRICE_PER_SECOND_USD = QUBICO_USD_PER_SECOND;
/** The longest video the MMAudio API accepts in one request. */
export const MAX_SEGMENT_SECONDS = PIPELINE_MAX_SEGMENT_SECONDS;
/** Shortest allowed `maxSegmentSeconds`. */
export const MIN_SEGMENT_SECONDS = 1;
/** Default crossfade overlap between neighbouring segments. */
export const DEFAULT_OVERLAP_SECONDS = 0.5;

export type PlanSegmentsOptions = {
  /** Length of the composition in frames, an integer ≥ 1. */
  durationInFrames: number;
  /** Frame rate of the composition, > 0; may be fractional (29.97, 23.976). */
  fps: number;
  /** Longest segment sent in one request, overlaps included; 1–60, default 60. */
  maxSegmentSeconds?: number;
  /**
   * Overlap between neighbouring segments for a crossfade; ≥ 0 and less than half of maxSegmentSeconds.
   * Default 0.5 (a quarter of maxSegmentSeconds when that is shorter). Capped at 2 % of the shorter
   * neighbour, since it is billed twice; `warnings` says when the cap reduced it.
   */
  overlapSeconds?: number;
  /** Preferred seam frames (hard cuts, scene starts). Frames outside (0, durationInFrames) are ignored. */
  cutFrames?: readonly number[];
};

export type PlannedSegment = {
  /** 0-based. */
  index: number;
  /** Inclusive. */
  startFrame: number;
  /** Exclusive. */
  endFrame: number;
  /** endFrame − startFrame. */
  durationInFrames: number;
  /** durationInFrames / fps. */
  durationInSeconds: number;
  /** Frames shared with the previous segment (0 for the first segment and after a cut seam). */
  fadeInFrames: number;
  /** Frames shared with the next segment (0 for the last segment and before a cut seam). */
  fadeOutFrames: number;
  /** First frame of the frame pass's chunk k: the end of chunk k−1, 0 for the first. */
  renderStartFrame: number;
  /** End of the chunk, exclusive: = endFrame, so segment k can be built once chunk k is rendered. */
  renderEndFrame: number;
  /** True when the seam before this segment sits at a cut frame (no overlap, no crossfade). */
  seamBeforeIsCut: boolean;
};

export type SegmentPlan = {
  fps: number;
  durationInFrames: number;
  durationInSeconds: number;
  maxSegmentSeconds: number;
  /** Overlap, in frames, at every seam that is not a cut (0 for a single segment). */
  overlapFrames: number;
  segments: PlannedSegment[];
  /** Sum of segment durations: overlaps count twice, they are sent twice. */
  billedSeconds: number;
  /** billedSeconds × PRICE_PER_SECOND_USD, rounded to cents. */
  costUsd: number;
  warnings: string[];
};

type NormalisedPlanOptions = {
  durationInFrames: number;
  fps: number;
  maxSegmentSeconds: number;
  overlapSeconds: number;
  /** Sorted, unique, inside (0, durationInFrames). */
  cutFrames: number[];
};

/** Relative tolerance under which a product of floats is taken to be the integer it is meant to be. */
const EPSILON = 1e-9;

/**
 * Whole frames that fit in `seconds` at `fps`, rounded down, so that the frames never last longer than
 * `seconds`. A product that misses an integer only by floating-point error counts as that integer
 * (10 × 0.3 = 3.0000000000000004 is 3 frames; 60 × 29.97 = 1798.2 is 1798).
 */
export const framesWithin = (seconds: number, fps: number): number => {
  const exact = seconds * fps;
  const nearest = Math.round(exact);
  return Math.abs(exact - nearest) <= EPSILON * Math.max(1, exact) ? nearest : Math.floor(exact);
};

/** `seconds` at `fps` in whole frames, rounded half up (0.5 s at 25 fps → 13 frames). */
const roundFrames = (seconds: number, fps: number): number => {
  const exact = seconds * fps;
  return Math.floor(exact + 0.5 + EPSILON * Math.max(1, exact));
};

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

const show = (value: unknown): string => (typeof value === 'number' ? String(value) : JSON.stringify(value));

const validatePlanOptions = (options: PlanSegmentsOptions): NormalisedPlanOptions => {
  const {durationInFrames, fps} = options;
  if (typeof durationInFrames !== 'number' || !Number.isInteger(durationInFrames) || durationInFrames < 1) {
    throw new UsageError(
      `The composition's durationInFrames must be a positive integer, got ${show(durationInFrames)}.`,
    );
  }
  if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0) {
    throw new UsageError(`The composition's fps must be a finite number above 0, got ${show(fps)}.`);
  }
  const maxSegmentSeconds = options.maxSegmentSeconds ?? MAX_SEGMENT_SECONDS;
  if (
    typeof maxSegmentSeconds !== 'number' ||
    !Number.isFinite(maxSegmentSeconds) ||
    maxSegmentSeconds < MIN_SEGMENT_SECONDS ||
    maxSegmentSeconds > MAX_SEGMENT_SECONDS
  ) {
    throw new UsageError(
      `--max-segment-seconds must be between ${MIN_SEGMENT_SECONDS} and ${MAX_SEGMENT_SECONDS}, got ${show(maxSegmentSeconds)}.`,
    );
  }
  // The default must never be what makes a short --max-segment-seconds fail validation.
  const overlapSeconds = options.overlapSeconds ?? Math.min(DEFAULT_OVERLAP_SECONDS, maxSegmentSeconds / 4);
  if (
    typeof overlapSeconds !== 'number' ||
    !Number.isFinite(overlapSeconds) ||
    overlapSeconds < 0 ||
    overlapSeconds >= maxSegmentSeconds / 2
  ) {
    throw new UsageError(
      `--overlap-seconds must be at least 0 and less than half of --max-segment-seconds ` +
        `(${maxSegmentSeconds / 2}), got ${show(overlapSeconds)}.`,
    );
  }
  if (framesWithin(maxSegmentSeconds, fps) < 1) {
    throw new UsageError(
      `At ${fps} fps one frame lasts ${1 / fps} s, longer than --max-segment-seconds ${maxSegmentSeconds}: ` +
        `no segment can hold a frame. Raise --max-segment-seconds (up to ${MAX_SEGMENT_SECONDS}) or use a higher fps.`,
    );
  }
  const rawCuts = options.cutFrames ?? [];
  if (!Array.isArray(rawCuts)) {
    throw new UsageError(`cutFrames must be an array of frame numbers, got ${show(rawCuts)}.`);
  }
  rawCuts.forEach((frame: unknown, i) => {
    if (typeof frame !== 'number' || !Number.isInteger(frame)) {
      throw new UsageError(
        `Cut frames must be integer frame numbers, got ${show(frame)} at cutFrames[${i}].`,
      );
    }
  });
  return {
    durationInFrames,
    fps,
    maxSegmentSeconds,
    overlapSeconds,
    cutFrames: tidyCuts(rawCuts, durationInFrames),
  };
};

/** Cut frames inside (0, n), sorted, without duplicates. Linear when they come sorted (scene starts do). */
const tidyCuts = (cuts: readonly number[], n: number): number[] => {
  let sorted = true;
  for (let i = 1; i < cuts.length && sorted; i++) {
    sorted = cuts[i - 1] <= cuts[i];
  }
  const ordered = sorted ? cuts : [...cuts].sort((a, b) => a - b);
  const tidy: number[] = [];
  for (const frame of ordered) {
    if (frame > 0 && frame < n && frame !== tidy[tidy.length - 1]) {
      tidy.push(frame);
    }
  }
  return tidy;
};

/**
 * Cuts a composition into frame-exact segments for the MMAudio API: the fewest that fit in
 * `maxSegmentSeconds` (overlaps included), balanced, neighbours sharing `overlapSeconds` for a
 * crossfade, seams moved to nearby cut frames where the picture changes anyway (no overlap there).
 * Also returns the frame pass's render chunks and the bill. Pure; throws `UsageError` on bad input.
 */
export const planSegments = (options: PlanSegmentsOptions): SegmentPlan => {
  const {
    durationInFrames: n,
    fps,
    maxSegmentSeconds,
    overlapSeconds,
    cutFrames,
  } = validatePlanOptions(options);
  const limit = framesWithin(maxSegmentSeconds, fps);
  const warnings: string[] = [];

  // Requested overlap in whole frames; at least one frame when any overlap is asked for.
  const requested = overlapSeconds > 0 ? Math.max(1, roundFrames(overlapSeconds, fps)) : 0;
  // Overlap rule (see overlapCap): the overlap is billed twice, so at each seam it is at most 2 % of the
  // shorter neighbour, but at least one frame (none only when a segment holds a single frame). No
  // segment exceeds `limit`, so 2 % of `limit` bounds it first; then, because the sizes depend on the
  // overlap (and the segment count on both), the layout is redone with the overlap lowered to the cap
  // of the shortest segment beside an overlapping seam until it fits. The overlap only decreases, so
  // this ends.
  let overlap = limit < 2 ? 0 : Math.min(requested, overlapCap(limit));
  let layout: SeamLayout = layoutSeams(n, limit, overlap, cutFrames);
  for (;;) {
    const shortest = shortestBesideOverlap(layout, overlap);
    if (shortest === undefined || overlap <= overlapCap(shortest)) {
      break;
    }
    overlap = overlapCap(shortest);
    layout = layoutSeams(n, limit, overlap, cutFrames);
  }
  const count = layout.ends.length;
  if (count === 1) {
    overlap = 0;
  } else if (overlap < requested) {
    warnings.push(
      limit < 2
        ? `At ${fps} fps a ${maxSegmentSeconds} s segment holds a single frame, so neighbouring segments ` +
            `cannot overlap: --overlap-seconds ${overlapSeconds} is ignored and seams are not crossfaded.`
        : `--overlap-seconds ${overlapSeconds} (${plural(requested, 'frame')}) was reduced to ` +
            `${plural(overlap, 'frame')} ` +
            `(${(overlap / fps).toFixed(2)} s): the overlap is sent and billed twice, so it is capped at 2 % ` +
            `of the shorter segment beside each seam.`,
    );
  }

  const segments: PlannedSegment[] = [];
  let billedFrames = 0;
  for (let k = 0; k < count; k++) {
    const renderStartFrame = k === 0 ? 0 : layout.ends[k - 1];
    const endFrame = layout.ends[k];
    const seamBeforeIsCut = k > 0 && layout.cutSeams[k - 1];
    const fadeInFrames = k === 0 || seamBeforeIsCut ? 0 : overlap;
    const fadeOutFrames = k === count - 1 || layout.cutSeams[k] ? 0 : overlap;
    const startFrame = renderStartFrame - fadeInFrames;
    const durationInFrames = endFrame - startFrame;
    billedFrames += durationInFrames;
    segments.push({
      index: k,
      startFrame,
      endFrame,
      durationInFrames,
      durationInSeconds: durationInFrames / fps,
      fadeInFrames,
      fadeOutFrames,
      renderStartFrame,
      renderEndFrame: endFrame,
      seamBeforeIsCut,
    });
  }
  const billedSeconds = billedFrames / fps;
  const cents = billedSeconds * PRICE_PER_SECOND_USD * 100;
  return {
    fps,
    durationInFrames: n,
    durationInSeconds: n / fps,
    maxSegmentSeconds,
    overlapFrames: overlap,
    segments,
    billedSeconds,
    costUsd: Math.round(cents + EPSILON * Math.max(1, cents)) / 100,
    warnings,
  };
};
