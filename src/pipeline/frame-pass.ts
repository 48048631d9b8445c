import path from 'node:path';
import type {RemotionSession, SessionRenderOptions} from './remotion-session.ts';

/**
 * How the chunks are encoded: the output's codec and picture settings when the chunks become the output,
 * else h264 at Remotion's defaults (the chunks then only feed the proxies).
 */
export type ChunkEncoding = {
  codec: 'h264' | 'h265' | 'vp8' | 'vp9' | 'prores' | 'h264-mkv';
  /** File extension of a chunk, without the dot. */
  extension: string;
  settings: Omit<
    SessionRenderOptions,
    | 'codec'
    | 'outputLocation'
    | 'frameRange'
    | 'separateAudioTo'
    | 'audioCodec'
    | 'enforceAudioTrack'
    | 'onArtifact'
    | 'onDownload'
    | 'onProgress'
    | 'concurrency'
  >;
};

export const DEFAULT_CHUNK_ENCODING: ChunkEncoding = {codec: 'h264', extension: 'mp4', settings: {}};

export type RenderedChunk = {
  index: number;
  /** Inclusive. */
  startFrame: number;
  /** Exclusive. */
  endFrame: number;
  /** The chunk's video (no audio track). */
  file: string;
  /** The composition's own audio over the chunk (48 kHz stereo 16-bit wav), without generated layers. */
  audioFile: string;
};

export type FramePassArtifact = {filename: string; content: string; frame: number};

export type FramePassResult = {
  renderedFrames: number;
  artifacts: FramePassArtifact[];
  /**
   * Sources Remotion fetched to mix the composition's own audio with ffmpeg (`<Html5Audio>`,
   * `<OffthreadVideo>`, `<Html5Video>`…: Remotion's `onDownload`). Such audio is cut and placed per render
   * range (trims and delays rounded to the range's start), so the chunks' wavs are not proven to join into
   * what a whole-composition render gives. Audio from `@remotion/media` arrives per frame and is not here.
   */
  mixedMediaSources: string[];
};

export type FramePassProgress = {
  /** Frames rendered so far across all chunks. */
  renderedFrames: number;
  totalFrames: number;
  chunk: number;
  chunks: number;
};

/**
 * The frame pass: renders every frame of the composition exactly once, chunk by chunk, at full quality,
 * into one video file per chunk (h264, or the output's codec and settings; later concatenated without re-encoding for the final video) and, beside
 * it, the composition's own audio over the chunk as a wav (`separateAudioTo`: Remotion's own mix, which
 * concatenates sample-exactly when a frame is a whole number of samples). `onChunk` only does
 * bookkeeping; work it starts (proxy, generation) runs while the next chunk renders.
 * REMOTION_MMAUDIO_PASS=frames tells `<GeneratedAudio />` to place no layers — it only reports where it
 * would, as an artifact (collected in `artifacts`).
 */
export const runFramePass = async (options: {
  session: RemotionSession;
  chunks: {startFrame: number; endFrame: number}[];
  directory: string;
  concurrency: number | null;
  encoding?: ChunkEncoding;
  signal?: AbortSignal;
  onChunk: (chunk: RenderedChunk) => void;
  onProgress?: (progress: FramePassProgress) => void;
}): Promise<FramePassResult> => {
  const {session} = options;
  const encoding = options.encoding ?? DEFAULT_CHUNK_ENCODING;
  const totalFrames = options.chunks.reduce((sum, c) => sum + (c.endFrame - c.startFrame), 0);
  let doneFrames = 0;
  const artifacts: FramePassArtifact[] = [];
  const mixedMediaSources = new Set<string>();
  for (let index = 0; index < options.chunks.length; index++) {
    options.signal?.throwIfAborted();
    const chunk = options.chunks[index];
    const file = path.join(
      options.directory,
      `chunk-${String(index).padStart(3, '0')}.${encoding.extension}`,
    );
    const audioFile = path.join(options.directory, `chunk-${String(index).padStart(3, '0')}.wav`);
    let chunkFrames = 0;
    await session.render(
      {
        ...encoding.settings,
        codec: encoding.codec,
        separateAudioTo: audioFile,
        audioCodec: 'pcm-16',
        // A silent track when the composition has no audio, so every chunk has its wav.
        enforceAudioTrack: true,
        onArtifact: (artifact) => {
          artifacts.push({
            filename: artifact.filename,
            content:
              typeof artifact.content === 'string'
                ? artifact.content
                : new TextDecoder().decode(artifact.content),
            frame: artifact.frame,
          });
        },
        onDownload: (src) => {
          mixedMediaSources.add(src);
          return undefined;
        },
        frameRange: [chunk.startFrame, chunk.endFrame - 1],
        outputLocation: file,
        overwrite: true,
        concurrency: options.concurrency,
        envVariables: {REMOTION_MMAUDIO_PASS: 'frames'},
        onProgress: (p) => {
          chunkFrames = p.renderedFrames;
          options.onProgress?.({
            renderedFrames: doneFrames + p.renderedFrames,
            totalFrames,
            chunk: index,
            chunks: options.chunks.length,
          });
        },
      },
      options.signal,
    );
    doneFrames += chunkFrames;
    options.onChunk({index, startFrame: chunk.startFrame, endFrame: chunk.endFrame, file, audioFile});
  }
  return {renderedFrames: doneFrames, artifacts, mixedMediaSources: [...mixedMediaSources]};
};
