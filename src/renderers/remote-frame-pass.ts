import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {PLACEMENT_ARTIFACT_PREFIX} from '../contract/placement.ts';
import type {Logger} from '../log.ts';
import type {FramePassArtifact} from '../pipeline/frame-pass.ts';
import type {FramePassRenderer} from './frame-pass-renderer.ts';
import type {RemoteRenderer, RemoteRenderOutput, RemoteRenderProgress} from './remote-renderer.ts';

export type RemoteFramePass = FramePassRenderer & {
  /** The remote outputs of the last frame pass (the picture and the own audio), once it finished. */
  outputs: () => {video: RemoteRenderOutput; audio: RemoteRenderOutput} | null;
  /** Cost of both remote renders as the renderer estimated it (USD), or null when it does not say. */
  costUsd: () => number | null;
};

const sumCosts = (a: number | null, b: number | null) =>
  a === null && b === null ? null : (a ?? 0) + (b ?? 0);

/**
 * The frame pass rendered remotely: one render of the picture (h264, no audio) and, beside it, one
 * audio-only render of the composition's own audio as wav (no frames, no lossy encode), both with
 * `REMOTION_MMAUDIO_PASS=frames` so `<GeneratedAudio />` plays nothing and reports where it would. Then
 * one download of each (the proxies are cut from the local copy of the picture) and of the placement
 * reports, handed to the pipeline as a single chunk covering every frame.
 */
export const remoteFramePass = (
  remote: RemoteRenderer,
  options: {compositionId: string; inputProps: Record<string, unknown>; logger?: Logger},
): RemoteFramePass => {
  let last: {video: RemoteRenderOutput; audio: RemoteRenderOutput} | null = null;
  return {
    name: remote.name,
    outputs: () => last,
    costUsd: () => (last ? sumCosts(last.video.costUsd, last.audio.costUsd) : null),
    runFramePass: async (pass) => {
      const first = pass.chunks[0]?.startFrame ?? 0;
      const end = pass.chunks.at(-1)?.endFrame ?? 0;
      const totalFrames = end - first;
      const controller = new AbortController();
      const onAbort = () => controller.abort(pass.signal?.reason);
      pass.signal?.addEventListener('abort', onAbort, {once: true});
      let lastLogged = '';
      const log = (kind: string, p: RemoteRenderProgress) => {
        const line = `${remote.name} ${kind}: ${Math.round(p.overallProgress * 100)} %${p.chunks !== null ? `, ${p.chunks} chunks` : ''}, ${p.renderedFrames}/${totalFrames} frames${p.costUsd !== null ? `, $${p.costUsd.toFixed(4)} so far` : ''}`;
        if (line !== lastLogged) options.logger?.verbose(line);
        lastLogged = line;
      };
      const request = {
        compositionId: options.compositionId,
        inputProps: options.inputProps,
        frameRange: [first, end - 1] as [number, number],
        envVariables: {REMOTION_MMAUDIO_PASS: 'frames'},
        signal: controller.signal,
      };
      const started = [
        remote.render({
          ...request,
          kind: 'video',
          onProgress: (p) => {
            log('picture', p);
            pass.onProgress?.({renderedFrames: p.renderedFrames, totalFrames, chunk: 0, chunks: 1});
          },
        }),
        remote.render({...request, kind: 'audio', onProgress: (p) => log('own audio', p)}),
      ];
      try {
        // One failing stops the other: nothing is left rendering for nobody.
        for (const s of started) s.catch((err: unknown) => controller.abort(err));
        const [video, audio] = await Promise.all(started);
        last = {video, audio};
        options.logger?.verbose(
          `${remote.name}: picture ${video.renderId} and own audio ${audio.renderId} rendered${
            sumCosts(video.costUsd, audio.costUsd) !== null
              ? ` (about $${(sumCosts(video.costUsd, audio.costUsd) ?? 0).toFixed(4)})`
              : ''
          }; downloading.`,
        );
        const file = path.join(pass.directory, 'remote-video.mp4');
        const audioFile = path.join(pass.directory, 'remote-audio.wav');
        await Promise.all([
          remote.download(video.location, file, controller.signal),
          remote.download(audio.location, audioFile, controller.signal),
        ]);
        const artifacts: FramePassArtifact[] = [];
        const seen = new Set<string>();
        for (const artifact of [...video.artifacts, ...audio.artifacts]) {
          if (!artifact.filename.startsWith(PLACEMENT_ARTIFACT_PREFIX) || seen.has(artifact.filename))
            continue;
          seen.add(artifact.filename);
          const local = path.join(pass.directory, `artifact-${seen.size}.json`);
          await remote.download(artifact.location, local, controller.signal);
          artifacts.push({filename: artifact.filename, content: await readFile(local, 'utf8'), frame: first});
        }
        pass.onChunk({index: 0, startFrame: first, endFrame: end, file});
        // The own audio is Remotion's mix of the whole range in one output: no per-chunk joins to prove.
        return {
          renderedFrames: totalFrames,
          ownAudio: [{startFrame: first, endFrame: end, audioFile}],
          artifacts,
          mixedMediaSources: [],
        };
      } finally {
        pass.signal?.removeEventListener('abort', onAbort);
        if (!last) controller.abort(new Error('the other remote render failed'));
        await Promise.allSettled(started);
      }
    },
  };
};
