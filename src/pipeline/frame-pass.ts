import path from 'node:path';
import {makeCancelSignal, renderMedia} from '@remotion/renderer';
import type {RemotionSession} from './remotion-session.ts';

export type RenderedChunk = {
  index: number;
  /** Inclusive. */
  startFrame: number;
  /** Exclusive. */
  endFrame: number;
  file: string;
};

export type FramePassProgress = {
  /** Frames rendered so far across all chunks. */
  renderedFrames: number;
  totalFrames: number;
  chunk: number;
  chunks: number;
};

/**
 * The frame pass: renders every frame of the composition exactly once, chunk by chunk, muted, at full
 * quality, into one h264 mp4 per chunk (later concatenated without re-encoding for the final video).
 * `onChunk` is awaited only for bookkeeping; work it starts (proxy, generation) runs while the next chunk
 * renders. The environment variable REMOTION_MMAUDIO_PASS=frames tells `<GeneratedAudio />` to place no
 * layers: this pass is muted and must not fetch or decode audio.
 */
export const runFramePass = async (options: {
  session: RemotionSession;
  chunks: {startFrame: number; endFrame: number}[];
  directory: string;
  concurrency: number | null;
  signal?: AbortSignal;
  onChunk: (chunk: RenderedChunk) => void;
  onProgress?: (progress: FramePassProgress) => void;
}): Promise<{renderedFrames: number}> => {
  const {session} = options;
  const totalFrames = options.chunks.reduce((sum, c) => sum + (c.endFrame - c.startFrame), 0);
  let doneFrames = 0;
  for (let index = 0; index < options.chunks.length; index++) {
    options.signal?.throwIfAborted();
    const chunk = options.chunks[index];
    const file = path.join(options.directory, `chunk-${String(index).padStart(3, '0')}.mp4`);
    const {cancelSignal, cancel} = makeCancelSignal();
    const onAbort = () => cancel();
    options.signal?.addEventListener('abort', onAbort, {once: true});
    let chunkFrames = 0;
    try {
      await renderMedia({
        serveUrl: session.serveUrl,
        composition: session.composition,
        inputProps: session.inputProps,
        codec: 'h264',
        muted: true,
        frameRange: [chunk.startFrame, chunk.endFrame - 1],
        outputLocation: file,
        overwrite: true,
        puppeteerInstance: session.browser,
        browserExecutable: session.resolvedBrowser.browserExecutable,
        chromeMode: session.resolvedBrowser.chromeMode,
        concurrency: options.concurrency,
        envVariables: {REMOTION_MMAUDIO_PASS: 'frames'},
        logLevel: session.remotionLogLevel,
        cancelSignal,
        onProgress: (p) => {
          chunkFrames = p.renderedFrames;
          options.onProgress?.({
            renderedFrames: doneFrames + p.renderedFrames,
            totalFrames,
            chunk: index,
            chunks: options.chunks.length,
          });
        },
      });
    } catch (err) {
      options.signal?.throwIfAborted();
      throw err;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    doneFrames += chunkFrames;
    options.onChunk({index, startFrame: chunk.startFrame, endFrame: chunk.endFrame, file});
  }
  return {renderedFrames: doneFrames};
};
