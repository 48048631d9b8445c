import {stat} from 'node:fs/promises';
import {openBrowser, renderMedia, selectComposition} from '@remotion/renderer';
import {resolveBrowser} from '../src/pipeline/resolve-browser.ts';

export type PlainRenderResult = {
  /** Browser start and composition metadata (calculateMetadata, which reads the manifest). */
  openMs: number;
  renderMs: number;
  outputBytes: number;
};

/**
 * What users do today: one `renderMedia` of the composition to h264 with its audio, as
 * `npx remotion render` does, on the browser the pipeline uses (same executable, mode and GL backend).
 * With a published manifest, Remotion mixes the `<GeneratedAudio />` layers in; without one they are absent.
 */
export const renderPlain = async (options: {
  serveUrl: string;
  compositionId: string;
  inputProps: Record<string, unknown>;
  outputLocation: string;
  concurrency: number | null;
  /** Remotion's codec and scale (default h264 at 1). */
  codec?: 'h264' | 'h265' | 'vp8' | 'vp9' | 'prores';
  scale?: number;
  /**
   * Renders only the first second, muted, as the pipeline's frame pass does (no manifest needed): loads
   * the browser, the bundle and the encoder from disk before anything is timed.
   */
  warmUp?: boolean;
  onProgress?: (renderedFrames: number, totalFrames: number) => void;
  /**
   * Reads the manifest from the bundle's public folder even though the bundle's list of static files
   * (made when it was bundled, before any manifest existed) does not name it, as the pipeline's audio
   * pass does. The layers placed are the same; without this, `<GeneratedAudio />` trusts the list.
   */
  readManifestFromBundle?: boolean;
  /** Called as each stage begins: open, render, close. */
  onStage?: (stage: 'open' | 'render' | 'close') => void;
}): Promise<PlainRenderResult> => {
  options.onStage?.('open');
  const t0 = Date.now();
  const {browserExecutable, chromeMode} = resolveBrowser({});
  const browser = await openBrowser('chrome', {
    browserExecutable,
    chromeMode,
    logLevel: 'error',
  });
  try {
    const composition = await selectComposition({
      serveUrl: options.serveUrl,
      id: options.compositionId,
      inputProps: options.inputProps,
      puppeteerInstance: browser,
      browserExecutable,
      chromeMode,
      logLevel: 'error',
    });
    const openMs = Date.now() - t0;
    options.onStage?.('render');
    const t1 = Date.now();
    await renderMedia({
      serveUrl: options.serveUrl,
      composition,
      inputProps: options.inputProps,
      codec: options.codec ?? 'h264',
      scale: options.scale ?? 1,
      outputLocation: options.outputLocation,
      overwrite: true,
      puppeteerInstance: browser,
      browserExecutable,
      chromeMode,
      concurrency: options.concurrency,
      logLevel: 'error',
      onProgress: (p) => options.onProgress?.(p.renderedFrames, composition.durationInFrames),
      ...(options.readManifestFromBundle ? {envVariables: {REMOTION_MMAUDIO_PASS: 'audio'}} : {}),
      ...(options.warmUp
        ? {
            frameRange: [0, Math.min(composition.durationInFrames, Math.ceil(composition.fps)) - 1],
            muted: true,
            envVariables: {REMOTION_MMAUDIO_PASS: 'frames'},
          }
        : {}),
    });
    const renderMs = Date.now() - t1;
    return {openMs, renderMs, outputBytes: (await stat(options.outputLocation)).size};
  } finally {
    options.onStage?.('close');
    await browser.close({silent: true});
  }
};
