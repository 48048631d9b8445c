import {describe, expect, it} from 'vitest';
import {crossfadeGain} from '../../../src/react/crossfade-gain.ts';

const seg = (startFrame: number, endFrame: number, fadeInFrames: number, fadeOutFrames: number) => ({
  startFrame,
  endFrame,
  fadeInFrames,
  fadeOutFrames,
});

describe('crossfadeGain', () => {
  it('ramps in with sin and out with cos over the fade frames, 1 in between', () => {
    const s = seg(100, 200, 4, 2);
    expect(crossfadeGain(s, 0)).toBeCloseTo(Math.sin((Math.PI / 2) * (0.5 / 4)), 15);
    expect(crossfadeGain(s, 0)).toBeCloseTo(0.19509032201612825, 15);
    expect(crossfadeGain(s, 1)).toBeCloseTo(0.5555702330196022, 15);
    expect(crossfadeGain(s, 2)).toBeCloseTo(0.8314696123025452, 15);
    expect(crossfadeGain(s, 3)).toBeCloseTo(0.9807852804032304, 15);
    expect(crossfadeGain(s, 4)).toBe(1);
    expect(crossfadeGain(s, 97)).toBe(1);
    // Last two frames: f' = 0, 1.
    expect(crossfadeGain(s, 98)).toBeCloseTo(Math.cos(Math.PI / 8), 15);
    expect(crossfadeGain(s, 99)).toBeCloseTo(Math.cos((3 * Math.PI) / 8), 15);
  });

  it('is 0 outside the segment', () => {
    const s = seg(100, 200, 4, 2);
    expect(crossfadeGain(s, -1)).toBe(0);
    expect(crossfadeGain(s, 100)).toBe(0);
    expect(crossfadeGain(s, 1000)).toBe(0);
    expect(crossfadeGain(s, Number.NaN)).toBe(0);
  });

  it('is 1 everywhere without fades', () => {
    const s = seg(0, 30, 0, 0);
    for (let f = 0; f < 30; f++) expect(crossfadeGain(s, f)).toBe(1);
  });

  it('keeps equal power across an overlap: gOut² + gIn² = 1 on every overlapped frame', () => {
    for (const overlap of [1, 2, 15, 30, 45]) {
      const a = seg(0, 1200 + overlap, 0, overlap);
      const b = seg(1200, 2400, overlap, 0);
      for (let frame = 1200; frame < 1200 + overlap; frame++) {
        const gOut = crossfadeGain(a, frame - a.startFrame);
        const gIn = crossfadeGain(b, frame - b.startFrame);
        expect(gOut ** 2 + gIn ** 2).toBeCloseTo(1, 12);
        expect(gOut).toBeGreaterThan(0);
        expect(gIn).toBeGreaterThan(0);
      }
      // Around the overlap exactly one segment plays, at full gain.
      expect(crossfadeGain(a, 1199)).toBe(1);
      expect(crossfadeGain(b, 1200 + overlap - b.startFrame)).toBe(1);
      expect(crossfadeGain(a, 1200 + overlap)).toBe(0);
    }
  });

  it('is symmetric: the fade-out mirrors the fade-in', () => {
    const s = seg(0, 60, 20, 20);
    for (let f = 0; f < 20; f++) {
      expect(crossfadeGain(s, 59 - f)).toBeCloseTo(crossfadeGain(s, f), 15);
    }
  });

  it('multiplies both ramps on a segment shorter than its two fades', () => {
    const s = seg(0, 4, 4, 4);
    for (let f = 0; f < 4; f++) {
      const expected = Math.sin((Math.PI / 2) * ((f + 0.5) / 4)) * Math.cos((Math.PI / 2) * ((f + 0.5) / 4));
      expect(crossfadeGain(s, f)).toBeCloseTo(expected, 15);
    }
  });
});
