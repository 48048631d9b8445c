import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {runFf} from '../../../src/media/ffmpeg.ts';

export type Mp4FromFramesOptions = {
  width: number;
  height: number;
  /** Default 25. */
  fps?: number;
  /** Where to write; default a new temp directory. */
  outputPath?: string;
};

/**
 * Encodes the given 8-bit gray frames (`width * height` bytes each) as a real h264 mp4 with Remotion's
 * bundled ffmpeg: for tests that need a picture they control frame by frame (still stretches, motion at
 * known times).
 */
export const makeTestMp4FromFrames = async (
  frames: readonly Uint8Array[],
  options: Mp4FromFramesOptions,
): Promise<string> => {
  const {width, height} = options;
  const fps = options.fps ?? 25;
  if (frames.length === 0) throw new Error('makeTestMp4FromFrames needs at least one frame');
  const raw = new Uint8Array(width * height * frames.length);
  frames.forEach((frame, i) => {
    if (frame.length !== width * height) {
      throw new Error(
        `Frame ${i} has ${frame.length} bytes, expected ${width}×${height} = ${width * height}`,
      );
    }
    raw.set(frame, i * width * height);
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-frames-'));
  const rawPath = path.join(dir, 'frames.gray');
  const out = path.resolve(options.outputPath ?? path.join(dir, 'video.mp4'));
  try {
    await writeFile(rawPath, raw);
    await runFf('ffmpeg', [
      '-y',
      // No rawvideo demuxer in this ffmpeg build: image2pipe with a fixed frame size reads raw frames.
      '-f',
      'image2pipe',
      '-frame_size',
      String(width * height),
      '-c:v',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-video_size',
      `${width}x${height}`,
      '-framerate',
      String(fps),
      '-i',
      rawPath,
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      out,
    ]);
  } finally {
    // The temp directory only holds the mp4 when no outputPath was given.
    await rm(options.outputPath ? dir : rawPath, {recursive: true, force: true});
  }
  return out;
};
