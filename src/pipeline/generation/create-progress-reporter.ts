import type {GenerateProgress} from '../options.ts';

/** Merges a change into the run's one progress payload and reports it. */
export type ProgressReporter = (patch: Partial<GenerateProgress>) => void;

/**
 * The run's progress: 5 % for the bundle, 65 % for the frames, 30 % for the segments, always reported
 * as one whole `GenerateProgress` payload.
 */
export const createProgressReporter = (
  onProgress: (progress: GenerateProgress) => void,
): ProgressReporter => {
  let progress: GenerateProgress = {
    stage: 'bundling',
    progress: 0,
    renderedFrames: 0,
    totalFrames: 0,
    segmentsDone: 0,
    segmentsTotal: 0,
    cachedSegments: 0,
  };
  return (patch) => {
    progress = {...progress, ...patch};
    const frames = progress.totalFrames ? progress.renderedFrames / progress.totalFrames : 0;
    const segments = progress.segmentsTotal ? progress.segmentsDone / progress.segmentsTotal : 0;
    progress.progress = Math.min(1, 0.05 + 0.65 * frames + 0.3 * segments);
    onProgress(progress);
  };
};
