import {mkdir, rename, rm} from 'node:fs/promises';
import path from 'node:path';
import type {AudioCodec} from '@remotion/renderer';
import type {Logger} from '../../log.ts';
import {tempPathFor} from '../../media/atomic.ts';
import {encodeAudio} from '../../media/encode-audio.ts';
import type {GenerationRun} from '../generation/generation-run.ts';
import type {NormalizedRenderSettings} from '../render-settings.ts';
import {muxChunksWithAudio} from './mux-chunks-with-audio.ts';
import {renderWholeWithRemotion} from './render-whole-with-remotion.ts';
import type {RenderWithAudioResult} from './render-with-audio-result.ts';

/**
 * Writes the output from the final audio: encoded alone for an audio-only codec; else muxed with the
 * frame pass's chunks when the result is provably what Remotion renders, or Remotion renders the video.
 */
export const writeFinalOutput = async (options: {
  run: GenerationRun;
  settings: NormalizedRenderSettings;
  /** The chunks joined during the wait (null: not joined, the mux joins them). */
  joinedVideo: Promise<string | null>;
  /** The final audio (48 kHz stereo 16-bit wav). */
  audioFile: string;
  /** null: no audio track (`--muted`). */
  audioCodec: AudioCodec | null;
  outputLocation: string;
  /** The frames rendered, first and last included; null: the whole composition. */
  frameRange: [number, number] | null;
  /** How many frames that is. */
  durationInFrames: number;
  concurrency: number | null;
  logger: Logger;
  signal?: AbortSignal;
}): Promise<{
  videoMode: RenderWithAudioResult['videoMode'];
  video: {ok: true} | {ok: false; reason: string};
}> => {
  const {settings: s, run, outputLocation, signal} = options;
  await mkdir(path.dirname(outputLocation), {recursive: true});
  if (s.path.kind === 'audio-only') {
    // The audio, encoded as Remotion encodes an audio-only render (compressAudio's arguments).
    const tmp = `${tempPathFor(outputLocation)}${path.extname(outputLocation)}`;
    try {
      await encodeAudio({
        input: options.audioFile,
        output: tmp,
        audioCodec: s.audioCodec ?? 'pcm-16',
        audioBitrate: s.audioBitrate,
        signal,
      });
      await rename(tmp, outputLocation);
    } finally {
      await rm(tmp, {force: true});
    }
    return {videoMode: 'none', video: {ok: true}};
  }
  const video =
    s.path.kind === 'chunks'
      ? await muxChunksWithAudio({
          chunks: run.chunks,
          joinedVideo: await options.joinedVideo,
          audioFile: options.audioCodec ? options.audioFile : null,
          audioCodec: options.audioCodec,
          audioBitrate: s.audioBitrate,
          workDir: run.workDir,
          outputLocation,
          fps: run.session.composition.fps,
          durationInFrames: options.durationInFrames,
          signal,
        })
      : ({ok: false, reason: s.path.reason} as const);
  if (video.ok) return {videoMode: 'chunks', video};
  // The joined chunks are not provably what Remotion renders: let Remotion render the video itself.
  options.logger.verbose(`Rendering the video with Remotion: ${video.reason}.`);
  await renderWholeWithRemotion({
    session: run.session,
    settings: s,
    frameRange: options.frameRange,
    outputLocation,
    concurrency: options.concurrency,
    signal,
  });
  return {videoMode: 'remotion-render', video};
};
