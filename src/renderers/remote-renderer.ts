/**
 * A renderer that renders a composition somewhere else (Remotion Lambda; in tests, this machine behind
 * HTTP as a bucket) and leaves the output there. `remote-frame-pass.ts` turns one into the pipeline's
 * frame pass: everything after "the remote render finished" (download, proxies, generation, mix, mux,
 * upload) runs here.
 */

/** Where a remote output lives: a URL, and the bucket and key when it is in S3-compatible storage. */
export type RemoteLocation = {
  url: string;
  bucket: string | null;
  key: string | null;
};

export type RemoteRenderRequest = {
  compositionId: string;
  inputProps: Record<string, unknown>;
  /** Inclusive frame range. */
  frameRange: [number, number];
  /**
   * `video`: the picture, h264 in mp4, no audio track (the audio is mixed and muxed here).
   * `audio`: the composition's own audio as a 48 kHz 16-bit wav, rendering no frames (an audio-only render:
   * `codec: 'wav'`, `imageFormat: 'none'`), so it reaches the mix without a lossy encode.
   */
  kind: 'video' | 'audio';
  /** Given to the composition as process.env (REMOTION_MMAUDIO_PASS). */
  envVariables: Record<string, string>;
  signal?: AbortSignal;
  onProgress?: (progress: RemoteRenderProgress) => void;
};

export type RemoteRenderProgress = {
  /** 0–1, as the renderer reports it. */
  overallProgress: number;
  renderedFrames: number;
  /** Chunks the render was split into (Lambda functions), when known. */
  chunks: number | null;
  /** Cost accrued so far in USD, when the renderer knows it (Lambda's estimate). */
  costUsd: number | null;
};

export type RemoteArtifact = {filename: string; location: RemoteLocation};

export type RemoteRenderOutput = {
  location: RemoteLocation;
  sizeInBytes: number | null;
  /** Artifacts the composition emitted (e.g. `<GeneratedAudio />`'s placement report). */
  artifacts: RemoteArtifact[];
  costUsd: number | null;
  /** An id to name the render in logs (Lambda's renderId). */
  renderId: string;
};

export type RemoteRenderer = {
  /** `lambda`, or a test renderer's name. */
  name: string;
  render: (request: RemoteRenderRequest) => Promise<RemoteRenderOutput>;
  /** Copies a remote object to a local file (atomically: a temp file, then a rename). */
  download: (location: RemoteLocation, destination: string, signal?: AbortSignal) => Promise<number>;
};
