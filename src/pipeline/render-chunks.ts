import type {PlannedSegment} from './plan.ts';

export type RenderChunk = {startFrame: number; endFrame: number};

/**
 * How the frame pass cuts the composition: every frame once, in order, and every chunk inside one
 * segment or inside one overlap. Overlap frames (shared by two segments) get a chunk of their own.
 *
 * Why: a chunk is one h264 encode, and a frame's encoded pixels depend on the frames around it in the
 * same encode. If an overlap's frames were encoded in the middle of a neighbour's chunk, a change in the
 * neighbour's picture would change them too, and the cache key of a segment whose picture did not change
 * (it hashes the proxy, which includes the overlap) would miss. With overlap chunks, a segment's proxy is
 * built only from chunks that hold its own frames, so its key changes exactly when its picture does.
 *
 * Chunks: core_0, overlap_0, core_1, overlap_1, …, core_n (empty overlaps — cut seams — left out).
 */
export const renderChunksFor = (segments: readonly PlannedSegment[]): RenderChunk[] => {
  const chunks: RenderChunk[] = [];
  let cursor = segments[0]?.startFrame ?? 0;
  segments.forEach((segment, k) => {
    const next = segments[k + 1];
    const coreEnd = next ? Math.min(segment.endFrame, next.startFrame) : segment.endFrame;
    if (coreEnd > cursor) chunks.push({startFrame: cursor, endFrame: coreEnd});
    cursor = Math.max(cursor, coreEnd);
    if (next && segment.endFrame > next.startFrame) {
      chunks.push({startFrame: next.startFrame, endFrame: segment.endFrame});
      cursor = segment.endFrame;
    }
  });
  return chunks;
};
