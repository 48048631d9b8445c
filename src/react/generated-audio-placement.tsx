import type React from 'react';
import {useContext} from 'react';
import {Artifact, Internals, useCurrentFrame} from 'remotion';
import {type GeneratedAudioPlacement, placementArtifactName} from '../contract/placement.ts';
import {isWholeCompositionSequence, type SequenceTiming} from './is-whole-composition-sequence.ts';
import {useCompositionDurationInFrames} from './remotion-internals.ts';

export type {GeneratedAudioPlacement} from '../contract/placement.ts';
export {PLACEMENT_ARTIFACT_PREFIX, placementArtifactName} from '../contract/placement.ts';

/** Emits the placement once, on this instance's first frame. Renders nothing visible. */
export const PlacementReport: React.FC<{
  compositionId: string;
  volume: number | ((frame: number) => number);
  muted: boolean;
  takes: Record<string, number> | null;
}> = ({compositionId, volume, muted, takes}) => {
  const frame = useCurrentFrame();
  const absoluteFrame = Internals.useTimelinePosition();
  const sequence = useContext(Internals.SequenceContext);
  const durationInFrames = useCompositionDurationInFrames();
  if (frame !== 0) return null;
  // Read field by field: older Remotion releases lack some of these internal fields.
  const wholeComposition = isWholeCompositionSequence(sequence as SequenceTiming | null, durationInFrames);
  const placement: GeneratedAudioPlacement = {
    compositionId,
    absoluteFrame,
    insideSequence: !wholeComposition,
    volume: typeof volume === 'number' ? volume : null,
    muted,
    takes,
  };
  return <Artifact filename={placementArtifactName(absoluteFrame)} content={JSON.stringify(placement)} />;
};
