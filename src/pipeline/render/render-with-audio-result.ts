import type {AudioCodec} from '@remotion/renderer';
import type {GenerateAudioResult} from '../generation/generate-audio-result.ts';
import type {NormalizedRenderSettings} from '../render-settings.ts';

export type RenderWithAudioResult = GenerateAudioResult & {
  outputLocation: string;
  /** The output's codec and audio codec (null: no audio track). */
  codec: NormalizedRenderSettings['codec'];
  audioCodec: AudioCodec | null;
  /** How the final audio was made: mixed directly, or by an audio-only render of the composition. */
  audioMode: 'direct' | 'audio-pass';
  /** Why the audio pass was needed, when it was. */
  audioPassReason: string | null;
  /**
   * How the video was made: the frame pass's chunks joined without re-encoding, or — when the joined
   * chunks could not be proven to hold every frame at the right time, or the codec's chunks cannot be
   * joined (gif) — Remotion's own render; `none` for an audio-only codec (mp3, aac, wav).
   */
  videoMode: 'chunks' | 'remotion-render' | 'none';
  /** Why Remotion rendered the video, when it did. */
  videoReason: string | null;
  timings: GenerateAudioResult['timings'] & {audioPassMs: number; muxMs: number};
};
