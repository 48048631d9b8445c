import {describe, expect, it} from 'vitest';
import {planSegments} from '../../src/pipeline/plan.ts';
import {renderChunksFor} from '../../src/pipeline/render-chunks.ts';

describe('renderChunksFor', () => {
  const cases: {durationInFrames: number; fps: number; maxSegmentSeconds?: number; cutFrames?: number[]}[] =
    [];
  for (const fps of [2.997, 10, 23.976, 29.97, 30, 60]) {
    for (const seconds of [0.4, 5, 59.9, 60, 61, 130, 185, 600]) {
      for (const max of [7, 20, 60]) {
        const durationInFrames = Math.max(1, Math.round(seconds * fps));
        cases.push({durationInFrames, fps, maxSegmentSeconds: max});
        cases.push({
          durationInFrames,
          fps,
          maxSegmentSeconds: max,
          cutFrames: [Math.floor(durationInFrames / 2)],
        });
      }
    }
  }

  it.each(cases)('partitions the composition and never mixes a segment with an overlap (%o)', (c) => {
    const plan = planSegments(c);
    const chunks = renderChunksFor(plan.segments);
    // Every frame exactly once, in order.
    expect(chunks[0].startFrame).toBe(0);
    expect(chunks[chunks.length - 1].endFrame).toBe(c.durationInFrames);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i].startFrame).toBe(chunks[i - 1].endFrame);
    for (const chunk of chunks) expect(chunk.endFrame).toBeGreaterThan(chunk.startFrame);
    // Each segment is exactly a run of whole chunks; a chunk shared by two segments is exactly their overlap.
    for (const s of plan.segments) {
      const inside = chunks.filter((ch) => ch.startFrame >= s.startFrame && ch.endFrame <= s.endFrame);
      const touching = chunks.filter((ch) => ch.endFrame > s.startFrame && ch.startFrame < s.endFrame);
      expect(inside).toEqual(touching);
      expect(inside.reduce((n, ch) => n + ch.endFrame - ch.startFrame, 0)).toBe(s.durationInFrames);
    }
    for (const chunk of chunks) {
      const owners = plan.segments.filter(
        (s) => chunk.startFrame >= s.startFrame && chunk.endFrame <= s.endFrame,
      );
      expect(owners.length).toBeGreaterThanOrEqual(1);
      if (owners.length === 2) {
        expect(chunk).toEqual({startFrame: owners[1].startFrame, endFrame: owners[0].endFrame});
      }
    }
  });

  it('gives a 130 s plan at 2.997 fps five chunks: three cores and two one-frame overlaps', () => {
    const plan = planSegments({durationInFrames: 390, fps: 2.997});
    expect(renderChunksFor(plan.segments)).toEqual([
      {startFrame: 0, endFrame: 130},
      {startFrame: 130, endFrame: 131},
      {startFrame: 131, endFrame: 260},
      {startFrame: 260, endFrame: 261},
      {startFrame: 261, endFrame: 390},
    ]);
  });
});
