import type {CalculateMetadataFunction} from 'remotion';
import {GeneratedAudioError} from '../contract/generated-audio-error.ts';
import {fetchGeneratedAudioManifest} from './fetch-generated-audio-manifest.ts';
import {getGeneratedAudioPass} from './generated-audio-pass.ts';
import type {Manifest} from './manifest.ts';

/** The prop `withGeneratedAudioManifest()` adds; pass it on to `<GeneratedAudio manifest={...} />`. */
export type GeneratedAudioManifestProps = {
  /**
   * Set by `withGeneratedAudioManifest()`: the manifest, or `null` when the audio has not been generated
   * yet. Left out when the manifest cannot be used (`<GeneratedAudio />` then reads it and says why).
   */
  mmaudioManifest?: Manifest | null;
};

/**
 * Wraps a composition's `calculateMetadata` (or stands in for one) so the manifest of its generated audio
 * is fetched once, when the composition is resolved, and handed to the component as the prop
 * `mmaudioManifest`, instead of once per render tab by each `<GeneratedAudio />`.
 *
 * The prop is `null` when there is no manifest yet (Studio still picks up one written later), and left out
 * when it cannot be used: `<GeneratedAudio />` then reads the file itself and reports the problem. Nothing
 * is fetched during the pipeline's frame pass, and its audio pass always reads the file.
 *
 * ```tsx
 * // Root.tsx
 * <Composition
 *   id="my-video"
 *   component={MyVideo}
 *   calculateMetadata={withGeneratedAudioManifest(myCalculateMetadata)} // or withGeneratedAudioManifest()
 *   ...
 * />
 *
 * // MyVideo.tsx
 * export const MyVideo: React.FC<MyProps & GeneratedAudioManifestProps> = (props) => (
 *   <AbsoluteFill>
 *     ...
 *     <GeneratedAudio manifest={props.mmaudioManifest} />
 *   </AbsoluteFill>
 * );
 * ```
 */
export const withGeneratedAudioManifest =
  <T extends Record<string, unknown>>(
    calculateMetadata?: CalculateMetadataFunction<T>,
  ): CalculateMetadataFunction<T> =>
  async (options) => {
    const base = calculateMetadata ? await calculateMetadata(options) : {};
    const {mmaudioManifest: _stale, ...props}: Record<string, unknown> = base.props ?? options.props;
    if (getGeneratedAudioPass() === 'frames') return {...base, props: props as T};
    try {
      const manifest = await fetchGeneratedAudioManifest(options.compositionId, {
        signal: options.abortSignal,
      });
      const withManifest: Record<string, unknown> = {...props, mmaudioManifest: manifest};
      return {...base, props: withManifest as T};
    } catch (err) {
      if (err instanceof GeneratedAudioError) return {...base, props: props as T};
      throw err;
    }
  };
