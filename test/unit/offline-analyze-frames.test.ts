import {describe, expect, it} from 'vitest';
import {analyzeFrames} from '../../src/backends/offline/analyze-frames.ts';
import {detectCuts} from '../../src/backends/offline/detect-cuts.ts';

const W = 8;
const H = 4;

/** Concatenates frames; each is a function of (x, y) → luma. */
const video = (frames: ((x: number, y: number) => number)[]): Uint8Array => {
  const raw = new Uint8Array(W * H * frames.length);
  frames.forEach((pixel, f) => {
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) raw[f * W * H + y * W + x] = pixel(x, y);
  });
  return raw;
};

describe('analyzeFrames', () => {
  it('measures brightness, motion against the previous frame, and timestamps', () => {
    const raw = video([() => 10, () => 30, () => 30, (x) => (x < 4 ? 30 : 81)]);
    const a = analyzeFrames(raw, {width: W, height: H, fps: 25});
    expect(a.frames.map((f) => f.time)).toEqual([0, 0.04, 0.08, 0.12]);
    expect(a.durationInSeconds).toBeCloseTo(0.16, 12);
    expect(a.frames[0].brightness).toBeCloseTo(10 / 255, 12);
    expect(a.frames[3].brightness).toBeCloseTo((30 + 81) / 2 / 255, 12);
    expect(a.frames[0].motion).toBe(0);
    expect(a.frames[1].motion).toBeCloseTo(20 / 255, 12);
    expect(a.frames[2].motion).toBe(0);
    // Half the pixels changed by 51.
    expect(a.frames[3].motion).toBeCloseTo(51 / 2 / 255, 12);
  });

  it('places motion left or right', () => {
    // Only the last column changes: its centre is at (W - 0.5) / W of the width.
    const right = analyzeFrames(video([() => 0, (x) => (x === W - 1 ? 200 : 0)]), {
      width: W,
      height: H,
      fps: 25,
    });
    expect(right.frames[1].motionPan).toBeCloseTo(((W - 0.5) / W) * 2 - 1, 12);
    const left = analyzeFrames(video([() => 0, (x) => (x < 2 ? 200 : 0)]), {width: W, height: H, fps: 25});
    expect(left.frames[1].motionPan).toBeCloseTo(-0.75, 12);
    expect(left.frames[0].motionPan).toBe(0);
  });

  it('flags a hard cut and nothing else', () => {
    // A small object moves one pixel per frame; at frame 12 the background jumps from 40 to 140.
    const frames = Array.from({length: 24}, (_, f) => (x: number, y: number) => {
      if (y === 1 && x === f % W) return 255;
      return f < 12 ? 40 : 140;
    });
    const a = analyzeFrames(video(frames), {width: W, height: H, fps: 25});
    expect(a.frames.flatMap((f, i) => (f.cut ? [i] : []))).toEqual([12]);
  });

  it('rejects raw data that is not whole frames', () => {
    expect(() => analyzeFrames(new Uint8Array(W * H + 1), {width: W, height: H, fps: 25})).toThrow(
      /not a whole number of 8×4 gray frames/,
    );
  });
});

describe('detectCuts', () => {
  const steady = (n: number, v: number) => new Array<number>(n).fill(v);

  it('finds spikes far above the running level', () => {
    const m = [0, ...steady(20, 0.01), 0.3, ...steady(20, 0.01), 0.2, ...steady(5, 0.01)];
    const cuts = detectCuts(m);
    expect(cuts.flatMap((c, i) => (c ? [i] : []))).toEqual([21, 42]);
  });

  it('does not take the start of fast motion, or fast steady motion, for a cut', () => {
    // A step from still to a fast pan stays high on the next frame: not a spike.
    expect(detectCuts([0, ...steady(10, 0.002), ...steady(30, 0.15)]).some(Boolean)).toBe(false);
    // Busy footage whose differences wobble around 0.1 never jumps 4× above its level.
    const busy = Array.from({length: 100}, (_, i) => 0.1 + 0.05 * Math.sin(i * 1.7));
    expect(detectCuts(busy).some(Boolean)).toBe(false);
  });

  it('ignores differences under the minimum and a second spike within the gap', () => {
    expect(detectCuts([0, ...steady(10, 0), 0.05, ...steady(10, 0)]).some(Boolean)).toBe(false);
    const flicker = [0, ...steady(10, 0), 0.3, 0, 0.3, ...steady(10, 0)];
    expect(detectCuts(flicker).flatMap((c, i) => (c ? [i] : []))).toEqual([11]);
  });

  it('finds a cut among the first frames', () => {
    expect(detectCuts([0, 0.01, 0.4, 0.01, 0.01, 0.01, 0.01]).flatMap((c, i) => (c ? [i] : []))).toEqual([2]);
  });
});
