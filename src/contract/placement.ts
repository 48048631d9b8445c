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
