import {mkdir, rename, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {makeCancelSignal, renderMedia} from '@remotion/renderer';
import {UsageError} from '../errors.ts';
import {tempPathFor} from '../media/atomic.ts';
import {runFf} from '../media/ffmpeg.ts';
import {type GenerateAudioResult, runGeneration} from './generate.ts';
import {type GenerateAudioOptions, type GenerateProgress, normalizeGenerateOptions} from './options.ts';

export type RenderWithAudioOptions = GenerateAudioOptions & {
  /** Default `out/<composition-id>.mp4`. */
  outputLocation?: string;
};

export type RenderWithAudioResult = GenerateAudioResult & {
  outputLocation: string;
  timings: GenerateAudioResult['timings'] & {audioPassMs: number; muxMs: number};
};

/** Audio bitrate of the final mp4 (AAC), as Remotion's default. */
const AUDIO_BITRATE = '320k';

/**
 * Renders a composition with generated audio in one go: the frame pass renders every frame once (the
 * chunks become the final video stream, concatenated without re-encoding), the segments are generated
 * while it runs, then one audio-only pass of the composition — which now contains the new
 * `<GeneratedAudio />` layers beside its own audio, mixed by Remotion — and a mux.
 */
export const renderWithAudio = async (options: RenderWithAudioOptions): Promise<RenderWithAudioResult> => {
  const o = normalizeGenerateOptions(options);
  const outputLocation = path.resolve(options.outputLocation ?? path.join('out', `${o.compositionId}.mp4`));
  if (!/\.(mp4|mov|mkv)$/i.test(outputLocation)) {
    throw new UsageError(`The output must be an .mp4 (or .mov/.mkv) file, got ${options.outputLocation}.`);
  }
  const run = await runGeneration({
    ...o,
    onProgress: (p: GenerateProgress) => o.onProgress({...p, stage: p.stage === 'done' ? 'audio' : p.stage}),
  });
  const {session, chunks, workDir, result} = run;
  try {
    if (!session.bundlePublicDir) {
      throw new UsageError(
        'renderWithAudio needs a local bundle (entryPoint, or a serveUrl that is a folder): the audio pass reads the new wavs from its public folder.',
      );
    }
    const signal = o.signal ?? undefined;
    const report = (stage: GenerateProgress['stage'], progress: number) =>
      o.onProgress({
        stage,
        progress,
        renderedFrames: result.renderedFrames,
        totalFrames: session.composition.durationInFrames,
        segmentsDone: result.segments.length,
        segmentsTotal: result.segments.length,
        cachedSegments: result.segments.filter((s) => s.cached).length,
      });
    report('audio', 0.9);
    const tAudio = Date.now();
    const audioFile = path.join(workDir, 'audio.wav');
    const {cancelSignal, cancel} = makeCancelSignal();
    const onAbort = () => cancel();
    signal?.addEventListener('abort', onAbort, {once: true});
    try {
      await renderMedia({
        serveUrl: session.serveUrl,
        composition: session.composition,
        inputProps: session.inputProps,
        codec: 'wav',
        outputLocation: audioFile,
        overwrite: true,
        puppeteerInstance: session.browser,
        browserExecutable: session.resolvedBrowser.browserExecutable,
        chromeMode: session.resolvedBrowser.chromeMode,
        concurrency: o.concurrency,
        logLevel: session.remotionLogLevel,
        cancelSignal,
        // Props resolved before generation may carry an old manifest (withGeneratedAudioManifest):
        // this tells <GeneratedAudio /> to read the manifest just published.
        envVariables: {REMOTION_MMAUDIO_PASS: 'audio'},
        // An audio track even when everything is silent, so the mux always has one.
        enforceAudioTrack: true,
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    const audioPassMs = Date.now() - tAudio;

    report('muxing', 0.97);
    const tMux = Date.now();
    const list = path.join(workDir, 'chunks.txt');
    await writeFile(
      list,
      chunks
        .slice()
        .sort((a, b) => a.index - b.index)
        .map((c) => `file '${c.file.replace(/'/g, "'\\''")}'`)
        .join('\n'),
    );
    await mkdir(path.dirname(outputLocation), {recursive: true});
    const tmp = `${tempPathFor(outputLocation)}${path.extname(outputLocation)}`;
    try {
      await runFf(
        'ffmpeg',
        [
          '-y',
          '-f',
          'concat',
          '-safe',
          '0',
          '-i',
          list,
          '-i',
          audioFile,
          '-map',
          '0:v:0',
          '-map',
          '1:a:0',
          '-c:v',
          'copy',
          '-c:a',
          'aac',
          '-b:a',
          AUDIO_BITRATE,
          '-movflags',
          '+faststart',
          tmp,
        ],
        {signal},
      );
      await rename(tmp, outputLocation);
    } finally {
      await rm(tmp, {force: true});
    }
    const muxMs = Date.now() - tMux;
    report('done', 1);
    return {
      ...result,
      outputLocation,
      timings: {...result.timings, audioPassMs, muxMs, totalMs: result.timings.totalMs + audioPassMs + muxMs},
    };
  } finally {
    await run.dispose();
  }
};
