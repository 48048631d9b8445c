import type {WebpackOverrideFn} from '@remotion/bundler';
import type {GenerateAudioResult} from './generation/generate-audio-result.ts';
import {runGeneration} from './generation/run-generation.ts';
import {type GenerateAudioOptions, normalizeGenerateOptions} from './options.ts';
import {
  type PublishGeneratedOptions,
  type PublishGeneratedResult,
  withPublishing,
} from './publish-generated.ts';
import {
  generationSettingsFor,
  normalizeRenderSettings,
  type RemotionRenderSettings,
} from './render-settings.ts';

// The generation's stages live in ./generation/; these names stay importable from here.
export type {GenerateAudioResult, SegmentOutcome} from './generation/generate-audio-result.ts';
export type {GenerationRun} from './generation/generation-run.ts';
export type {GenerationSettings} from './generation/generation-settings.ts';
export {runGeneration} from './generation/run-generation.ts';

/**
 * Generates picture-synchronised audio for a composition and writes
 * `<publicDir>/mmaudio/<composition-id>/manifest.json` plus one wav per segment. A plain
 * `npx remotion render` (or Studio) then plays them through `<GeneratedAudio />`.
 */
export const generateAudio = async (
  options: GenerateAudioOptions &
    RemotionRenderSettings &
    PublishGeneratedOptions & {webpackOverride?: WebpackOverrideFn | null},
): Promise<GenerateAudioResult & PublishGeneratedResult> =>
  // `publishUrl`: the audio is uploaded afterwards (the store checked before anything is generated).
  withPublishing(options, async () => {
    // Remotion's render settings (as renderWithAudio takes them): the same chunks as `render` encodes, so
    // a later `render` with the same settings finds these segments in the cache.
    const run = await runGeneration(
      normalizeGenerateOptions(options),
      generationSettingsFor(normalizeRenderSettings(options), options.webpackOverride ?? null),
    );
    await run.dispose();
    return run.result;
  });
