import {copyFile, mkdir} from 'node:fs/promises';
import path from 'node:path';
import {pickTakes} from '../../contract/pick-takes.ts';
import type {Logger} from '../../log.ts';
import type {GenerationRun} from '../generation/generation-run.ts';
import {type DirectMixDecision, mixGeneratedAudio} from '../mix-generated-audio.ts';
import {decideFinalAudio} from './decide-final-audio.ts';
import {renderAudioPass} from './render-audio-pass.ts';

/**
 * Writes the final audio (48 kHz stereo 16-bit wav) to `audioFile`: the generated layers mixed directly
 * with the composition's own audio, or one audio-only render of the composition; copied to
 * `separateAudioTo` when asked. Returns how it was made.
 */
export const makeFinalAudio = async (options: {
  run: GenerationRun;
  compositionId: string;
  publicDir: string;
  audioMode: 'auto' | 'audio-pass';
  /** The frames rendered, first and last included; null: the whole composition. */
  frameRange: [number, number] | null;
  audioFile: string;
  separateAudioTo: string | null;
  concurrency: number | null;
  logger: Logger;
  signal?: AbortSignal;
}): Promise<DirectMixDecision> => {
  const {run} = options;
  const decision = await decideFinalAudio(options);
  if (decision.direct) {
    options.logger.verbose(
      'Mixing the generated layers directly (same samples as an audio pass, without rendering one).',
    );
    await mixGeneratedAudio({
      chunks: run.ownAudio,
      // The takes <GeneratedAudio /> picked (mmaudio.takes), as it reported them in the frame pass.
      manifest: pickTakes(run.result.manifest, decision.takes),
      publicDir: options.publicDir,
      volume: decision.volume,
      muted: decision.muted,
      output: options.audioFile,
    });
  } else {
    options.logger.verbose(`Rendering the audio with Remotion: ${decision.reason}.`);
    await renderAudioPass({
      session: run.session,
      audioFile: options.audioFile,
      concurrency: options.concurrency,
      frameRange: options.frameRange,
      signal: options.signal,
    });
  }
  if (options.separateAudioTo) {
    await mkdir(path.dirname(options.separateAudioTo), {recursive: true});
    await copyFile(options.audioFile, options.separateAudioTo);
  }
  return decision;
};
