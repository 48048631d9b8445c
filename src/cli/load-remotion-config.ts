import {existsSync, readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type {WebpackOverrideFn} from '@remotion/bundler';
import type {ChromeMode, Codec} from '@remotion/renderer';
import {UsageError} from '../errors.ts';
import type {RemotionRenderSettings} from '../pipeline/render-settings.ts';

// Remotion keeps the config in module state of its CommonJS builds (@remotion/cli/config and
// @remotion/renderer/client): read it through the same instances the config file writes to.
const require = createRequire(import.meta.url);

type RendererClient = typeof import('@remotion/renderer/client');
type CliConfig = typeof import('@remotion/cli/config');
type RemotionOptions = RendererClient['BrowserSafeApis']['options'];

/** Remotion's CLI flags, as minimist gives them to Remotion's option getters (`--crf 18` → {crf: 18}). */
export type RemotionCommandLine = Record<string, string | number | boolean | undefined>;

/** Everything `remotion-mmaudio render`/`plan` take from remotion.config.ts and Remotion's flags. */
export type ResolvedRemotionSettings = {
  /** The config file loaded, or null when the project has none. */
  configFile: string | null;
  render: RemotionRenderSettings;
  /** Where each setting came from ("cli", "config"…), for --log verbose. */
  sources: Record<string, string>;
  concurrency: number | null;
  publicDir: string | null;
  browserExecutable: string | null;
  chromeMode: ChromeMode | null;
  overwrite: boolean;
  webpackOverride: WebpackOverrideFn | null;
  entryPoint: string | null;
  outputLocation: string | null;
};

/** Remotion's root: the nearest folder from `cwd` up with a package.json (as Remotion's CLI finds it). */
export const findRemotionRoot = (cwd = process.cwd()): string => {
  let dir = path.resolve(cwd);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(cwd);
    dir = parent;
  }
};

let loadedConfig: string | null | undefined;

/**
 * Loads the project's remotion.config.ts (or .js, or `--config`) with Remotion's own loader
 * (@remotion/cli's loadConfigFile: esbuild with the project's tsconfig, then run from the Remotion
 * root), so `Config.setCodec()`, `Config.setCrf()`, `Config.overrideWebpackConfig()`… land where
 * Remotion's option getters read them. Once per process: Remotion's config is process state.
 */
