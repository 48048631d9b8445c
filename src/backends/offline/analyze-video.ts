import path from 'node:path';
import {MMAudioError} from '../../errors.ts';
import {FfmpegError, runFf} from '../../media/ffmpeg.ts';
import {analyzeFrames, type VideoAnalysis} from './analyze-frames.ts';

export type AnalyzeVideoOptions = {
  /** Frame rate the video is read at (frames are duplicated or dropped to get there). Default 25, the
   * proxy's rate. */
  fps?: number;
  /** Size the frames are scaled to before analysis. Default 64×36: enough for brightness and motion,
   * and 1500 frames (60 s) are only 3.5 MB. */
  width?: number;
  height?: number;
  signal?: AbortSignal;
  binariesDirectory?: string | null;
};

/** The video could not be read (missing file, not a video, no video stream). */
export class VideoAnalysisError extends MMAudioError {}

/**
 * Reads a video with one run of Remotion's bundled ffmpeg, scaled to a tiny gray picture and piped out
 * as raw frames at a constant frame rate, and returns per-frame brightness, motion and cuts with their
 * timestamps. Aborting `signal` kills ffmpeg and rejects with the signal's reason.
 */
export const analyzeVideo = async (
  videoPath: string,
  options: AnalyzeVideoOptions = {},
): Promise<VideoAnalysis> => {
  const fps = options.fps ?? 25;
  const width = options.width ?? 64;
  const height = options.height ?? 36;
  if (!(fps > 0 && fps <= 240)) throw new TypeError(`fps must be in (0, 240], got ${fps}`);
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    // Even sizes only: keeps the scaler's output exact for every input chroma layout.
    if (!Number.isInteger(v) || v < 2 || v > 1024 || v % 2 !== 0) {
      throw new TypeError(`${name} must be an even integer from 2 to 1024, got ${v}`);
    }
  }
  let stdout: Buffer;
  try {
    ({stdout} = await runFf(
      'ffmpeg',
      [
        '-v',
        'error',
        '-i',
        path.resolve(videoPath),
        '-an',
        '-sn',
        '-dn',
        '-vf',
        `scale=${width}:${height}:flags=area,format=gray`,
        // The build has no fps filter: an output rate with constant-frame-rate sync does the same.
        '-r',
        String(fps),
        '-fps_mode',
        'cfr',
        '-c:v',
        'rawvideo',
        '-pix_fmt',
        'gray',
        '-f',
        'image2pipe',
        '-',
      ],
      {signal: options.signal, binariesDirectory: options.binariesDirectory},
    ));
  } catch (err) {
    if (err instanceof FfmpegError) {
      throw new VideoAnalysisError(`Could not read the video ${videoPath} for analysis: ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
  if (stdout.length === 0) {
    throw new VideoAnalysisError(`The video ${videoPath} has no video frames to analyse`);
  }
  return analyzeFrames(new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.length), {
    width,
    height,
    fps,
  });
};
