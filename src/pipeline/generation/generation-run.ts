import type {FramePassArtifact, OwnAudioPart, RenderedChunk} from '../frame-pass.ts';
import type {RemotionSession} from '../remotion-session.ts';
import type {GenerateAudioResult} from './generate-audio-result.ts';

/** What renderWithAudio needs beyond the result: the live session and the rendered chunks. */
export type GenerationRun = {
  result: GenerateAudioResult;
  session: RemotionSession;
  chunks: RenderedChunk[];
  /** Artifacts the frame pass emitted (e.g. where `<GeneratedAudio />` places its layers). */
  artifacts: FramePassArtifact[];
  /** Media Remotion fetched to mix the composition's own audio (see FramePassResult). */
  mixedMediaSources: string[];
  /** The composition's own audio from the frame pass (see FramePassResult). */
  ownAudio: OwnAudioPart[];
  workDir: string;
  dispose: () => Promise<void>;
};
