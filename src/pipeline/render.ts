import {copyFile, mkdir, rename, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {UsageError} from '../errors.ts';
import {tempPathFor} from '../media/atomic.ts';
import {runFf} from '../media/ffmpeg.ts';
import {type GenerateAudioResult, type GenerationRun, runGeneration} from './generate.ts';
import {decideDirectMix, mixGeneratedAudio} from './mix-generated-audio.ts';
import {type GenerateAudioOptions, type GenerateProgress, normalizeGenerateOptions} from './options.ts';

export type RenderWithAudioOptions = GenerateAudioOptions & {
  /** Default `out/<composition-id>.mp4`. */
  outputLocation?: string;
  /**
   * `auto` (default): when it provably gives the same samples (see mix-generated-audio.ts), mix the
   * generated layers with the composition's own audio (captured by the frame pass) directly and skip the
   * audio-only render; otherwise render the audio. `audio-pass`: always render the audio with Remotion.
   */
  audioMode?: 'auto' | 'audio-pass';
  /** Also write the final audio (48 kHz stereo 16-bit wav) here, as Remotion's `separateAudioTo`. */
  separateAudioTo?: string | null;
};

export type RenderWithAudioResult = GenerateAudioResult & {
  outputLocation: string;
  /** How the final audio was made: mixed directly, or by an audio-only render of the composition. */
  audioMode: 'direct' | 'audio-pass';
  /** Why the audio pass was needed, when it was. */
  audioPassReason: string | null;
  timings: GenerateAudioResult['timings'] & {audioPassMs: number; muxMs: number};
};

/** Audio bitrate of the final mp4 (AAC), as Remotion's default. */
const AUDIO_BITRATE = '320k';

/**
 * Renders a composition with generated audio in one go: the frame pass renders every frame once (the
 * chunks become the final video stream, concatenated without re-encoding, and their wavs the
 * composition's own audio), the segments are generated while it runs, then the final audio — mixed
 * directly when that gives exactly what Remotion would, else by one audio-only render of the composition,
 * which now plays the new `<GeneratedAudio />` layers beside its own audio — and a mux.
 */
export const renderWithAudio = async (options: RenderWithAudioOptions): Promise<RenderWithAudioResult> => {
  const o = normalizeGenerateOptions(options);
  if (options.audioMode !== undefined && options.audioMode !== 'auto' && options.audioMode !== 'audio-pass') {
    throw new UsageError(
      `audioMode must be "auto" or "audio-pass", got ${JSON.stringify(options.audioMode)}.`,
    );
  }
  if (o.serveUrl && /^https?:\/\//.test(o.serveUrl)) {
    throw new UsageError(
      'renderWithAudio needs a local bundle (entryPoint, or a serveUrl that is a folder): the audio is read from its public folder.',
    );
  }
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
    const decision =
      options.audioMode === 'audio-pass'
        ? ({direct: false, reason: 'audioMode: audio-pass'} as const)
        : decideDirectMix({
            fps: session.composition.fps,
            compositionId: o.compositionId,
            manifest: result.manifest,
            artifacts: run.artifacts,
            chunks,
          });
    if (decision.direct) {
      o.logger.verbose(
        'Mixing the generated layers directly (same samples as an audio pass, without rendering one).',
      );
      await mixGeneratedAudio({
        chunks,
        manifest: result.manifest,
        publicDir: o.publicDir,
        volume: decision.volume,
        muted: decision.muted,
        output: audioFile,
      });
    } else {
      o.logger.verbose(`Rendering the audio with Remotion: ${decision.reason}.`);
      await renderAudioPass({session, audioFile, concurrency: o.concurrency, signal});
    }
    if (options.separateAudioTo) {
      await mkdir(path.dirname(path.resolve(options.separateAudioTo)), {recursive: true});
      await copyFile(audioFile, path.resolve(options.separateAudioTo));
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
      audioMode: decision.direct ? 'direct' : 'audio-pass',
      audioPassReason: decision.direct ? null : decision.reason,
      timings: {...result.timings, audioPassMs, muxMs, totalMs: result.timings.totalMs + audioPassMs + muxMs},
    };
  } finally {
    await run.dispose();
  }
};

/**
 * One audio-only render of the whole composition with the new layers: Remotion mixes them with the
 * composition's own audio. Reuses the bundle (the wavs were written into its public folder) and browser.
 */
const renderAudioPass = async (options: {
  session: GenerationRun['session'];
  audioFile: string;
  concurrency: number | null;
  signal?: AbortSignal;
}): Promise<void> => {
  await options.session.render(
    {
      codec: 'wav',
      outputLocation: options.audioFile,
      overwrite: true,
      concurrency: options.concurrency,
      // Props resolved before generation may carry an old manifest (withGeneratedAudioManifest):
      // this tells <GeneratedAudio /> to read the manifest just published.
      envVariables: {REMOTION_MMAUDIO_PASS: 'audio'},
      // An audio track even when everything is silent, so the mux always has one.
      enforceAudioTrack: true,
    },
    options.signal,
  );
};
