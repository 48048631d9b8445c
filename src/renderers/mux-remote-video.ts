import {rename, rm} from 'node:fs/promises';
import path from 'node:path';
import {tempPathFor} from '../media/atomic.ts';
import {encodeAudio} from '../media/encode-audio.ts';
import {runFf} from '../media/ffmpeg.ts';
import {probeVideoStream} from '../media/probe-video-stream.ts';

/**
 * The final mp4: the remote picture's video stream copied as it is (not encoded again), and the final
 * audio (48 kHz stereo wav) encoded as Remotion encodes it (encodeAudio: libfdk_aac, ADTS, 320k by
 * default, 18 kHz cutoff), muxed with `-c copy`. Then checked: as many video frames as asked, lasting
 * frames / fps; otherwise no output is left and the error says what was found.
 */
export const muxRemoteVideo = async (options: {
  video: string;
  audio: string;
  output: string;
  workDir: string;
  fps: number;
  durationInFrames: number;
  audioBitrate?: string | null;
  signal?: AbortSignal;
}): Promise<{frames: number; durationInSeconds: number}> => {
  const aac = path.join(options.workDir, 'final-audio.aac');
  await encodeAudio({
    input: options.audio,
    output: aac,
    audioCodec: 'aac',
    audioBitrate: options.audioBitrate,
    signal: options.signal,
  });
  const tmp = `${tempPathFor(options.output)}${path.extname(options.output)}`;
  try {
    await runFf(
      'ffmpeg',
      [
        '-y',
        '-i',
        options.video,
        '-i',
        aac,
        '-map',
        '0:v:0',
        '-map',
        '1:a:0',
        '-c:v',
        'copy',
        '-c:a',
        'copy',
        '-movflags',
        '+faststart',
        tmp,
      ],
      {signal: options.signal},
    );
    const probe = await probeVideoStream(tmp, options.signal);
    const expected = options.durationInFrames / options.fps;
    if (
      probe.frames !== options.durationInFrames ||
      Math.abs(probe.durationInSeconds - expected) > 0.5 / options.fps
    ) {
      throw new Error(
        `the remote picture holds ${probe.frames} frames over ${probe.durationInSeconds.toFixed(4)} s, the composition ${options.durationInFrames} over ${expected.toFixed(4)} s`,
      );
    }
    await rename(tmp, options.output);
    return probe;
  } finally {
    await rm(tmp, {force: true});
  }
};
