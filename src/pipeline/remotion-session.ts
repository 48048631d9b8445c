import {existsSync, statSync} from 'node:fs';
import path from 'node:path';
import {bundle, type WebpackOverrideFn} from '@remotion/bundler';
import {
  type ChromeMode,
  type ChromiumOptions,
  getCompositions,
  type HeadlessBrowser,
  type LogLevel,
  makeCancelSignal,
  openBrowser,
  type RenderMediaOptions,
  renderMedia,
  selectComposition,
} from '@remotion/renderer';
import type {VideoConfig} from 'remotion';
import {MMAudioError, UsageError} from '../errors.ts';
import type {Logger} from '../log.ts';
import type {ResolvedBrowser} from './resolve-browser.ts';

/**
 * What every stage of a run shares with Remotion: one bundle (bundled once; the audio pass reuses it and
 * sees wavs written into its public folder afterwards), one browser instance, the selected composition.
 */
export type RemotionSession = {
  serveUrl: string;
  /** `<serveUrl>/public` when the bundle is a local folder, else null. */
  bundlePublicDir: string | null;
  composition: VideoConfig;
  /** The props the composition renders with (input props merged over defaults, after calculateMetadata). */
  inputProps: Record<string, unknown>;
  browser: HeadlessBrowser;
  resolvedBrowser: ResolvedBrowser;
  remotionLogLevel: LogLevel;
  /**
   * `renderMedia` of this session's composition with its bundle, browser and log level filled in, and an
   * AbortSignal bridged to Remotion's cancel signal (an abort rejects with the signal's reason).
   */
  render(options: SessionRenderOptions, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
};

export type SessionRenderOptions = Omit<
  RenderMediaOptions,
  | 'serveUrl'
  | 'composition'
  | 'inputProps'
  | 'puppeteerInstance'
  | 'browserExecutable'
  | 'chromeMode'
  | 'logLevel'
  | 'cancelSignal'
>;

/** Remotion's own logs are one level quieter than ours: its verbose level prints every frame. */
export const toRemotionLogLevel = (logger: Logger): LogLevel =>
  logger.isEnabled('trace') ? 'verbose' : logger.isEnabled('verbose') ? 'info' : 'error';

/** Checks the entry file before anything slow happens. */
export const validateEntryPoint = (entryPoint: string): string => {
  const resolved = path.resolve(entryPoint);
  if (!existsSync(resolved) || !statSync(resolved).isFile()) {
    throw new UsageError(
      `Entry file not found: ${entryPoint}. Pass the file that calls registerRoot(), e.g. remotion/index.ts or src/index.ts.`,
    );
  }
  return resolved;
};

export const openRemotionSession = async (options: {
  entryPoint: string | null;
  serveUrl: string | null;
  publicDir: string;
  compositionId: string;
  inputProps: Record<string, unknown>;
  resolvedBrowser: ResolvedBrowser;
  logger: Logger;
  signal?: AbortSignal;
  onBundleProgress?: (progress: number) => void;
  /** The project's webpack override (remotion.config.ts `Config.overrideWebpackConfig`). */
  webpackOverride?: WebpackOverrideFn | null;
  /** Given to the composition as process.env in every render (besides REMOTION_MMAUDIO_PASS). */
  envVariables?: Record<string, string>;
  chromiumOptions?: ChromiumOptions;
  timeoutInMilliseconds?: number | null;
  /** `--width` / `--height`: the composition's size, overridden as Remotion's CLI does. */
  width?: number | null;
  height?: number | null;
}): Promise<RemotionSession> => {
  const envVariables = options.envVariables ?? {};
  const chromiumOptions = options.chromiumOptions ?? {};
  const timeout = options.timeoutInMilliseconds ? {timeoutInMilliseconds: options.timeoutInMilliseconds} : {};
  const {logger} = options;
  const remotionLogLevel = toRemotionLogLevel(logger);
  let serveUrl = options.serveUrl;
  if (!serveUrl) {
    if (!options.entryPoint) throw new UsageError('Pass an entry point (entryPoint) or a bundle (serveUrl).');
    const entryPoint = validateEntryPoint(options.entryPoint);
    logger.verbose(`Bundling ${path.relative(process.cwd(), entryPoint) || entryPoint}`);
    try {
      serveUrl = await bundle({
        entryPoint,
        publicDir: options.publicDir,
        onProgress: (p) => options.onBundleProgress?.(p / 100),
        ...(options.webpackOverride ? {webpackOverride: options.webpackOverride} : {}),
      });
    } catch (err) {
      throw new UsageError(
        `Could not bundle ${options.entryPoint}: ${err instanceof Error ? err.message : String(err)}`,
        {cause: err},
      );
    }
  }
  options.signal?.throwIfAborted();
  const isLocal = !/^https?:\/\//.test(serveUrl);
  const bundlePublicDir = isLocal ? path.join(serveUrl, 'public') : null;

  const {browserExecutable, chromeMode} = options.resolvedBrowser;
  let browser: HeadlessBrowser;
  const sigintBefore = new Set(process.listeners('SIGINT'));
  try {
    browser = await openBrowser('chrome', {
      browserExecutable,
      chromeMode: chromeMode as ChromeMode,
      logLevel: remotionLogLevel,
      chromiumOptions,
    });
  } catch (err) {
    throw new MMAudioError(
      `Could not start the browser${browserExecutable ? ` ${browserExecutable}` : ''}: ${err instanceof Error ? err.message : String(err)}. ` +
        'Install Chromium (Debian: apt-get install chromium) or pass --browser-executable.',
      {cause: err},
    );
  }
  // Remotion's browser runner answers SIGINT with process.exit(130) at once. When the host already
  // handles SIGINT (our CLI cancels renders and polling, keeps the journal and closes the browser
  // itself), that listener would cut the clean-up short: remove it. Without a host handler it stays.
  if (sigintBefore.size > 0) {
    for (const listener of process.listeners('SIGINT')) {
      if (!sigintBefore.has(listener)) process.off('SIGINT', listener);
    }
  }
  try {
    let composition: VideoConfig;
    try {
      composition = await selectComposition({
        serveUrl,
        id: options.compositionId,
        inputProps: options.inputProps,
        puppeteerInstance: browser,
        browserExecutable,
        chromeMode,
        logLevel: remotionLogLevel,
        // No manifest is needed to plan and render frames: helpers like withGeneratedAudioManifest skip it.
        envVariables: {...envVariables, REMOTION_MMAUDIO_PASS: 'frames'},
        chromiumOptions,
        ...timeout,
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (/could not find composition|no composition with the id/i.test(message)) {
        let ids: string[] = [];
        try {
          ids = (
            await getCompositions(serveUrl, {
              inputProps: options.inputProps,
              puppeteerInstance: browser,
              browserExecutable,
              chromeMode,
              logLevel: remotionLogLevel,
              envVariables: {...envVariables, REMOTION_MMAUDIO_PASS: 'frames'},
              chromiumOptions,
              ...timeout,
            })
          ).map((c) => c.id);
        } catch {
          // The list is a courtesy; the error below stands without it.
        }
        throw new UsageError(
          `No composition with the id "${options.compositionId}" in ${options.entryPoint ?? serveUrl}.` +
            (ids.length ? ` Available: ${ids.join(', ')}.` : ''),
          {cause: err},
        );
      }
      throw new UsageError(`Could not load composition "${options.compositionId}": ${message}`, {cause: err});
    }
    const inputProps = composition.props as Record<string, unknown>;
    if (options.width) composition = {...composition, width: options.width};
    if (options.height) composition = {...composition, height: options.height};
    return {
      serveUrl,
      bundlePublicDir,
      composition,
      inputProps,
      browser,
      resolvedBrowser: options.resolvedBrowser,
      remotionLogLevel,
      render: async (renderOptions, signal) => {
        signal?.throwIfAborted();
        const {cancelSignal, cancel} = makeCancelSignal();
        const onAbort = () => cancel();
        signal?.addEventListener('abort', onAbort, {once: true});
        const started = Date.now();
        try {
          await renderMedia({
            chromiumOptions,
            ...timeout,
            ...renderOptions,
            envVariables: {...envVariables, ...renderOptions.envVariables},
            serveUrl,
            composition,
            inputProps,
            puppeteerInstance: browser,
            browserExecutable,
            chromeMode,
            logLevel: remotionLogLevel,
            cancelSignal,
          });
        } catch (err) {
          signal?.throwIfAborted();
          throw err;
        } finally {
          signal?.removeEventListener('abort', onAbort);
          const range = renderOptions.frameRange;
          logger.verbose(
            `renderMedia ${renderOptions.codec ?? ''} ${Array.isArray(range) ? `frames ${range[0]}–${range[1]}` : 'all frames'}: ${Date.now() - started} ms`,
          );
        }
      },
      close: async () => {
        await browser.close({silent: true});
      },
    };
  } catch (err) {
    await browser.close({silent: true}).catch(() => undefined);
    throw err;
  }
};
