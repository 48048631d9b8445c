import type {ChunkEncoding, RenderedChunk, runFramePass} from '../frame-pass.ts';
import type {openRemotionSession} from '../remotion-session.ts';
import type {FrameRange} from '../render-settings.ts';

/**
 * Remotion render settings the generation needs (from renderWithAudio / remotion.config.ts and the
 * CLI's Remotion flags): how the session is opened, which frames, how the chunks are encoded.
 */
export type GenerationSettings = {
  session?: Pick<
    Parameters<typeof openRemotionSession>[0],
    'webpackOverride' | 'envVariables' | 'chromiumOptions' | 'timeoutInMilliseconds' | 'width' | 'height'
  >;
  /** `--frames`: only these frames are rendered, planned, billed and published. Default every frame. */
  frameRange?: FrameRange | null;
  /** Default h264 at Remotion's defaults. */
  encoding?: ChunkEncoding;
  /** Who renders the frame pass (src/renderers): default this machine, chunk by chunk. */
  framePass?: typeof runFramePass;
  /**
   * Called once every frame is rendered, with every chunk, while generation may still be waiting on the
   * API: work on the video (the join) can start here and overlap that wait.
   */
  onFramesRendered?: (frames: {chunks: RenderedChunk[]; fps: number}) => void;
};
