import type {Logger} from '../../log.ts';
import {
  type ChunkEncoding,
  type FramePassArtifact,
  type OwnAudioPart,
  type RenderedChunk,
  runFramePass,
} from '../frame-pass.ts';
import type {PlannedSegment} from '../plan.ts';
import type {RemotionSession} from '../remotion-session.ts';
import {renderChunksFor} from '../render-chunks.ts';
import type {ProgressReporter} from './create-progress-reporter.ts';
import type {TakeResult} from './generate-take.ts';
import {raiseSegmentFailures} from './raise-segment-failures.ts';
import type {SpendingGate} from './spending-gate.ts';

export type SegmentsDuringFramePass = {
  renderedFrames: number;
  artifacts: FramePassArtifact[];
  mixedMediaSources: string[];
  /** The composition's own audio (see FramePassResult). */
  ownAudio: OwnAudioPart[];
  /** The takes of every segment, in segment order. */
  done: TakeResult[][];
  framePassMs: number;
  /** Time spent after the frame pass waiting for generation: the API latency rendering did not hide. */
  waitAfterFramesMs: number;
};

/**
 * Renders every frame once, chunk by chunk, and starts each segment's work as soon as its last frame is
 * rendered, so the API latency hides behind the render. After the frame pass the spending gate settles
 * and every segment is awaited. A failed frame pass stops the generation (submitted tasks stay in the
 * journal for the next run); failed segments end the run with the error `raiseSegmentFailures` picks.
 */
export const generateSegmentsDuringFramePass = async (options: {
  session: RemotionSession;
  segments: PlannedSegment[];
  generateSegment: (segment: PlannedSegment) => Promise<TakeResult[]>;
  /** Filled in render order; the segments' proxies are cut from it. */
  chunks: RenderedChunk[];
  chunksDir: string;
  concurrency: number | null;
  encoding: ChunkEncoding | undefined;
  /** Who renders the frame pass. Default `runFramePass` (this machine). */
  framePass?: typeof runFramePass;
  gate: SpendingGate;
  /** Aborted (with the frame pass's error) when the frame pass fails. */
  controller: AbortController;
  report: ProgressReporter;
  logger: Logger;
  /** Called once every frame is rendered, while the segments may still wait on the API (see GenerationSettings). */
  onFramesRendered?: (frames: {chunks: RenderedChunk[]; fps: number}) => void;
}): Promise<SegmentsDuringFramePass> => {
  const {segments, chunks, gate, controller, report} = options;
  const signal = controller.signal;
  const jobs: Promise<TakeResult[]>[] = [];
  let nextSegment = 0;
  const tFrames = Date.now();
  let framePassError: unknown = null;
  let renderedFrames = 0;
  let artifacts: FramePassArtifact[] = [];
  let mixedMediaSources: string[] = [];
  let ownAudio: OwnAudioPart[] = [];
  try {
    ({renderedFrames, artifacts, mixedMediaSources, ownAudio} = await (options.framePass ?? runFramePass)({
      session: options.session,
      chunks: renderChunksFor(segments),
      directory: options.chunksDir,
      concurrency: options.concurrency,
      ...(options.encoding ? {encoding: options.encoding} : {}),
      signal,
      onChunk: (chunk) => {
        chunks.push(chunk);
        // Chunks come in order: every segment whose last frame is now rendered can be built.
        while (nextSegment < segments.length && segments[nextSegment].endFrame <= chunk.endFrame) {
          const job = options.generateSegment(segments[nextSegment++]);
          job.catch(() => undefined);
          jobs.push(job);
        }
      },
      onProgress: (p) => report({renderedFrames: p.renderedFrames}),
    }));
  } catch (err) {
    framePassError = err;
  }
  const framePassMs = Date.now() - tFrames;
  const tWait = Date.now();
  if (framePassError) {
    // Stop generation; submitted tasks stay in the journal for the next run.
    controller.abort(framePassError);
    gate.close(framePassError);
    await Promise.allSettled(jobs);
    throw framePassError;
  }
  report({stage: 'generating'});
  options.onFramesRendered?.({chunks: [...chunks], fps: options.session.composition.fps});
  await gate.settle();
  const settled = await Promise.allSettled(jobs);
  const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failures.length > 0) await raiseSegmentFailures({failures, gate, signal, logger: options.logger});
  return {
    renderedFrames,
    artifacts,
    mixedMediaSources,
    ownAudio,
    done: settled.map((s) => (s as PromiseFulfilledResult<TakeResult[]>).value),
    framePassMs,
    waitAfterFramesMs: Date.now() - tWait,
  };
};
