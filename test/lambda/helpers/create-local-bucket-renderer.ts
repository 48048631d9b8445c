import {randomUUID} from 'node:crypto';
import {mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {renderMedia, selectComposition} from '@remotion/renderer';
import {downloadOverHttp} from '../../../src/renderers/download-over-http.ts';
import type {RemoteRenderer, RemoteRenderRequest} from '../../../src/renderers/remote-renderer.ts';
import {BROWSER} from './render-wav.ts';
import {type ServedDirectory, serveDirectory} from './serve-directory.ts';

export type LocalBucketRenderer = RemoteRenderer & {
  server: ServedDirectory;
  /** Every render asked for, and the frames Remotion reported rendering for it. */
  renders: {
    kind: RemoteRenderRequest['kind'];
    frameRange: [number, number];
    renderedFrames: number;
    env: Record<string, string>;
  }[];
  close: () => Promise<void>;
};

/**
 * The remote renderer of the tests: renders with `renderMedia` on this machine from a site bundled
 * beforehand (as a Lambda site is deployed before the audio exists) and serves each output, and the
 * artifacts the composition emitted, over HTTP on 127.0.0.1 as a bucket serves them. Everything the
 * pipeline does after "the remote render finished" runs for real against it.
 */
export const createLocalBucketRenderer = async (options: {
  serveUrl: string;
  directory: string;
}): Promise<LocalBucketRenderer> => {
  await mkdir(options.directory, {recursive: true});
  const server = await serveDirectory(options.directory);
  const renders: LocalBucketRenderer['renders'] = [];
  return {
    name: 'local-bucket',
    server,
    renders,
    render: async (request) => {
      const renderId = randomUUID().slice(0, 8);
      const folder = `renders/${renderId}`;
      const out = request.kind === 'video' ? 'out.mp4' : 'out.wav';
      await mkdir(path.join(options.directory, folder, 'artifacts'), {recursive: true});
      const composition = await selectComposition({
        serveUrl: options.serveUrl,
        id: request.compositionId,
        inputProps: request.inputProps,
        envVariables: request.envVariables,
        ...BROWSER,
        logLevel: 'error',
      });
      const artifacts: {filename: string; content: string}[] = [];
      let renderedFrames = 0;
      await renderMedia({
        serveUrl: options.serveUrl,
        composition,
        inputProps: request.inputProps,
        envVariables: request.envVariables,
        frameRange: request.frameRange,
        outputLocation: path.join(options.directory, folder, out),
        ...(request.kind === 'video'
          ? {codec: 'h264' as const, muted: true}
          : {codec: 'wav' as const, imageFormat: 'none' as const, enforceAudioTrack: true}),
        onArtifact: (a) => {
          artifacts.push({
            filename: a.filename,
            content: typeof a.content === 'string' ? a.content : new TextDecoder().decode(a.content),
          });
        },
        onProgress: (p) => {
          renderedFrames = p.renderedFrames;
          request.onProgress?.({
            overallProgress: p.progress,
            renderedFrames: p.renderedFrames,
            chunks: 1,
            costUsd: null,
          });
        },
        ...BROWSER,
        logLevel: 'error',
      });
      renders.push({
        kind: request.kind,
        frameRange: request.frameRange,
        renderedFrames,
        env: request.envVariables,
      });
      for (const a of artifacts)
        await writeFile(path.join(options.directory, folder, 'artifacts', a.filename), a.content);
      const location = (key: string) => ({url: `${server.origin}/${key}`, bucket: null, key});
      return {
        location: location(`${folder}/${out}`),
        sizeInBytes: null,
        artifacts: artifacts.map((a) => ({
          filename: a.filename,
          location: location(`${folder}/artifacts/${a.filename}`),
        })),
        costUsd: null,
        renderId,
      };
    },
    download: (location, destination, signal) => downloadOverHttp(location.url, destination, signal),
    close: () => server.close(),
  };
};
