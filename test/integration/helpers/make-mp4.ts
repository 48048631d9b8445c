import {makeTestMp4FromFrames} from './make-mp4-from-frames.ts';

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
  const pictures: Uint8Array[] = [];
  for (let f = 0; f < frames; f++) {
    const scene = cuts.filter((c) => c <= f).length;
    const background = (seed * 37 + scene * 90) % 200;
    const x = (f * 3 + seed * 5) % Math.max(1, width - 8);
    const picture = new Uint8Array(width * height).fill(background);
    for (let y = Math.floor(height / 3); y < Math.floor(height / 3) + 8 && y < height; y++) {
      picture.fill(255, y * width + x, y * width + x + 8);
    }
    pictures.push(picture);
  }
  return makeTestMp4FromFrames(pictures, {width, height, fps, outputPath: options.outputPath});
};
