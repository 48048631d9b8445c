import {rename, rm} from 'node:fs/promises';
import path from 'node:path';
import {tempPathFor} from '../../media/atomic.ts';
import type {GenerationRun} from '../generation/generation-run.ts';
import type {NormalizedRenderSettings} from '../render-settings.ts';

/** Remotion's own render of the whole composition, generated layers included: the fallback for the video. */
export const renderWholeWithRemotion = async (options: {
  session: GenerationRun['session'];
  settings: NormalizedRenderSettings;
  frameRange: [number, number] | null;
  outputLocation: string;
  concurrency: number | null;
  signal?: AbortSignal;
}): Promise<void> => {
  const {settings} = options;
  const tmp = `${tempPathFor(options.outputLocation)}${path.extname(options.outputLocation)}`;
  try {
    await options.session.render(
      {
        ...settings.picture,
        codec: settings.codec,
        ...(settings.audioCodec ? {audioCodec: settings.audioCodec} : {}),
        audioBitrate: settings.audioBitrate,
        muted: settings.muted,
        frameRange: options.frameRange,
        outputLocation: tmp,
        overwrite: true,
        concurrency: options.concurrency,
        envVariables: {REMOTION_MMAUDIO_PASS: 'audio'},
        enforceAudioTrack: !settings.muted && settings.codec !== 'gif',
      },
      options.signal,
    );
    await rename(tmp, options.outputLocation);
  } finally {
    await rm(tmp, {force: true});
  }
};
