import {existsSync} from 'node:fs';
import {copyFile, mkdir, rename, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import type {WebpackOverrideFn} from '@remotion/bundler';
import {type AudioCodec, validateOutputFilename} from '@remotion/renderer';
import {pickTakes} from '../contract/pick-takes.ts';
import {MMAudioError, UsageError} from '../errors.ts';
import {tempPathFor} from '../media/atomic.ts';
import {runFf} from '../media/ffmpeg.ts';
import type {RenderedChunk} from './frame-pass.ts';
import {type GenerateAudioResult, type GenerationRun, runGeneration} from './generate.ts';
import {
  type DirectMixDecision,
  decideDirectMix,
  measureChunkAudio,
  mixGeneratedAudio,
} from './mix-generated-audio.ts';
import {type GenerateAudioOptions, type GenerateProgress, normalizeGenerateOptions} from './options.ts';
import {
  defaultExtensionFor,
  generationSettingsFor,
  type NormalizedRenderSettings,
  normalizeRenderSettings,
  type RemotionRenderSettings,
  resolveFrameRange,
} from './render-settings.ts';

export type RenderWithAudioOptions = GenerateAudioOptions &
  RemotionRenderSettings & {
    /** Default `out/<composition-id>.<extension of the codec>` (mp4 for h264, webm for vp9, mov for prores…). */
    outputLocation?: string;
    /** Replace an existing output (default true, as `npx remotion render`). */
    overwrite?: boolean;
    /** The project's webpack override (remotion.config.ts `Config.overrideWebpackConfig`), used when bundling. */
    webpackOverride?: WebpackOverrideFn | null;
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
  /** The output's codec and audio codec (null: no audio track). */
  codec: NormalizedRenderSettings['codec'];
  audioCodec: AudioCodec | null;
  /** How the final audio was made: mixed directly, or by an audio-only render of the composition. */
  audioMode: 'direct' | 'audio-pass';
  /** Why the audio pass was needed, when it was. */
  audioPassReason: string | null;
  /**
   * How the video was made: the frame pass's chunks joined without re-encoding, or — when the joined
   * chunks could not be proven to hold every frame at the right time, or the codec's chunks cannot be
   * joined (gif) — Remotion's own render; `none` for an audio-only codec (mp3, aac, wav).
   */
  videoMode: 'chunks' | 'remotion-render' | 'none';
  /** Why Remotion rendered the video, when it did. */
  videoReason: string | null;
  timings: GenerateAudioResult['timings'] & {audioPassMs: number; muxMs: number};
};

/** Audio bitrate of the output, as Remotion's default. */
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
  const s = normalizeRenderSettings(options);
  const outputLocation = path.resolve(
    options.outputLocation ??
      path.join('out', `${o.compositionId}.${defaultExtensionFor(s.codec, s.audioCodec)}`),
  );
  try {
    validateOutputFilename({
      codec: s.codec,
      audioCodecSetting: options.audioCodec ?? null,
      extension: path.extname(outputLocation).slice(1),
      preferLossless: false,
      separateAudioTo: null,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (s.muted && s.path.kind === 'audio-only') {
    throw new UsageError(`--muted leaves nothing to write with the audio-only codec ${s.codec}.`);
  }
  if (options.overwrite === false && existsSync(outputLocation)) {
    throw new UsageError(`${outputLocation} exists; pass --overwrite to replace it.`);
  }
  await ensureWritable(outputLocation);
  // Say at the start which way the output is made, and why when it is not frames-once.
  if (s.path.kind === 'remotion-render') {
    o.logger.warn(
      `--codec ${s.codec}: ${s.path.reason}, so the frames are rendered as h264 for the audio and Remotion renders the ${s.codec} itself (the picture twice).`,
    );
  } else if (s.path.kind === 'audio-only') {
    o.logger.info(
      `--codec ${s.codec} is audio only: the frames are rendered once (h264, never written out) because the audio is generated from the picture.`,
    );
  }
  // The chunks' video is joined as soon as every frame is rendered, beside the wait for the API, the
  // publish and the audio: only the mux with the final audio is left after them.
  let joinedVideo: Promise<string | null> = Promise.resolve(null);
  const run = await runGeneration(
    {
      ...o,
      onProgress: (p: GenerateProgress) =>
        o.onProgress({...p, stage: p.stage === 'done' ? 'audio' : p.stage}),
    },
    {
      ...generationSettingsFor(s, options.webpackOverride ?? null),
      ...(s.path.kind === 'chunks'
        ? {
            onFramesRendered: ({chunks, fps}) => {
              joinedVideo = joinChunks({chunks, fps, signal: o.signal ?? undefined}).catch((err: unknown) => {
                o.logger.verbose(
                  `Joining the chunks early failed (${err instanceof Error ? err.message : String(err)}); they are joined with the audio.`,
                );
                return null;
              });
            },
          }
        : {}),
    },
  );
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
    const [first, last] = resolveFrameRange(s.frameRange, session.composition.durationInFrames);
    const frames = last - first + 1;
    const wholeComposition = frames === session.composition.durationInFrames;
    const frameRange: [number, number] | null = wholeComposition ? null : [first, last];
    const decision: DirectMixDecision =
      options.audioMode === 'audio-pass'
        ? {direct: false, reason: 'audioMode: audio-pass'}
        : !wholeComposition
          ? {direct: false, reason: `--frames ${first}-${last}: Remotion places the audio of a range`}
          : await measureChunkAudio(run.ownAudio).then(
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
        chunks: run.ownAudio,
        // The takes <GeneratedAudio /> picked (mmaudio.takes), as it reported them in the frame pass.
        manifest: pickTakes(result.manifest, decision.takes),
        publicDir: o.publicDir,
        volume: decision.volume,
        muted: decision.muted,
        output: audioFile,
      });
    } else {
      o.logger.verbose(`Rendering the audio with Remotion: ${decision.reason}.`);
      await renderAudioPass({session, audioFile, concurrency: o.concurrency, frameRange, signal});
    }
    if (options.separateAudioTo) {
      await mkdir(path.dirname(path.resolve(options.separateAudioTo)), {recursive: true});
      await copyFile(audioFile, path.resolve(options.separateAudioTo));
    }
    const audioPassMs = Date.now() - tAudio;

    report('muxing', 0.97);
    const tMux = Date.now();
    await mkdir(path.dirname(outputLocation), {recursive: true});
    let videoMode: RenderWithAudioResult['videoMode'];
    let video: {ok: true} | {ok: false; reason: string};
    const finalAudioCodec = s.muted ? null : s.audioCodec;
    if (s.path.kind === 'audio-only') {
      // The audio, encoded as Remotion encodes an audio-only render (compressAudio's arguments).
      videoMode = 'none';
      video = {ok: true};
      const tmp = `${tempPathFor(outputLocation)}${path.extname(outputLocation)}`;
      try {
        await encodeAudio({
          input: audioFile,
          output: tmp,
          audioCodec: s.audioCodec ?? 'pcm-16',
          audioBitrate: s.audioBitrate,
          signal,
        });
        await rename(tmp, outputLocation);
      } finally {
        await rm(tmp, {force: true});
      }
    } else {
      video =
        s.path.kind === 'chunks'
          ? await muxChunksWithAudio({
              chunks,
              joinedVideo: await joinedVideo,
              audioFile: finalAudioCodec ? audioFile : null,
              audioCodec: finalAudioCodec,
              audioBitrate: s.audioBitrate,
              workDir,
              outputLocation,
              fps: session.composition.fps,
              durationInFrames: frames,
              signal,
            })
          : {ok: false, reason: s.path.reason};
      videoMode = 'chunks';
      if (!video.ok) {
        // The joined chunks are not provably what Remotion renders: let Remotion render the video itself.
        o.logger.verbose(`Rendering the video with Remotion: ${video.reason}.`);
        videoMode = 'remotion-render';
        await renderWholeWithRemotion({
          session,
          settings: s,
          frameRange,
          outputLocation,
          concurrency: o.concurrency,
          signal,
        });
      }
    }
    const muxMs = Date.now() - tMux;
    report('done', 1);
    return {
      ...result,
      outputLocation,
      codec: s.codec,
      audioCodec: finalAudioCodec,
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
  /** The chunks already joined (joinChunks), or null to join them here. */
  joinedVideo: string | null;
  /** null: no audio track (`--muted`). */
  audioFile: string | null;
  audioCodec: AudioCodec | null;
  audioBitrate?: string | null;
  workDir: string;
  outputLocation: string;
  fps: number;
  durationInFrames: number;
  signal?: AbortSignal;
}): Promise<{ok: true} | {ok: false; reason: string}> => {
  const {outputLocation} = options;
  const video = options.joinedVideo
    ? ['-i', options.joinedVideo]
    : ['-r', String(options.fps), '-f', 'concat', '-safe', '0', '-i', await writeConcatList(options.chunks)];
  const tmp = `${tempPathFor(outputLocation)}${path.extname(outputLocation)}`;
  // The audio encoded apart, as Remotion does (compressAudio), then muxed with -c copy.
  let audio: string | null = null;
  if (options.audioFile && options.audioCodec) {
    audio = path.join(options.workDir, `audio.${AUDIO_FILE_EXTENSION[options.audioCodec]}`);
    await encodeAudio({
      input: options.audioFile,
      output: audio,
      audioCodec: options.audioCodec,
      audioBitrate: options.audioBitrate,
      signal: options.signal,
    });
  }
  const fastStart = /\.(mp4|mov|m4a)$/i.test(outputLocation);
  try {
    await runFf(
      'ffmpeg',
      [
        '-y',
        ...video,
        ...(audio ? ['-i', audio] : []),
        '-map',
        '0:v:0',
        ...(audio ? ['-map', '1:a:0'] : []),
        '-c:v',
        'copy',
        ...(audio ? ['-c:a', 'copy'] : []),
        ...(fastStart ? ['-movflags', '+faststart'] : []),
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

/** The concat demuxer's list of the chunks, in order, beside them. */
const writeConcatList = async (chunks: RenderedChunk[]): Promise<string> => {
  const sorted = chunks.slice().sort((a, b) => a.startFrame - b.startFrame);
  const list = path.join(path.dirname(sorted[0].file), 'chunks.txt');
  await writeFile(list, sorted.map((c) => `file '${c.file.replace(/'/g, "'\\''")}'`).join('\n'));
  return list;
};

/**
 * Joins the chunks' video into one file beside them, without re-encoding, as Remotion joins its own
 * chunks (`-r fps -f concat -c:v copy`). The mux then only adds the audio (`-c copy`), and checks it all.
 */
const joinChunks = async (options: {
  chunks: RenderedChunk[];
  fps: number;
  signal?: AbortSignal;
}): Promise<string> => {
  const list = await writeConcatList(options.chunks);
  const output = path.join(path.dirname(list), `joined${path.extname(options.chunks[0].file)}`);
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
      '-map',
      '0:v:0',
      '-c:v',
      'copy',
      output,
    ],
    {signal: options.signal},
  );
  return output;
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
      'stream=nb_read_packets,duration:format=duration',
      '-of',
      'json',
      file,
    ],
    {signal},
  );
  const parsed = JSON.parse(stdout.toString()) as {
    streams?: {nb_read_packets?: string; duration?: string}[];
    format?: {duration?: string};
  };
  const stream = parsed.streams?.[0];
  // Matroska/WebM keep the duration on the container, not the stream.
  return {
    frames: Number(stream?.nb_read_packets ?? 0),
    durationInSeconds: Number(stream?.duration ?? parsed.format?.duration ?? 0),
  };
};

/** Remotion's own render of the whole composition, generated layers included: the fallback for the video. */
const renderWholeWithRemotion = async (options: {
  session: GenerationRun['session'];
  settings: NormalizedRenderSettings;
  frameRange: [number, number] | null;
  outputLocation: string;
  concurrency: number | null;
  signal?: AbortSignal;
}): Promise<void> => {
  const {settings} = options;
  const tmp = `${tempPathFor(options.outputLocation)}${path.extname(options.outputLocation)}`;
  try {
    await options.session.render(
      {
        ...settings.picture,
        codec: settings.codec,
        ...(settings.audioCodec ? {audioCodec: settings.audioCodec} : {}),
        audioBitrate: settings.audioBitrate,
        muted: settings.muted,
        frameRange: options.frameRange,
        outputLocation: tmp,
        overwrite: true,
        concurrency: options.concurrency,
        envVariables: {REMOTION_MMAUDIO_PASS: 'audio'},
        enforceAudioTrack: !settings.muted && settings.codec !== 'gif',
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
  frameRange: [number, number] | null;
  signal?: AbortSignal;
}): Promise<void> => {
  await options.session.render(
    {
      codec: 'wav',
      frameRange: options.frameRange,
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

const AUDIO_FILE_EXTENSION: Record<AudioCodec, string> = {
  aac: 'aac',
  mp3: 'mp3',
  opus: 'opus',
  'pcm-16': 'wav',
};
const FFMPEG_AUDIO_ENCODER: Record<AudioCodec, string> = {
  aac: 'libfdk_aac',
  mp3: 'libmp3lame',
  opus: 'libopus',
  'pcm-16': 'pcm_s16le',
};

/**
 * Encodes the final audio (48 kHz stereo 16-bit wav) as Remotion's compressAudio does: the same encoder
 * (libfdk_aac, libmp3lame, libopus), bitrate (default 320k), ADTS and 18 kHz cutoff for AAC; pcm-16 is
 * the wav itself.
 */
const encodeAudio = async (options: {
  input: string;
  output: string;
  audioCodec: AudioCodec;
  audioBitrate?: string | null;
  signal?: AbortSignal;
}): Promise<void> => {
  if (options.audioCodec === 'pcm-16') {
    await copyFile(options.input, options.output);
    return;
  }
  const aac = options.audioCodec === 'aac';
  await runFf(
    'ffmpeg',
    [
      '-hide_banner',
      '-i',
      options.input,
      '-c:a',
      FFMPEG_AUDIO_ENCODER[options.audioCodec],
      ...(aac ? ['-f', 'adts'] : []),
      '-b:a',
      options.audioBitrate || AUDIO_BITRATE,
      ...(aac ? ['-cutoff', '18000'] : []),
      '-y',
      options.output,
    ],
    {signal: options.signal},
  );
};
