import {type DetectCutsOptions, detectCuts} from './detect-cuts.ts';

/** What the offline backend reads from one frame of the proxy. */
export type FrameFeatures = {
  /** When the frame is shown, in seconds from the start of the video (index / fps). */
  time: number;
  /** Mean luma, 0 (black) to 1 (white). */
  brightness: number;
  /** Motion energy: mean absolute luma difference to the previous frame, 0–1; 0 for the first frame. */
  motion: number;
  /** Horizontal centre of that difference, −1 (left edge) to 1 (right edge); 0 when nothing changed. */
  motionPan: number;
  /** True when a new shot starts at this frame (a hard cut). */
  cut: boolean;
};

export type VideoAnalysis = {
  fps: number;
  /** Size of the analysed (downscaled) frames. */
  width: number;
  height: number;
  /** frames.length / fps. */
  durationInSeconds: number;
  frames: FrameFeatures[];
};

export type AnalyzeFramesOptions = {
  width: number;
  height: number;
  fps: number;
  cuts?: DetectCutsOptions;
};

/**
 * Computes per-frame brightness, motion energy, motion position and cuts from raw 8-bit gray frames laid
 * end to end (`width * height` bytes each), as ffmpeg's `-pix_fmt gray -f image2pipe` writes them. Pure.
 */
export const analyzeFrames = (raw: Uint8Array, options: AnalyzeFramesOptions): VideoAnalysis => {
  const {width, height, fps} = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new TypeError(`Frame size must be positive integers, got ${width}×${height}`);
  }
  if (!(fps > 0) || !Number.isFinite(fps)) {
    throw new TypeError(`fps must be a positive number, got ${fps}`);
  }
  const size = width * height;
  if (raw.length % size !== 0) {
    throw new RangeError(
      `Raw video is ${raw.length} bytes, not a whole number of ${width}×${height} gray frames (${size} bytes each)`,
    );
  }
  const count = raw.length / size;
  // Column position of every pixel, −1…1, for the motion centroid.
  const columnX = new Float64Array(width);
  for (let x = 0; x < width; x++) columnX[x] = ((x + 0.5) / width) * 2 - 1;
  const motion = new Float64Array(count);
  const frames: FrameFeatures[] = [];
  for (let f = 0; f < count; f++) {
    const base = f * size;
    let sum = 0;
    let diffSum = 0;
    let diffX = 0;
    for (let y = 0; y < height; y++) {
      const row = base + y * width;
      for (let x = 0; x < width; x++) {
        const v = raw[row + x];
        sum += v;
        if (f > 0) {
          const d = Math.abs(v - raw[row + x - size]);
          diffSum += d;
          diffX += d * columnX[x];
        }
      }
    }
    motion[f] = diffSum / size / 255;
    frames.push({
      time: f / fps,
      brightness: sum / size / 255,
      motion: motion[f],
      motionPan: diffSum > 0 ? diffX / diffSum : 0,
      cut: false,
    });
  }
  const cuts = detectCuts(motion, options.cuts);
  for (let f = 0; f < count; f++) frames[f].cut = cuts[f];
  return {fps, width, height, durationInSeconds: count / fps, frames};
};
