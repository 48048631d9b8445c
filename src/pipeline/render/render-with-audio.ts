import path from 'node:path';
import {UsageError} from '../../errors.ts';
import {runGeneration} from '../generation/run-generation.ts';
import type {GenerateProgress} from '../options/generate-progress.ts';
import {generationSettingsFor, resolveFrameRange} from '../render-settings.ts';
import {AudioKeptError} from './audio-kept-error.ts';
import {checkOutputLocation} from './check-output-location.ts';
import {joinChunks} from './join-chunks.ts';
import {makeFinalAudio} from './make-final-audio.ts';
import {normalizeRenderWithAudioOptions} from './normalize-render-with-audio-options.ts';
import type {RenderWithAudioOptions} from './render-with-audio-options.ts';
import type {RenderWithAudioResult} from './render-with-audio-result.ts';
import {writeFinalOutput} from './write-final-output.ts';

/**
 * Renders a composition with generated audio in one go: the frame pass renders every frame once (the
 * chunks become the final video stream, concatenated without re-encoding, and their wavs the
 * composition's own audio), the segments are generated while it runs, then the final audio — mixed
 * directly when that gives exactly what Remotion would, else by one audio-only render of the composition,
 * which now plays the new `<GeneratedAudio />` layers beside its own audio — and a mux.
 */
export const renderWithAudio = async (options: RenderWithAudioOptions): Promise<RenderWithAudioResult> => {
  const n = normalizeRenderWithAudioOptions(options);
  const {generate: o, settings: s, outputLocation} = n;
  await checkOutputLocation({outputLocation, overwrite: n.overwrite});
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
      ...generationSettingsFor(s, n.webpackOverride),
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
  const {session, workDir, result} = run;
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
    const frameRange: [number, number] | null =
      frames === session.composition.durationInFrames ? null : [first, last];
    const decision = await makeFinalAudio({
      run,
      compositionId: o.compositionId,
      publicDir: o.publicDir,
      audioMode: n.audioMode,
      frameRange,
      audioFile,
      separateAudioTo: n.separateAudioTo,
      concurrency: o.concurrency,
      logger: o.logger,
      signal,
    });
    const audioPassMs = Date.now() - tAudio;

    report('muxing', 0.97);
    const tMux = Date.now();
    const finalAudioCodec = s.muted ? null : s.audioCodec;
    const {videoMode, video} = await writeFinalOutput({
      run,
      settings: s,
      joinedVideo,
      audioFile,
      audioCodec: finalAudioCodec,
      outputLocation,
      frameRange,
      durationInFrames: frames,
      concurrency: o.concurrency,
      logger: o.logger,
      signal,
    });
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
