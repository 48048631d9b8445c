import {mkdir} from 'node:fs/promises';
import path from 'node:path';
import type {BackendName} from '../../backends/backend.ts';
import {MANIFEST_VERSION, type Manifest, type ManifestTake, manifestFolder} from '../../contract/manifest.ts';
import {hashJson} from '../../media/hash.ts';
import {applyCrossfade} from '../apply-crossfade.ts';
import type {PlannedSegment} from '../plan.ts';
import type {SegmentParams} from '../segment-params.ts';
import type {TakeResult} from './generate-take.ts';

const segmentFileName = (segment: PlannedSegment, cacheKey: string) =>
  `segment-${String(segment.index + 1).padStart(3, '0')}-${cacheKey.slice(0, 12)}.wav`;

/**
 * The manifest of a run and the wavs it names: each take's cached audio with its crossfade written in
 * (under `<workDir>/published`), keyed by its `src`. Sets each outcome's `wavPath` to where the wav is
 * published. Writes nothing under the public folder: `publishManifest` does.
 */
export const buildManifest = async (options: {
  done: TakeResult[][];
  segments: PlannedSegment[];
  segmentParams: SegmentParams[];
  compositionId: string;
  composition: {fps: number; durationInFrames: number};
  backend: BackendName;
  publicDir: string;
  workDir: string;
}): Promise<{manifest: Manifest; files: Map<string, string>}> => {
  const {composition, compositionId} = options;
  const files = new Map<string, string>();
  const folder = manifestFolder(compositionId);
  const publishedDir = path.join(options.workDir, 'published');
  await mkdir(publishedDir, {recursive: true});
  const segments: Manifest['segments'] = [];
  for (const segmentTakes of options.done) {
    const segment = options.segments[segmentTakes[0].outcome.index];
    const published: ManifestTake[] = [];
    for (const {entry, outcome} of segmentTakes) {
      // The published wav carries its crossfade (see apply-crossfade.ts); its name is addressed by the
      // cached audio and the fades, so a reader never sees a file change under the same name.
      const name = segmentFileName(
        segment,
        hashJson([outcome.cacheKey, segment.fadeInFrames, segment.fadeOutFrames, composition.fps]),
      );
      const src = `${folder}/${name}`;
      const faded = path.join(publishedDir, name);
      await applyCrossfade({
        input: entry.wavPath,
        output: faded,
        fadeInSeconds: segment.fadeInFrames / composition.fps,
        fadeOutSeconds: segment.fadeOutFrames / composition.fps,
      });
      files.set(src, faded);
      outcome.wavPath = path.join(options.publicDir, src);
      published.push({
        seed: outcome.seed,
        src,
        sampleRate: entry.sampleRate,
        channels: entry.channels,
        taskId: outcome.taskId,
        cacheKey: outcome.cacheKey,
      });
    }
    // The segment's own fields are its first take: what a reader that knows nothing of takes plays.
    const [first] = published;
    const p = options.segmentParams[segment.index];
    segments.push({
      index: segment.index,
      startFrame: segment.startFrame,
      endFrame: segment.endFrame,
      src: first.src,
      durationInSeconds: segment.durationInSeconds,
      sampleRate: first.sampleRate,
      channels: first.channels,
      fadeInFrames: segment.fadeInFrames,
      fadeOutFrames: segment.fadeOutFrames,
      prompt: p.prompt ?? '',
      negativePrompt: p.negativePrompt,
      steps: p.steps,
      seed: first.seed,
      taskId: first.taskId,
      cacheKey: first.cacheKey,
      ...(published.length > 1 ? {takes: published} : {}),
    });
  }
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    compositionId,
    fps: composition.fps,
    durationInFrames: composition.durationInFrames,
    backend: options.backend,
    createdAt: new Date().toISOString(),
    crossfade: 'in-audio',
    segments,
  };
  return {manifest, files};
};
