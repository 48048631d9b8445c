import {rename, rm} from 'node:fs/promises';
import path from 'node:path';
import type {AudioCodec} from '@remotion/renderer';
import {tempPathFor} from '../../media/atomic.ts';
import {encodeAudio} from '../../media/encode-audio.ts';
import {runFf} from '../../media/ffmpeg.ts';
import {probeVideoStream} from '../../media/probe-video-stream.ts';
import type {RenderedChunk} from '../frame-pass.ts';
import {writeConcatList} from './write-concat-list.ts';

const AUDIO_FILE_EXTENSION: Record<AudioCodec, string> = {
  aac: 'aac',
  mp3: 'mp3',
  opus: 'opus',
  'pcm-16': 'wav',
};

/**
 * Joins the chunks' video (no re-encoding, as Remotion joins its own chunks: `-r fps -f concat -c:v copy`)
 * with the final audio, then checks what came out: as many video frames as the composition has, lasting
 * frames / fps. Returns why not when it cannot prove that, leaving no output behind.
 */
export const muxChunksWithAudio = async (options: {
  chunks: RenderedChunk[];
  /** The chunks already joined (joinChunks), or null to join them here. */
  joinedVideo: string | null;
  /** null: no audio track (`--muted`). */
  audioFile: string | null;
  audioCodec: AudioCodec | null;
  audioBitrate?: string | null;
  workDir: string;
  outputLocation: string;
  fps: number;
  durationInFrames: number;
  signal?: AbortSignal;
}): Promise<{ok: true} | {ok: false; reason: string}> => {
  const {outputLocation} = options;
  const video = options.joinedVideo
    ? ['-i', options.joinedVideo]
    : ['-r', String(options.fps), '-f', 'concat', '-safe', '0', '-i', await writeConcatList(options.chunks)];
  const tmp = `${tempPathFor(outputLocation)}${path.extname(outputLocation)}`;
  // The audio encoded apart, as Remotion does (compressAudio), then muxed with -c copy.
  let audio: string | null = null;
  if (options.audioFile && options.audioCodec) {
    audio = path.join(options.workDir, `audio.${AUDIO_FILE_EXTENSION[options.audioCodec]}`);
    await encodeAudio({
      input: options.audioFile,
      output: audio,
      audioCodec: options.audioCodec,
      audioBitrate: options.audioBitrate,
      signal: options.signal,
    });
  }
  const fastStart = /\.(mp4|mov|m4a)$/i.test(outputLocation);
  try {
    await runFf(
      'ffmpeg',
      [
        '-y',
        ...video,
        ...(audio ? ['-i', audio] : []),
        '-map',
        '0:v:0',
        ...(audio ? ['-map', '1:a:0'] : []),
        '-c:v',
        'copy',
        ...(audio ? ['-c:a', 'copy'] : []),
        ...(fastStart ? ['-movflags', '+faststart'] : []),
        tmp,
      ],
      {signal: options.signal},
    );
    const probe = await probeVideoStream(tmp, options.signal);
    const expectedSeconds = options.durationInFrames / options.fps;
    if (probe.frames !== options.durationInFrames) {
      return {
        ok: false,
        reason: `the joined chunks hold ${probe.frames} video frames, the composition ${options.durationInFrames}`,
      };
    }
    if (Math.abs(probe.durationInSeconds - expectedSeconds) > 0.5 / options.fps) {
      return {
        ok: false,
        reason: `the joined chunks last ${probe.durationInSeconds.toFixed(4)} s, the composition ${expectedSeconds.toFixed(4)} s`,
      };
    }
    await rename(tmp, outputLocation);
    return {ok: true};
  } finally {
    await rm(tmp, {force: true});
  }
};
