import type {Logger} from '../log.ts';

/** `offline`, or the hosted service that made the audio. */
export type BackendName = 'qubico' | 'offline' | 'piapi' | 'fal' | 'replicate';

/** What a backend is asked to do for one segment. */
export type BackendRequest = {
  /** Segment index, 0-based. */
  segmentIndex: number;
  /** The proxy mp4 of the segment (≤60 s, 25 fps, short edge ≤384 px, no audio). */
  proxyPath: string;
  /** Exact length of the segment in seconds (endFrame - startFrame) / fps. */
  durationInSeconds: number;
  prompt: string;
  negativePrompt: string | null;
  steps: number;
  seed: number;
  /** Where the backend must leave the wav. It writes to a temp file and renames into place. */
  outputPath: string;
  /** Content-addressed cache key for the segment; the journal is keyed by it. */
  cacheKey: string;
  /** Where the segment sits (recorded in the journal, so a run finds its unknown submits early). */
  compositionId?: string;
  startFrame?: number;
  /** Exclusive. */
  endFrame?: number;
};

export type BackendResult = {
  /** = request.outputPath, a complete RIFF/WAVE file. */
  wavPath: string;
  /** Task id at the service, or a local id for the offline backend. */
  taskId: string;
  /** Seconds the service billed for this segment (0 for offline). */
  billedSeconds: number;
  /** Number of submits this segment took (1 unless tasks failed and were resubmitted). */
  submits: number;
};

export interface AudioBackend {
  readonly name: BackendName;
  generate(request: BackendRequest, options: {signal?: AbortSignal; logger: Logger}): Promise<BackendResult>;
  /** Called once before the first `generate` of a run with the number of segments to generate. */
  prepare?(options: {segments: number; signal?: AbortSignal}): Promise<void>;
  close?(): Promise<void>;
}
