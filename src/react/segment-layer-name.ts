import {formatTimecode} from './format-timecode.ts';
import type {ManifestSegment} from './manifest.ts';

/**
 * Name of a segment's layer in Studio's timeline: `MMAudio 1 · 0:00–0:43` (1-based index, start and end
 * timecodes of the segment, an en dash between them).
 */
export const segmentLayerName = (
  segment: Pick<ManifestSegment, 'index' | 'startFrame' | 'endFrame'>,
  fps: number,
): string =>
  `MMAudio ${segment.index + 1} · ${formatTimecode(segment.startFrame / fps)}–${formatTimecode(
    segment.endFrame / fps,
  )}`;
