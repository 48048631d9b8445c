import path from 'node:path';
import type {RemotionSession, SessionRenderOptions} from './remotion-session.ts';
import {renderFramesOnce} from './render-frames-once.ts';

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
  /**
   * sha256 of the chunk's frames as the browser made them (the images Remotion hands its encoder), when
   * the frame pass saw them. Unlike the file, it does not depend on the encoder: codecs whose encodes of the
   * same frames differ from run to run (x265's threads) still give the same value.
   */
  imagesSha256?: string;
};

/** The composition's own audio (48 kHz stereo 16-bit wav, without generated layers) over frames of it. */
export type OwnAudioPart = {
  /** Inclusive. */
  startFrame: number;
  /** Exclusive. */
  endFrame: number;
  audioFile: string;
};

export type FramePassArtifact = {filename: string; content: string; frame: number};

export type FramePassResult = {
  renderedFrames: number;
  /**
   * The composition's own audio, in order: one part over the whole range when the frames came from one
   * render, else one per chunk (each mixed by Remotion over that chunk's range alone).
   */
  ownAudio: OwnAudioPart[];
  artifacts: FramePassArtifact[];
  /**
   * Sources Remotion fetched to mix the composition's own audio with ffmpeg (`<Html5Audio>`,
   * `<OffthreadVideo>`, `<Html5Video>`…: Remotion's `onDownload`). Such audio is cut and placed per render
   * range (trims and delays rounded to the range's start), so wavs of several ranges are not proven to
   * join into what a whole-composition render gives. Audio from `@remotion/media` arrives per frame and is
   * not here.
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
 * The frame pass: renders every frame of the composition exactly once at full quality, into one video
 * file per chunk (h264, or the output's codec and settings; later concatenated without re-encoding for
 * the final video), and the composition's own audio as a wav (`separateAudioTo`: Remotion's own mix).
 * Several chunks come out of ONE render when Remotion pipes its frames to a pre-stitcher
 * (render-frames-once.ts: one start-up, one own-audio mix over the whole range, as a plain render);
 * otherwise each chunk is rendered on its own, with its own wav (these concatenate sample-exactly when a
 * frame is a whole number of samples). `onChunk` only does bookkeeping; work it starts (proxy,
 * generation) runs while the next chunk renders.
 * REMOTION_MMAUDIO_PASS=frames tells `<GeneratedAudio />` to place no layers — it only reports where it
 * would, as an artifact (collected in `artifacts`).
 */
type FramePassOptions = {
  session: RemotionSession;
  chunks: {startFrame: number; endFrame: number}[];
  directory: string;
  concurrency: number | null;
  encoding?: ChunkEncoding;
  signal?: AbortSignal;
  onChunk: (chunk: RenderedChunk) => void;
  onProgress?: (progress: FramePassProgress) => void;
};

export const runFramePass = async (options: FramePassOptions): Promise<FramePassResult> => {
  const encoding = options.encoding ?? DEFAULT_CHUNK_ENCODING;
  const totalFrames = options.chunks.reduce((sum, c) => sum + (c.endFrame - c.startFrame), 0);
  if (options.chunks.length > 1) {
    // One render for every chunk (see render-frames-once.ts); chunk by chunk when Remotion does not allow it.
    const artifacts: FramePassArtifact[] = [];
    const mixedMediaSources = new Set<string>();
    const once = await renderFramesOnce({
      session: options.session,
      chunks: options.chunks,
      directory: options.directory,
      extension: encoding.extension,
      renderOptions: {
        ...encoding.settings,
        ...passOptions(artifacts, mixedMediaSources),
        codec: encoding.codec,
        concurrency: options.concurrency,
      },
      signal: options.signal,
      onChunk: options.onChunk,
      onProgress: (renderedFrames) =>
        options.onProgress?.({renderedFrames, totalFrames, chunk: 0, chunks: options.chunks.length}),
    });
    if (once) {
      const [first, last] = [options.chunks[0], options.chunks[options.chunks.length - 1]];
      return {
        renderedFrames: once.renderedFrames,
        ownAudio: [{startFrame: first.startFrame, endFrame: last.endFrame, audioFile: once.audioFile}],
        artifacts,
        mixedMediaSources: [...mixedMediaSources],
      };
    }
  }
  return renderChunkByChunk(options, encoding, totalFrames);
};

/** What every render of the frame pass shares: own audio as a wav, placements and media reported. */
const passOptions = (artifacts: FramePassArtifact[], mixedMediaSources: Set<string>) =>
  ({
    audioCodec: 'pcm-16',
    // A silent track when the composition has no audio, so there always is a wav.
    enforceAudioTrack: true,
    onArtifact: (artifact: {filename: string; content: string | Uint8Array; frame: number}) => {
      artifacts.push({
        filename: artifact.filename,
        content:
          typeof artifact.content === 'string'
            ? artifact.content
            : new TextDecoder().decode(artifact.content),
        frame: artifact.frame,
      });
    },
    onDownload: (src: string) => {
      mixedMediaSources.add(src);
      return undefined;
    },
    envVariables: {REMOTION_MMAUDIO_PASS: 'frames'},
  }) satisfies Partial<SessionRenderOptions>;

const renderChunkByChunk = async (
  options: FramePassOptions,
  encoding: ChunkEncoding,
  totalFrames: number,
): Promise<FramePassResult> => {
  const {session} = options;
  let doneFrames = 0;
  const artifacts: FramePassArtifact[] = [];
  const mixedMediaSources = new Set<string>();
  const ownAudio: OwnAudioPart[] = [];
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
        ...passOptions(artifacts, mixedMediaSources),
        codec: encoding.codec,
        separateAudioTo: audioFile,
        frameRange: [chunk.startFrame, chunk.endFrame - 1],
        outputLocation: file,
        overwrite: true,
        concurrency: options.concurrency,
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
    ownAudio.push({startFrame: chunk.startFrame, endFrame: chunk.endFrame, audioFile});
    options.onChunk({index, startFrame: chunk.startFrame, endFrame: chunk.endFrame, file});
  }
  return {renderedFrames: doneFrames, ownAudio, artifacts, mixedMediaSources: [...mixedMediaSources]};
};
