import {randomInt} from 'node:crypto';
import {mkdir, stat} from 'node:fs/promises';
import path from 'node:path';
import {openBrowser, renderMedia, selectComposition} from '@remotion/renderer';
import {createQubicoClient} from '../src/api/client.ts';
import {MMAUDIO_MODEL} from '../src/api/schema.ts';
import {createQubicoBackend} from '../src/backends/qubico.ts';
import {silentLogger} from '../src/log.ts';
import {computeCacheKey, serviceIdentity} from '../src/pipeline/cache-key.ts';
import {makeSegmentProxy, type SegmentProxy} from '../src/pipeline/make-proxy.ts';
import {normalizeSegmentAudio} from '../src/pipeline/normalize-audio.ts';
import {normalizeGenerateOptions} from '../src/pipeline/options.ts';
import {publishManifest} from '../src/pipeline/publish.ts';
import {resolveBrowser} from '../src/pipeline/resolve-browser.ts';
import {planForComposition} from '../src/pipeline/segment-params.ts';
import {MANIFEST_VERSION, type Manifest, manifestFolder} from '../src/react/manifest.ts';
import {createSubmitJournal} from '../src/state/journal.ts';

/** Scale of the naive design's low-resolution reference render (1280×720 → 384×216). */
export const REFERENCE_SCALE = 0.3;

export type NaiveRenderResult = {
  timings: {
    openMs: number;
    referenceRenderMs: number;
    proxiesMs: number;
    /** Every segment submitted at once, waiting for all: none of it hidden behind rendering. */
    generationMs: number;
    publishMs: number;
    /** Metadata again (the manifest is new) and the full render with the audio layers. */
    finalRenderMs: number;
  };
  segments: number;
  proxyBytesPerSecond: number;
  outputBytes: number;
};

/**
 * The naive design, for reference: a low-resolution reference render of the whole composition, proxies
 * cut from it, every segment generated at once against the API, the manifest published, then a full
 * final render of the composition, which now plays the `<GeneratedAudio />` layers.
 * Same planner, proxy encoder, API client, normalisation and publishing as the pipeline.
 */
