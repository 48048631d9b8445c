import {copyFile, mkdir} from 'node:fs/promises';
import path from 'node:path';
import {pickTakes} from '../contract/pick-takes.ts';
import {UsageError} from '../errors.ts';
import {type GenerateAudioResult, type GenerationRun, runGeneration} from '../pipeline/generate.ts';
import {decideDirectMix, measureChunkAudio, mixGeneratedAudio} from '../pipeline/mix-generated-audio.ts';
import {type GenerateAudioOptions, normalizeGenerateOptions} from '../pipeline/options.ts';
import {
  type PublishGeneratedOptions,
  type PublishGeneratedResult,
  withPublishing,
} from '../pipeline/publish-generated.ts';
import {AudioKeptError} from '../pipeline/render/audio-kept-error.ts';
import {muxRemoteVideo} from './mux-remote-video.ts';
import {parseS3ObjectUrl} from './parse-s3-object-url.ts';
import {remoteFramePass} from './remote-frame-pass.ts';
import type {RemoteLocation, RemoteRenderer} from './remote-renderer.ts';

export type RenderWithRendererOptions = GenerateAudioOptions &
  PublishGeneratedOptions & {
    /** Who renders the picture and the composition's own audio (createLambdaRenderer(), or a test's). */
    renderer: RemoteRenderer;
    /** The final mp4 here. Default `out/<composition-id>.mp4`. */
    outputLocation?: string;
    /**
     * Also upload the final mp4: `s3://bucket/key.mp4`, or `next-to-output` (beside the remote picture, as
     * `<its name>-mmaudio.mp4`). Endpoint and credentials as `cacheUrl`. Default none.
     */
    uploadTo?: string | null;
    /** Bitrate of the AAC track (default 320k, as Remotion). */
    audioBitrate?: string | null;
    /** Also write the final audio (48 kHz stereo 16-bit wav) here. */
    separateAudioTo?: string | null;
  };

export type RenderWithRendererResult = GenerateAudioResult &
  PublishGeneratedResult & {
    outputLocation: string;
    /** `direct`: the layers mixed here into the remote own-audio wav; `remote-audio-pass`: rendered remotely with the published manifest in the props. */
    audioMode: 'direct' | 'remote-audio-pass';
    audioPassReason: string | null;
    remote: {video: RemoteLocation; audio: RemoteLocation; costUsd: number | null};
    uploaded: {bucket: string; key: string; bytes: number} | null;
  };

const nextTo = (location: RemoteLocation): string => {
  if (!location.bucket || !location.key) {
    throw new UsageError(`uploadTo: next-to-output needs a remote output in a bucket, got ${location.url}.`);
  }
  const key = location.key.replace(/(\.[a-z0-9]+)?$/i, '-mmaudio.mp4');
  return `s3://${location.bucket}/${key}`;
};

/**
 * Renders with generated audio when the picture is rendered elsewhere (Remotion Lambda): the composition
 * is rendered once remotely (picture, and its own audio as wav); here the proxies are cut from one
 * download of the picture, the segments generated, the layers mixed into the own audio exactly as the
 * local direct mix does (or, where that is not proven, the audio rendered remotely once more with the
 * published manifest in the props), and the final mp4 muxed with the video stream copied.
 */
export const renderWithRenderer = async (
  options: RenderWithRendererOptions,
): Promise<RenderWithRendererResult> => {
  const o = normalizeGenerateOptions(options);
  const outputLocation = path.resolve(options.outputLocation ?? path.join('out', `${o.compositionId}.mp4`));
  if (path.extname(outputLocation).toLowerCase() !== '.mp4') {
    throw new UsageError(`A remote render writes an mp4 (h264 + AAC); ${outputLocation} is not one.`);
  }
  if (options.uploadTo && options.uploadTo !== 'next-to-output') parseS3ObjectUrl(options.uploadTo);
  const pass = remoteFramePass(options.renderer, {
    compositionId: o.compositionId,
    inputProps: o.inputProps,
    logger: o.logger,
  });
  let run: GenerationRun | null = null;
  try {
    const result = await withPublishing(options, async () => {
      run = await runGeneration(o, {framePass: pass.runFramePass});
      return run.result;
    });
    const generation = run as unknown as GenerationRun;
    const outputs = pass.outputs();
    if (!outputs || generation.chunks.length !== 1) throw new Error('the remote frame pass left no output');
    const [chunk] = generation.chunks;
    try {
      const {composition} = generation.session;
      const audioFile = path.join(generation.workDir, 'final-audio.wav');
      const decision = decideDirectMix({
        fps: composition.fps,
        compositionId: o.compositionId,
        durationInFrames: composition.durationInFrames,
        manifest: result.manifest,
        artifacts: generation.artifacts,
        chunkAudio: await measureChunkAudio(generation.ownAudio),
        mixedMediaSources: generation.mixedMediaSources,
      });
      if (decision.direct) {
        o.logger.verbose("Mixing the generated layers into the remote render's own audio here.");
        await mixGeneratedAudio({
          chunks: generation.ownAudio,
          manifest: pickTakes(result.manifest, decision.takes),
          publicDir: o.publicDir,
          volume: decision.volume,
          muted: decision.muted,
          output: audioFile,
        });
      } else if (result.published) {
        o.logger.verbose(`Rendering the audio remotely with the published manifest: ${decision.reason}.`);
        const audio = await options.renderer.render({
          compositionId: o.compositionId,
          inputProps: result.published.inputProps,
          frameRange: [0, composition.durationInFrames - 1],
          kind: 'audio',
          envVariables: {},
          ...(o.signal ? {signal: o.signal} : {}),
        });
        await options.renderer.download(audio.location, audioFile, o.signal ?? undefined);
      } else {
        throw new UsageError(
          `The generated layers cannot be mixed here (${decision.reason}), and the remote renderer cannot read public/: pass publishUrl (--publish-url) so it renders them from the published manifest.`,
        );
      }
      if (options.separateAudioTo) {
        await mkdir(path.dirname(path.resolve(options.separateAudioTo)), {recursive: true});
        await copyFile(audioFile, path.resolve(options.separateAudioTo));
      }
      await mkdir(path.dirname(outputLocation), {recursive: true});
      await muxRemoteVideo({
        video: chunk.file,
        audio: audioFile,
        output: outputLocation,
        workDir: generation.workDir,
        fps: composition.fps,
        durationInFrames: composition.durationInFrames,
        audioBitrate: options.audioBitrate ?? null,
        ...(o.signal ? {signal: o.signal} : {}),
      });
      let uploaded: RenderWithRendererResult['uploaded'] = null;
      if (options.uploadTo) {
        const target =
          options.uploadTo === 'next-to-output' ? nextTo(outputs.video.location) : options.uploadTo;
        const {uploadFileToS3} = await import('./upload-file-to-s3.ts');
        uploaded = await uploadFileToS3({
          file: outputLocation,
          url: target,
          contentType: 'video/mp4',
          endpoint: o.cacheEndpoint,
        });
        o.logger.info(`Uploaded ${path.basename(outputLocation)} to s3://${uploaded.bucket}/${uploaded.key}`);
      }
      return {
        ...result,
        outputLocation,
        audioMode: decision.direct ? 'direct' : 'remote-audio-pass',
        audioPassReason: decision.direct ? null : decision.reason,
        remote: {video: outputs.video.location, audio: outputs.audio.location, costUsd: pass.costUsd()},
        uploaded,
      };
    } catch (err) {
      if (o.signal?.aborted) throw err;
      throw new AudioKeptError(result, err);
    }
  } finally {
    await (run as GenerationRun | null)?.dispose();
  }
};
