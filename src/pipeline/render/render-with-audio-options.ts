import type {WebpackOverrideFn} from '@remotion/bundler';
import type {GenerateAudioOptions} from '../options/generate-audio-options.ts';
import type {RemotionRenderSettings} from '../render-settings.ts';

export type RenderWithAudioOptions = GenerateAudioOptions &
  RemotionRenderSettings & {
    /** Default `out/<composition-id>.<extension of the codec>` (mp4 for h264, webm for vp9, mov for prores…). */
    outputLocation?: string;
    /** Replace an existing output (default true, as `npx remotion render`). */
    overwrite?: boolean;
    /** The project's webpack override (remotion.config.ts `Config.overrideWebpackConfig`), used when bundling. */
    webpackOverride?: WebpackOverrideFn | null;
    /**
     * `auto` (default): when it provably gives the same samples (see mix-generated-audio.ts), mix the
     * generated layers with the composition's own audio (captured by the frame pass) directly and skip the
     * audio-only render; otherwise render the audio. `audio-pass`: always render the audio with Remotion.
     */
    audioMode?: 'auto' | 'audio-pass';
    /** Also write the final audio (48 kHz stereo 16-bit wav) here, as Remotion's `separateAudioTo`. */
    separateAudioTo?: string | null;
  };