export const loadRemotionConfig = async (
  remotionRoot: string,
  configFlag?: string,
): Promise<string | null> => {
  if (loadedConfig !== undefined) return loadedConfig;
  let file: string | null = null;
  if (configFlag) {
    file = path.resolve(configFlag);
    if (!existsSync(file)) throw new UsageError(`--config ${configFlag}: no file at ${file}.`);
  } else {
    file =
      ['remotion.config.ts', 'remotion.config.js']
        .map((name) => path.join(remotionRoot, name))
        .find((candidate) => existsSync(candidate)) ?? null;
  }
  if (file) {
    let loadConfigFile: (root: string, name: string, isJavascript: boolean) => Promise<unknown>;
    try {
      const cliDir = path.dirname(require.resolve('@remotion/cli'));
      ({loadConfigFile} = require(path.join(cliDir, 'load-config.js')));
    } catch (err) {
      throw new UsageError(
        `${path.basename(file)} needs @remotion/cli to be read (npm i @remotion/cli): ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    try {
      await loadConfigFile(remotionRoot, path.relative(remotionRoot, file), file.endsWith('.js'));
    } catch (err) {
      throw new UsageError(
        `Could not load ${path.relative(process.cwd(), file) || file}: ${err instanceof Error ? err.message : String(err)}`,
        {cause: err},
      );
    }
  }
  loadedConfig = file;
  return file;
};

const remotionOptions = (): RemotionOptions =>
  (require('@remotion/renderer/client') as RendererClient).BrowserSafeApis.options;

/**
 * @remotion/cli's config state, or null without @remotion/cli (a project without it has no config file
 * to read either: Remotion's flags and defaults still apply).
 */
const configInternals = (): CliConfig['ConfigInternals'] | null => {
  try {
    return (require('@remotion/cli/config') as CliConfig).ConfigInternals;
  } catch {
    return null;
  }
};

/** `--concurrency 50%` (Remotion accepts a share of the cores) as a number of tabs. */
const concurrencyToNumber = (value: string | number | null): number | null => {
  if (value === null) return null;
  if (typeof value === 'number') return value;
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  if (percent) return Math.max(1, Math.floor((os.cpus().length * Number(percent[1])) / 100));
  return Number(value);
};

/** REMOTION_* from the environment plus the env file (`--env-file`, Config.setDotEnvLocation, else .env). */
const environmentFor = (remotionRoot: string, envFile: string | null): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('REMOTION_') && value !== undefined) env[key] = value;
  }
  const file =
    envFile !== null
      ? path.resolve(remotionRoot, envFile)
      : [path.join(remotionRoot, '.env'), path.join(remotionRoot, '.env.local')].find((f) => existsSync(f));
  if (!file) return env;
  if (!existsSync(file)) throw new UsageError(`--env-file ${envFile}: no file at ${file}.`);
  // dotenv as Remotion's CLI parses env files (its own dependency).
  let dotenv: {parse: (src: string) => Record<string, string>};
  try {
    dotenv = createRequire(require.resolve('@remotion/cli'))('dotenv') as typeof dotenv;
  } catch (err) {
    throw new UsageError(
      `Reading ${file} needs @remotion/cli (npm i @remotion/cli): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return {...env, ...dotenv.parse(readFileSync(file, 'utf8'))};
};

/**
 * Remotion's settings with Remotion's precedence (flag > remotion.config.ts > default), read by
 * Remotion's own option getters — the ones `npx remotion render` reads. Settings left at their default
 * are left out, so renderWithAudio applies the same defaults as renderMedia.
 */
export const resolveRemotionSettings = (options: {
  commandLine: RemotionCommandLine;
  remotionRoot: string;
  configFile: string | null;
  outputLocation: string | null;
}): ResolvedRemotionSettings => {
  const o = remotionOptions();
  const config = configInternals();
  const commandLine = options.commandLine;
  const sources: Record<string, string> = {};
  const render: RemotionRenderSettings = {};
  const read = <T>(name: string, get: () => {value: T; source: string}): T | undefined => {
    let result: {value: T; source: string};
    try {
      result = get();
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    sources[name] = result.source;
    return result.source === 'default' ? undefined : result.value;
  };
  const outputFromConfig = config?.getOutputLocation() ?? null;
  const outputLocation = options.outputLocation ?? outputFromConfig ?? null;
  const codec = read('codec', () =>
    o.videoCodecOption.getValue(
      {commandLine},
      {
        configFile: config?.getOutputCodecOrUndefined() ?? null,
        downloadName: null,
        outName: outputLocation,
        uiCodec: null,
        compositionCodec: null,
      },
    ),
  );
  if (codec !== undefined) render.codec = codec as Codec;
  const set = <K extends keyof RemotionRenderSettings>(
    key: K,
    value: RemotionRenderSettings[K] | undefined,
  ) => {
    if (value !== undefined && value !== null) render[key] = value;
  };
  set(
    'crf',
    read('crf', () => o.crfOption.getValue({commandLine})),
  );
  set(
    'videoBitrate',
    read('videoBitrate', () =>
      o.videoBitrateOption.getValue({commandLine}),
    ) as RemotionRenderSettings['videoBitrate'],
  );
  set(
    'audioBitrate',
    read('audioBitrate', () =>
      o.audioBitrateOption.getValue({commandLine}),
    ) as RemotionRenderSettings['audioBitrate'],
  );
  set(
    'audioCodec',
    read('audioCodec', () => o.audioCodecOption.getValue({commandLine})),
  );
  set(
    'pixelFormat',
    read('pixelFormat', () =>
      o.pixelFormatOption.getValue({commandLine}, {uiPixelFormat: null, compositionDefaultPixelFormat: null}),
    ),
  );
  set(
    'imageFormat',
    read('imageFormat', () =>
      o.videoImageFormatOption.getValue(
        {commandLine},
        {codec: render.codec ?? 'h264', uiVideoImageFormat: null, compositionDefaultVideoImageFormat: null},
      ),
    ) ?? undefined,
  );
  set(
    'jpegQuality',
    read('jpegQuality', () => o.jpegQualityOption.getValue({commandLine})),
  );
  set(
    'scale',
    read('scale', () => o.scaleOption.getValue({commandLine})),
  );
  set(
    'everyNthFrame',
    read('everyNthFrame', () => o.everyNthFrameOption.getValue({commandLine})),
  );
  set(
    'x264Preset',
    read('x264Preset', () => o.x264Option.getValue({commandLine})),
  );
  set('colorSpace', read('colorSpace', () => o.colorSpaceOption.getValue({commandLine})) ?? undefined);
  set(
    'proResProfile',
    read('proResProfile', () =>
      o.proResProfileOption.getValue(
        {commandLine},
        {uiProResProfile: undefined, compositionDefaultProResProfile: null},
      ),
    ) as RemotionRenderSettings['proResProfile'],
  );
  set(
    'muted',
    read('muted', () => o.mutedOption.getValue({commandLine})),
  );
  set(
    'timeoutInMilliseconds',
    read('timeout', () => o.delayRenderTimeoutInMillisecondsOption.getValue({commandLine})),
  );
  const frames = read('frames', () => o.framesOption.getValue({commandLine}));
  if (frames !== undefined && frames !== null) {
    if (typeof frames === 'object' && !Array.isArray(frames)) {
      throw new UsageError('--frames takes one frame or one range a-b here (not a list of frames).');
    }
    if (Array.isArray(frames) && Array.isArray(frames[0])) {
      throw new UsageError('--frames takes one frame or one range a-b here (not several ranges).');
    }
    render.frameRange = frames as RemotionRenderSettings['frameRange'];
  }
  const gl = read('gl', () => o.glOption.getValue({commandLine}));
  if (gl) render.chromiumOptions = {gl};
  set(
    'width',
    read('width', () => o.overrideWidthOption.getValue({commandLine})),
  );
  set(
    'height',
    read('height', () => o.overrideHeightOption.getValue({commandLine})),
  );
  const envFile = read('envFile', () => o.envFileOption.getValue({commandLine})) ?? null;
  render.envVariables = environmentFor(options.remotionRoot, envFile);

  const webpackOverride = config?.getWebpackOverrideFn() ?? null;
  return {
    configFile: options.configFile,
    render,
    sources,
    concurrency: concurrencyToNumber(
      read('concurrency', () => o.concurrencyOption.getValue({commandLine})) ?? null,
    ),
    publicDir: read('publicDir', () => o.publicDirOption.getValue({commandLine})) ?? null,
    browserExecutable:
      read('browserExecutable', () => o.browserExecutableOption.getValue({commandLine})) ?? null,
    chromeMode: (read('chromeMode', () => o.chromeModeOption.getValue({commandLine})) ??
      null) as ChromeMode | null,
    overwrite: read('overwrite', () => o.overwriteOption.getValue({commandLine}, true)) ?? true,
    webpackOverride: webpackOverride === config?.defaultOverrideFunction ? null : webpackOverride,
    entryPoint: config?.getEntryPoint() ?? null,
    outputLocation,
  };
};
