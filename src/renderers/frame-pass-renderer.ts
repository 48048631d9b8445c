import {type FramePassResult, runFramePass} from '../pipeline/frame-pass.ts';

export type FramePassOptions = Parameters<typeof runFramePass>[0];

/**
 * Who renders the frame pass: every frame of the composition once, handed to `onChunk` as rendered
 * pieces (video file + the composition's own audio as a wav). The pipeline cuts the proxies from them,
 * and mixes and muxes the final output here.
 */
export type FramePassRenderer = {
  name: string;
  runFramePass: (options: FramePassOptions) => Promise<FramePassResult>;
};

/** Today's frame pass: chunk by chunk with `renderMedia` on this machine (see pipeline/frame-pass.ts). */
export const localRenderer: FramePassRenderer = {name: 'local', runFramePass};
