import type {GenerationRun} from '../generation/generation-run.ts';
import {type DirectMixDecision, decideDirectMix, measureChunkAudio} from '../mix-generated-audio.ts';

/**
 * How the final audio is made: mixed directly when that provably gives the samples Remotion would (the
 * whole composition, `audioMode: auto`, the chunks' own audio readable), else by an audio-only render.
 */
export const decideFinalAudio = async (options: {
  run: GenerationRun;
  compositionId: string;
  audioMode: 'auto' | 'audio-pass';
  /** The frames rendered, first and last included; null: the whole composition. */
  frameRange: [number, number] | null;
}): Promise<DirectMixDecision> => {
  const {run} = options;
  const {composition} = run.session;
  if (options.audioMode === 'audio-pass') {
    return {direct: false, reason: 'audioMode: audio-pass'};
  }
  if (options.frameRange) {
    const [first, last] = options.frameRange;
    return {direct: false, reason: `--frames ${first}-${last}: Remotion places the audio of a range`};
  }
  return measureChunkAudio(run.ownAudio).then(
    (chunkAudio) =>
      decideDirectMix({
        fps: composition.fps,
        compositionId: options.compositionId,
        durationInFrames: composition.durationInFrames,
        manifest: run.result.manifest,
        artifacts: run.artifacts,
        chunkAudio,
        mixedMediaSources: run.mixedMediaSources,
      }),
    (err: unknown) => ({
      direct: false as const,
      reason: `a chunk's audio could not be read (${err instanceof Error ? err.message : String(err)})`,
    }),
  );
};
