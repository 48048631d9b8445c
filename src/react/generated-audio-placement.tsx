import type React from 'react';
import {useContext} from 'react';
import {Artifact, Internals, useCurrentFrame} from 'remotion';
import {isWholeCompositionSequence, type SequenceTiming} from './is-whole-composition-sequence.ts';
import {useCompositionDurationInFrames} from './remotion-internals.ts';

/** Prefix of the artifact file names `<GeneratedAudio />` emits during the pipeline's frame pass. */
export const PLACEMENT_ARTIFACT_PREFIX = 'remotion-mmaudio-placement';

/**
 * Where and how a `<GeneratedAudio />` plays its layers, reported to the pipeline during its frame pass.
 * With exactly one instance at the top level of the composition, a constant volume, and a frame rate whose
 * frames are whole numbers of 48 kHz samples, the pipeline mixes the layers itself — sample for sample
 * what Remotion's audio pass would produce — and skips that pass. Anything else keeps the audio pass.
 */
export type GeneratedAudioPlacement = {
  compositionId: string;
  /** Composition frame at which this instance's frame 0 is (0 at the top level). */
  absoluteFrame: number;
  /**
   * Inside a `<Sequence>` that shifts, cuts or speeds up time (anything but the whole composition at normal
   * speed, which is how Remotion wraps the composition itself): the pipeline then keeps its audio pass.
   */
  insideSequence: boolean;
  /** The `volume` prop when it is a number; null when it is a function. */
  volume: number | null;
  muted: boolean;
  /** The take picked per segment (segment index → seed), null for every first take. Absent in older reports. */
  takes?: Record<string, number> | null;
};

export const placementArtifactName = (absoluteFrame: number): string =>
  `${PLACEMENT_ARTIFACT_PREFIX}-${absoluteFrame}.json`;

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
