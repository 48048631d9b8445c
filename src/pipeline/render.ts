import {copyFile, mkdir, rename, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {MMAudioError, UsageError} from '../errors.ts';
import {tempPathFor} from '../media/atomic.ts';
import {runFf} from '../media/ffmpeg.ts';
import {pickTakes} from '../react/pick-takes.ts';
import type {RenderedChunk} from './frame-pass.ts';
import {type GenerateAudioResult, type GenerationRun, runGeneration} from './generate.ts';
import {
  type DirectMixDecision,
  decideDirectMix,
  measureChunkAudio,
  mixGeneratedAudio,
} from './mix-generated-audio.ts';
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
  /**
   * How the video was made: the frame pass's chunks joined without re-encoding, or — when the joined
   * chunks could not be proven to hold every frame at the right time — Remotion's own render.
   */
  videoMode: 'chunks' | 'remotion-render';
  /** Why Remotion rendered the video, when it did. */
  videoReason: string | null;
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
  await ensureWritable(outputLocation);
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
    const decision: DirectMixDecision =
      options.audioMode === 'audio-pass'
        ? {direct: false, reason: 'audioMode: audio-pass'}
        : await measureChunkAudio(chunks).then(
            (chunkAudio) =>
              decideDirectMix({
                fps: session.composition.fps,
                compositionId: o.compositionId,
                durationInFrames: session.composition.durationInFrames,
                manifest: result.manifest,
                artifacts: run.artifacts,
                chunkAudio,
                mixedMediaSources: run.mixedMediaSources,
              }),
            (err: unknown) => ({
              direct: false as const,
              reason: `a chunk's audio could not be read (${err instanceof Error ? err.message : String(err)})`,
            }),
          );
    if (decision.direct) {
      o.logger.verbose(
        'Mixing the generated layers directly (same samples as an audio pass, without rendering one).',
      );
      await mixGeneratedAudio({
        chunks,
        // The takes <GeneratedAudio /> picked (mmaudio.takes), as it reported them in the frame pass.
        manifest: pickTakes(result.manifest, decision.takes),
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
    await mkdir(path.dirname(outputLocation), {recursive: true});
    const video = await muxChunksWithAudio({
      chunks,
      audioFile,
      workDir,
      outputLocation,
      fps: session.composition.fps,
      durationInFrames: session.composition.durationInFrames,
      signal,
    });
    let videoMode: RenderWithAudioResult['videoMode'] = 'chunks';
    if (!video.ok) {
      // The joined chunks are not provably what Remotion renders: let Remotion render the mp4 itself.
      o.logger.verbose(`Rendering the video with Remotion: ${video.reason}.`);
      videoMode = 'remotion-render';
      await renderWholeWithRemotion({session, outputLocation, concurrency: o.concurrency, signal});
    }
    const muxMs = Date.now() - tMux;
    report('done', 1);
    return {
      ...result,
      outputLocation,
      audioMode: decision.direct ? 'direct' : 'audio-pass',
      audioPassReason: decision.direct ? null : decision.reason,
      videoMode,
      videoReason: video.ok ? null : video.reason,
      timings: {...result.timings, audioPassMs, muxMs, totalMs: result.timings.totalMs + audioPassMs + muxMs},
    };
  } catch (err) {
    if (o.signal?.aborted) throw err;
    throw new AudioKeptError(result, err);
  } finally {
    await run.dispose();
  }
};

/**
 * Bad input before any work or money: the output's folder is created and a probe file written and removed
 * there, so an output that cannot be written fails now, not after the segments were paid for.
 */
const ensureWritable = async (outputLocation: string): Promise<void> => {
  const probe = `${tempPathFor(outputLocation)}.probe`;
  try {
    await mkdir(path.dirname(outputLocation), {recursive: true});
    await writeFile(probe, '');
  } catch (err) {
    throw new UsageError(
      `Cannot write the output ${outputLocation}: ${err instanceof Error ? err.message : String(err)}. Nothing was rendered or sent.`,
      {cause: err},
    );
  } finally {
    await rm(probe, {force: true}).catch(() => undefined);
  }
};

/**
 * A failure after the generated audio was published (mix, mux, disk): the paid audio is safe, and the
 * message says where it is and how to finish without paying again.
 */
export class AudioKeptError extends MMAudioError {
  readonly manifestPath: string;
  constructor(result: GenerateAudioResult, cause: unknown) {
    const why = (cause instanceof Error ? cause.message : String(cause)).trim();
    const [first, ...rest] = why.split('\n');
    const relative = path.relative(process.cwd(), result.manifestPath);
    const where = relative && !relative.startsWith('..') ? relative : result.manifestPath;
    super(
      [
        ...rest,
        `Could not write the video (${first.replace(/\.$/, '')}). The generated audio is kept: ${where} and its ` +
          `${result.segments.length} wav(s) are published, so \`npx remotion render\` plays them, and running ` +
          'this command again renders the video without billing them again.',
      ].join('\n'),
      {cause, exitCode: cause instanceof MMAudioError ? cause.exitCode : 1},
    );
    this.manifestPath = result.manifestPath;
  }
}

/**
 * Joins the chunks' video (no re-encoding, as Remotion joins its own chunks: `-r fps -f concat -c:v copy`)
 * with the final audio, then checks what came out: as many video frames as the composition has, lasting
 * frames / fps. Returns why not when it cannot prove that, leaving no output behind.
 */
const muxChunksWithAudio = async (options: {
  chunks: RenderedChunk[];
  audioFile: string;
  workDir: string;
  outputLocation: string;
  fps: number;
  durationInFrames: number;
  signal?: AbortSignal;
}): Promise<{ok: true} | {ok: false; reason: string}> => {
  const {outputLocation} = options;
  const list = path.join(options.workDir, 'chunks.txt');
  await writeFile(
    list,
    options.chunks
      .slice()
      .sort((a, b) => a.startFrame - b.startFrame)
      .map((c) => `file '${c.file.replace(/'/g, "'\\''")}'`)
      .join('\n'),
  );
  const tmp = `${tempPathFor(outputLocation)}${path.extname(outputLocation)}`;
  try {
    await runFf(
      'ffmpeg',
      [
        '-y',
        '-r',
        String(options.fps),
        '-f',
        'concat',
        '-safe',
        '0',
        '-i',
        list,
        '-i',
        options.audioFile,
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
      {signal: options.signal},
    );
    const probe = await probeVideoStream(tmp, options.signal);
    const expectedSeconds = options.durationInFrames / options.fps;
    if (probe.frames !== options.durationInFrames) {
      return {
        ok: false,
        reason: `the joined chunks hold ${probe.frames} video frames, the composition ${options.durationInFrames}`,
      };
    }
    if (Math.abs(probe.durationInSeconds - expectedSeconds) > 0.5 / options.fps) {
      return {
        ok: false,
        reason: `the joined chunks last ${probe.durationInSeconds.toFixed(4)} s, the composition ${expectedSeconds.toFixed(4)} s`,
      };
    }
    await rename(tmp, outputLocation);
    return {ok: true};
  } finally {
    await rm(tmp, {force: true});
  }
};

/** Counts the video packets (= frames, no B-frame reordering matters for a count) and reads the duration. */
export const probeVideoStream = async (
  file: string,
  signal?: AbortSignal,
): Promise<{frames: number; durationInSeconds: number}> => {
  const {stdout} = await runFf(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-count_packets',
      '-show_entries',
      'stream=nb_read_packets,duration',
      '-of',
      'json',
      file,
    ],
    {signal},
  );
  const parsed = JSON.parse(stdout.toString()) as {
    streams?: {nb_read_packets?: string; duration?: string}[];
  };
  const stream = parsed.streams?.[0];
  return {frames: Number(stream?.nb_read_packets ?? 0), durationInSeconds: Number(stream?.duration ?? 0)};
};

/** Remotion's own render of the whole composition, generated layers included: the fallback for the video. */
const renderWholeWithRemotion = async (options: {
  session: GenerationRun['session'];
  outputLocation: string;
  concurrency: number | null;
  signal?: AbortSignal;
}): Promise<void> => {
  const tmp = `${tempPathFor(options.outputLocation)}${path.extname(options.outputLocation)}`;
  try {
    await options.session.render(
      {
        codec: 'h264',
        outputLocation: tmp,
        overwrite: true,
        concurrency: options.concurrency,
        envVariables: {REMOTION_MMAUDIO_PASS: 'audio'},
        enforceAudioTrack: true,
      },
      options.signal,
    );
    await rename(tmp, options.outputLocation);
  } finally {
    await rm(tmp, {force: true});
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
