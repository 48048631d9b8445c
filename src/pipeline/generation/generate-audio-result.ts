import type {BackendName} from '../../backends/backend.ts';
import type {Manifest} from '../../contract/manifest.ts';
import type {SegmentPlan} from '../plan.ts';

export type SegmentOutcome = {
  index: number;
  /** 0-based take of the segment (its seed's place among `--takes N`); 0 for the first. */
  take: number;
  cached: boolean;
  /** Submits this run made for the segment (0 when cached or resumed). */
  submits: number;
  billedSeconds: number;
  taskId: string;
  cacheKey: string;
  seed: number;
  /** Absolute path of the published wav. */
  wavPath: string;
  proxyBytes: number;
  /**
   * Every take of the segment (this outcome being the first) when the run made more than one; absent
   * otherwise. Billed seconds and submits of all takes count in the run's totals.
   */
  takes?: SegmentOutcome[];
};

export type GenerateAudioResult = {
  manifest: Manifest;
  /** Absolute path of the published manifest. */
  manifestPath: string;
  backend: BackendName;
  plan: SegmentPlan;
  /** One per segment: its first take (with every take under `takes` when there are several). */
  segments: SegmentOutcome[];
  /** Takes per segment this run asked for (`takes`, default 1). */
  takes: number;
  /** Seconds of video billed by this run (segments generated now by the paid backend). */
  billedSeconds: number;
  /** Seconds served from the cache (no request). */
  cachedSeconds: number;
  costUsd: number;
  /** Frames rendered by the frame pass (equals the composition's frame count: every frame once). */
  renderedFrames: number;
  /** Proxy bytes per second of video, over the segments of this run. */
  proxyBytesPerSecond: number;
  timings: {
    bundleMs: number;
    framePassMs: number;
    /** Time spent after the frame pass waiting for generation: the API latency rendering did not hide. */
    waitAfterFramesMs: number;
    publishMs: number;
    totalMs: number;
  };
};
