/** Progress of a long operation: one payload type for the whole run (Remotion style). */
export type GenerateProgress = {
  stage: 'bundling' | 'rendering' | 'generating' | 'publishing' | 'audio' | 'muxing' | 'done';
  /** 0–1 over the whole run. */
  progress: number;
  renderedFrames: number;
  totalFrames: number;
  segmentsDone: number;
  segmentsTotal: number;
  /** Segments served from the cache so far. */
  cachedSegments: number;
};
