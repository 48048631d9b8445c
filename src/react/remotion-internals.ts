import {useContext} from 'react';
import {Internals, useVideoConfig} from 'remotion';

/*
 * The two things `<GeneratedAudio />` needs that Remotion has no public hook for, in one place. The
 * composition matrix (test/matrix) renders `<GeneratedAudio />` inside `<Sequence from>`s and locates
 * every segment in the output against Remotion's own render: it fails loudly if Remotion changes these.
 */

/**
 * The composition frame at which the surrounding `<Sequence>`s put this component's frame 0 (0 at the top
 * level; 30 inside `<Sequence from={30}>`; the sum through nested sequences): the `cumulatedFrom +
 * relativeFrom` of Remotion's SequenceContext, from which Remotion itself derives `useCurrentFrame()`.
 */
export const useSequenceOffset = (): number => {
  const sequence = useContext(Internals.SequenceContext);
  if (!sequence) return 0;
  return sequence.cumulatedFrom + sequence.relativeFrom;
};

/**
 * The whole composition's length in frames. Inside a `<Sequence durationInFrames>`, `useVideoConfig()`
 * answers with the sequence's length instead; the manifest is made for the composition's.
 */
export const useCompositionDurationInFrames = (): number => {
  const config = useVideoConfig();
  const video = Internals.useVideo();
  return video?.durationInFrames ?? config.durationInFrames;
};
