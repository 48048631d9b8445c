import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {runFf} from '../../../src/media/ffmpeg.ts';

export type TestMp4Options = {
  seconds: number;
  /** Default 25. */
  fps?: number;
  /** Default 64. */
  width?: number;
  /** Default 36. */
  height?: number;
  /** Changes the picture (and so the bytes). Default 1. */
  seed?: number;
  /** Frame indices at which the brightness of the whole picture jumps (a hard cut). */
  cuts?: number[];
  /** Where to write; default a new temp directory. */
  outputPath?: string;
};

/**
 * Encodes a real h264 mp4 with Remotion's bundled ffmpeg from gray frames generated here: a bright square
 * moving across a background whose brightness depends on the seed and on `cuts`. Real bytes with a real
 * moov box, cheap enough for unit-sized integration tests.
 */
export const makeTestMp4 = async (options: TestMp4Options): Promise<string> => {
  const fps = options.fps ?? 25;
  const width = options.width ?? 64;
  const height = options.height ?? 36;
  const seed = options.seed ?? 1;
  const frames = Math.max(1, Math.round(options.seconds * fps));
  const cuts = [...(options.cuts ?? [])].sort((a, b) => a - b);
  const raw = new Uint8Array(width * height * frames);
  for (let f = 0; f < frames; f++) {
    const scene = cuts.filter((c) => c <= f).length;
    const background = (seed * 37 + scene * 90) % 200;
    const x = (f * 3 + seed * 5) % Math.max(1, width - 8);
    const base = f * width * height;
    raw.fill(background, base, base + width * height);
    for (let y = Math.floor(height / 3); y < Math.floor(height / 3) + 8 && y < height; y++) {
      raw.fill(255, base + y * width + x, base + y * width + x + 8);
    }
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-mp4-'));
  const rawPath = path.join(dir, 'frames.gray');
  const out = options.outputPath ?? path.join(dir, 'video.mp4');
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
    await rm(rawPath, {force: true});
  }
  return path.resolve(out);
};
