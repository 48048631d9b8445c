import type {FrameFeatures} from './analyze-frames.ts';
import {motionLevel} from './motion-level.ts';

/**
 * Per-frame control values, with cut frames (whose huge difference belongs to the impact, not to motion)
 * and the first frame (which has no previous frame to differ from) taking their neighbour's values.
 */
export const frameControls = (
  frames: readonly Pick<FrameFeatures, 'brightness' | 'motion' | 'motionPan' | 'cut'>[],
) => {
  const n = frames.length;
  const level = new Float64Array(n);
  const pan = new Float64Array(n);
  const brightness = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    brightness[i] = frames[i].brightness;
    if (i > 0 && !frames[i].cut) {
      level[i] = motionLevel(frames[i].motion);
      pan[i] = Math.max(-1, Math.min(1, frames[i].motionPan));
    } else if (i > 0) {
      level[i] = level[i - 1];
      pan[i] = pan[i - 1];
    }
  }
  if (n > 1 && !frames[1].cut) {
    level[0] = level[1];
    pan[0] = pan[1];
  }
  return {level, pan, brightness};
};

/** Linear interpolation of per-frame values at a fractional frame position, holding the ends. */
export const interpolate = (values: Float64Array, position: number, fallback: number): number => {
  const n = values.length;
  if (n === 0) return fallback;
  if (position <= 0) return values[0];
  const i = Math.floor(position);
  if (i >= n - 1) return values[n - 1];
  const f = position - i;
  return values[i] + (values[i + 1] - values[i]) * f;
};
