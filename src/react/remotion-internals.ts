import type React from 'react';
import {useContext} from 'react';
import {Internals, useVideoConfig} from 'remotion';

/*
 * The things `<GeneratedAudio />` needs that Remotion has no public hook for, in one place. The
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

/**
 * `Internals.DisableInteractivityProvider` (what Studio wraps its asset previews in), or null when this
 * Remotion version has none. Sequences below it carry no interactivity `controls`, so Studio never collapses
 * them into one timeline row; see `own-timeline-rows.tsx` and `test/unit/react/own-timeline-rows.test.tsx`.
 */
export const disableInteractivityProvider = (): React.FC<{readonly children: React.ReactNode}> | null => {
  const provider = (Internals as {DisableInteractivityProvider?: unknown}).DisableInteractivityProvider;
  return typeof provider === 'function' ? (provider as React.FC<{readonly children: React.ReactNode}>) : null;
};
