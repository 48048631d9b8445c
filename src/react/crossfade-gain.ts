import type {ManifestSegment} from './manifest.ts';

/** The fields of a segment that decide its crossfade. */
export type CrossfadeSegment = Pick<
  ManifestSegment,
  'startFrame' | 'endFrame' | 'fadeInFrames' | 'fadeOutFrames'
>;

/**
 * Gain of a generated segment at `frameInSegment` (0 = the segment's `startFrame`): an equal-power
 * crossfade, so two overlapping segments keep a constant loudness (`gOut² + gIn² = 1` on every
 * overlapped frame when one's `fadeOutFrames` equals the next one's `fadeInFrames`).
 *
 * - first `fadeInFrames` frames: `sin(π/2 · (f + 0.5) / fadeInFrames)`
 * - last `fadeOutFrames` frames: `cos(π/2 · (f' + 0.5) / fadeOutFrames)`, `f'` counting frames into the
 *   fade-out
 * - 1 elsewhere (both ramps multiply on a segment shorter than its two fades), 0 outside the segment.
 *
 * The gain is constant over a frame, as Remotion applies a volume per frame; pure, so the Node side
 * can reproduce the layers' mix sample for sample.
 */
export const crossfadeGain = (segment: CrossfadeSegment, frameInSegment: number): number => {
  const length = segment.endFrame - segment.startFrame;
  if (!(frameInSegment >= 0 && frameInSegment < length)) return 0;
  let gain = 1;
  if (segment.fadeInFrames > 0 && frameInSegment < segment.fadeInFrames) {
    gain *= Math.sin(((Math.PI / 2) * (frameInSegment + 0.5)) / segment.fadeInFrames);
  }
  const intoFadeOut = frameInSegment - (length - segment.fadeOutFrames);
  if (segment.fadeOutFrames > 0 && intoFadeOut >= 0) {
    gain *= Math.cos(((Math.PI / 2) * (intoFadeOut + 0.5)) / segment.fadeOutFrames);
  }
  return gain;
};
