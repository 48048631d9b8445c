import path from 'node:path';
import type {WebpackOverrideFn} from '@remotion/bundler';
import {validateOutputFilename} from '@remotion/renderer';
import {UsageError} from '../../errors.ts';
import type {NormalizedGenerateOptions} from '../options/normalized-generate-options.ts';
import {normalizeGenerateOptions} from '../options.ts';
import {
  defaultExtensionFor,
  type NormalizedRenderSettings,
  normalizeRenderSettings,
} from '../render-settings.ts';
import type {RenderWithAudioOptions} from './render-with-audio-options.ts';

export type NormalizedRenderWithAudioOptions = {
  generate: NormalizedGenerateOptions;
  settings: NormalizedRenderSettings;
  /** Absolute. */
  outputLocation: string;
  overwrite: boolean;
  webpackOverride: WebpackOverrideFn | null;
  audioMode: 'auto' | 'audio-pass';
  /** Absolute, or null. */
  separateAudioTo: string | null;
};

/** Validates every option of renderWithAudio before any work or money; throws UsageError (exit 2). */
export const normalizeRenderWithAudioOptions = (
  options: RenderWithAudioOptions,
): NormalizedRenderWithAudioOptions => {
  const generate = normalizeGenerateOptions(options);
  if (options.audioMode !== undefined && options.audioMode !== 'auto' && options.audioMode !== 'audio-pass') {
    throw new UsageError(
      `audioMode must be "auto" or "audio-pass", got ${JSON.stringify(options.audioMode)}.`,
    );
  }
  if (generate.serveUrl && /^https?:\/\//.test(generate.serveUrl)) {
    throw new UsageError(
      'renderWithAudio needs a local bundle (entryPoint, or a serveUrl that is a folder): the audio is read from its public folder.',
    );
  }
  const settings = normalizeRenderSettings(options);
  const outputLocation = path.resolve(
    options.outputLocation ??
      path.join(
        'out',
        `${generate.compositionId}.${defaultExtensionFor(settings.codec, settings.audioCodec)}`,
      ),
  );
  try {
    validateOutputFilename({
      codec: settings.codec,
      audioCodecSetting: options.audioCodec ?? null,
      extension: path.extname(outputLocation).slice(1),
      preferLossless: false,
      separateAudioTo: null,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (settings.muted && settings.path.kind === 'audio-only') {
    throw new UsageError(`--muted leaves nothing to write with the audio-only codec ${settings.codec}.`);
  }
  return {
    generate,
    settings,
    outputLocation,
    overwrite: options.overwrite !== false,
    webpackOverride: options.webpackOverride ?? null,
    audioMode: options.audioMode ?? 'auto',
    separateAudioTo: options.separateAudioTo ? path.resolve(options.separateAudioTo) : null,
  };
};
