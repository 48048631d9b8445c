/**
 * The fields of Remotion's internal `SequenceContext` that tell whether a `<Sequence>` plays the whole
 * composition at normal speed. They arrived over several 4.0.x releases; older releases lack some of them:
 *
 * - `cumulatedNegativeFrom` since 4.0.468,
 * - `absoluteFrom` since 4.0.476,
 * - `playbackRate` since 4.0.528 (before it, a `<Sequence>` had no `playbackRate` prop: always 1).
 *
 * A missing field is taken as its value in a release that has no such concept, and the fields present in
 * every supported release (`cumulatedFrom`, `relativeFrom`: any shift shows there too) still decide.
 */
export type SequenceTiming = {
  cumulatedFrom: number;
  relativeFrom: number;
  durationInFrames: number;
  absoluteFrom?: number;
  cumulatedNegativeFrom?: number;
  playbackRate?: number;
};

/**
 * True when `sequence` is no sequence at all, or one that starts at frame 0, is not trimmed, plays at
 * normal speed and lasts at least `durationInFrames` (how Remotion wraps the composition itself).
 */
export const isWholeCompositionSequence = (
  sequence: SequenceTiming | null,
  durationInFrames: number,
): boolean =>
  sequence === null ||
  (sequence.cumulatedFrom === 0 &&
    sequence.relativeFrom === 0 &&
    (sequence.absoluteFrom ?? sequence.cumulatedFrom + sequence.relativeFrom) === 0 &&
    (sequence.cumulatedNegativeFrom ?? 0) === 0 &&
    (sequence.playbackRate ?? 1) === 1 &&
    sequence.durationInFrames >= durationInFrames);