export const renderNaive = async (options: {
  serveUrl: string;
  bundlePublicDir: string;
  publicDir: string;
  compositionId: string;
  inputProps: Record<string, unknown>;
  prompt: string | null;
  maxSegmentSeconds: number | null;
  apiKey: string;
  baseUrl: string;
  cacheDir: string;
  stateDir: string;
  workDir: string;
  outputLocation: string;
  concurrency: number | null;
  /** Remotion's codec and scale of the final render (default h264 at 1). */
  codec?: 'h264' | 'h265' | 'vp8' | 'vp9' | 'prores';
  scale?: number;
  /** Frames of the reference render, then of the final render. */
  onProgress?: (pass: 'reference' | 'final', renderedFrames: number, totalFrames: number) => void;
  /** Called as each stage begins. */
  onStage?: (
    stage: 'open' | 'referenceRender' | 'proxies' | 'generation' | 'publish' | 'finalRender' | 'close',
  ) => void;
}): Promise<NaiveRenderResult> => {
  const o = normalizeGenerateOptions({
    serveUrl: options.serveUrl,
    compositionId: options.compositionId,
    inputProps: options.inputProps,
    ...(options.prompt ? {prompt: options.prompt} : {}),
    ...(options.maxSegmentSeconds ? {maxSegmentSeconds: options.maxSegmentSeconds} : {}),
  });
  const logger = silentLogger();
  const stage = options.onStage ?? (() => undefined);
  stage('open');
  const t0 = Date.now();
  const {browserExecutable, chromeMode} = resolveBrowser({});
  const browser = await openBrowser('chrome', {
    browserExecutable,
    chromeMode,
    logLevel: 'error',
  });
  const select = () =>
    selectComposition({
      serveUrl: options.serveUrl,
      id: options.compositionId,
      inputProps: options.inputProps,
      puppeteerInstance: browser,
      browserExecutable,
      chromeMode,
      logLevel: 'error',
    });
  const client = createQubicoClient({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    dailyQuota: {directory: options.stateDir},
    logger,
  });
  try {
    const composition = await select();
    const openMs = Date.now() - t0;

    stage('referenceRender');
    let t = Date.now();
    const reference = path.join(options.workDir, 'reference.mp4');
    await renderMedia({
      serveUrl: options.serveUrl,
      composition,
      inputProps: options.inputProps,
      codec: 'h264',
      muted: true,
      scale: REFERENCE_SCALE,
      outputLocation: reference,
      overwrite: true,
      puppeteerInstance: browser,
      browserExecutable,
      chromeMode,
      concurrency: options.concurrency,
      // As in the pipeline's frame pass: no audio exists yet, <GeneratedAudio /> places nothing.
      envVariables: {REMOTION_MMAUDIO_PASS: 'frames'},
      logLevel: 'error',
      onProgress: (p) => options.onProgress?.('reference', p.renderedFrames, composition.durationInFrames),
    });
    const referenceRenderMs = Date.now() - t;

    stage('proxies');
    t = Date.now();
    // The same plan and per-segment prompts as the pipeline's.
    const {params, plan, segmentParams} = planForComposition(
      o,
      composition,
      composition.props as Record<string, unknown>,
    );
    const referenceChunk = {index: 0, startFrame: 0, endFrame: composition.durationInFrames, file: reference};
    const proxiesDir = path.join(options.workDir, 'proxies');
    const resultsDir = path.join(options.workDir, 'results');
    await mkdir(proxiesDir, {recursive: true});
    await mkdir(resultsDir, {recursive: true});
    const proxies: SegmentProxy[] = [];
    for (const segment of plan.segments) {
      proxies.push(
        await makeSegmentProxy({
          chunks: [referenceChunk],
          startFrame: segment.startFrame,
          endFrame: segment.endFrame,
          fps: composition.fps,
          width: Math.round(composition.width * REFERENCE_SCALE),
          height: Math.round(composition.height * REFERENCE_SCALE),
          outputPath: path.join(proxiesDir, `segment-${segment.index}.mp4`),
        }),
      );
    }
    const proxiesMs = Date.now() - t;

    stage('generation');
    t = Date.now();
    const backend = createQubicoBackend({
      client,
      journal: createSubmitJournal(path.join(options.cacheDir, 'journal')),
    });
    await backend.prepare?.({segments: plan.segments.length});
    const generated = await Promise.all(
      plan.segments.map(async (segment, k) => {
        const p = segmentParams[k];
        const seed = params.seed ?? randomInt(0, 2 ** 31);
        const cacheKey = computeCacheKey({
          service: serviceIdentity(client.baseUrl),
          model: MMAUDIO_MODEL,
          prompt: p.prompt ?? '',
          negativePrompt: p.negativePrompt,
          steps: p.steps,
          seed,
          pictureHash: proxies[segment.index].pictureHash,
          durationInFrames: segment.durationInFrames,
          fps: composition.fps,
        });
        const result = await backend.generate(
          {
            segmentIndex: segment.index,
            proxyPath: proxies[segment.index].path,
            durationInSeconds: segment.durationInSeconds,
            prompt: p.prompt ?? '',
            negativePrompt: p.negativePrompt,
            steps: p.steps,
            seed,
            outputPath: path.join(resultsDir, `segment-${segment.index}.wav`),
            cacheKey,
          },
          {logger},
        );
        const normalizedPath = path.join(resultsDir, `segment-${segment.index}-48k.wav`);
        const audio = await normalizeSegmentAudio({
          input: result.wavPath,
          output: normalizedPath,
          durationInSeconds: segment.durationInSeconds,
        });
        return {segment, params: p, seed, cacheKey, taskId: result.taskId, normalizedPath, audio};
      }),
    );
    const generationMs = Date.now() - t;

    stage('publish');
    t = Date.now();
    const folder = manifestFolder(options.compositionId);
    const files = new Map<string, string>();
    const manifest: Manifest = {
      version: MANIFEST_VERSION,
      compositionId: options.compositionId,
      fps: composition.fps,
      durationInFrames: composition.durationInFrames,
      backend: 'qubico',
      createdAt: new Date().toISOString(),
      segments: generated.map((g) => {
        const src = `${folder}/naive-${String(g.segment.index + 1).padStart(3, '0')}-${g.cacheKey.slice(0, 12)}.wav`;
        files.set(src, g.normalizedPath);
        return {
          index: g.segment.index,
          startFrame: g.segment.startFrame,
          endFrame: g.segment.endFrame,
          src,
          durationInSeconds: g.segment.durationInSeconds,
          sampleRate: g.audio.sampleRate,
          channels: g.audio.channels,
          fadeInFrames: g.segment.fadeInFrames,
          fadeOutFrames: g.segment.fadeOutFrames,
          prompt: g.params.prompt ?? '',
          negativePrompt: g.params.negativePrompt,
          steps: g.params.steps,
          seed: g.seed,
          taskId: g.taskId,
          cacheKey: g.cacheKey,
        };
      }),
    };
    await publishManifest({publicDirs: [options.publicDir, options.bundlePublicDir], manifest, files});
    const publishMs = Date.now() - t;

    stage('finalRender');
    t = Date.now();
    // Metadata again: calculateMetadata hands the new manifest to the component as a prop.
    const withAudio = await select();
    await renderMedia({
      serveUrl: options.serveUrl,
      composition: withAudio,
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
      // The bundle's list of static files predates the manifest: read it from the folder anyway.
      envVariables: {REMOTION_MMAUDIO_PASS: 'audio'},
      onProgress: (p) => options.onProgress?.('final', p.renderedFrames, withAudio.durationInFrames),
    });
    const finalRenderMs = Date.now() - t;

    const proxyBytes = proxies.reduce((sum, p) => sum + p.bytes, 0);
    return {
      timings: {openMs, referenceRenderMs, proxiesMs, generationMs, publishMs, finalRenderMs},
      segments: plan.segments.length,
      proxyBytesPerSecond: plan.billedSeconds > 0 ? Math.round(proxyBytes / plan.billedSeconds) : 0,
      outputBytes: (await stat(options.outputLocation)).size,
    };
  } finally {
    stage('close');
    await client.close();
    await browser.close({silent: true});
  }
};
