import type {GenerationRun} from '../generation/generation-run.ts';

/**
 * One audio-only render of the whole composition with the new layers: Remotion mixes them with the
 * composition's own audio. Reuses the bundle (the wavs were written into its public folder) and browser.
 */
export const renderAudioPass = async (options: {
  session: GenerationRun['session'];
  audioFile: string;
  concurrency: number | null;
  frameRange: [number, number] | null;
  signal?: AbortSignal;
}): Promise<void> => {
  await options.session.render(
    {
      codec: 'wav',
      frameRange: options.frameRange,
      outputLocation: options.audioFile,
      overwrite: true,
      concurrency: options.concurrency,
      // Props resolved before generation may carry an old manifest (withGeneratedAudioManifest):
      // this tells <GeneratedAudio /> to read the manifest just published.
      envVariables: {REMOTION_MMAUDIO_PASS: 'audio'},
      // An audio track even when everything is silent, so the mux always has one.
      enforceAudioTrack: true,
    },
    options.signal,
  );
};
