import path from 'node:path';
import {computeAutoSeedKey, legacyAutoSeedKey} from '../cache-key.ts';
import type {RenderedChunk} from '../frame-pass.ts';
import {makeSegmentProxy, type SegmentProxy} from '../make-proxy.ts';
import {type PictureHashMemo, segmentPictureKey} from '../picture-hash-memo.ts';
import type {PlannedSegment} from '../plan.ts';
import type {SegmentParams} from '../segment-params.ts';
import type {SerialQueue} from '../serial-queue.ts';
import {takeSeeds} from '../take-seeds.ts';
import type {ProgressReporter} from './create-progress-reporter.ts';
import {generateTake, type TakeResult, type TakeWork} from './generate-take.ts';

/** What the per-segment work of a run shares. */
export type SegmentWork = TakeWork & {
  composition: {fps: number; width: number; height: number};
  /** Prompt, negative prompt and steps of each segment, by index. */
  segmentParams: SegmentParams[];
  /** The run's seed, or null for recorded random ones. */
  seed: number | null;
  takes: number;
  /** The frame pass's chunks so far (in order); a segment is built once its last frame is in them. */
  chunks: RenderedChunk[];
  /** Builds proxies one at a time beside the render. */
  proxyQueue: SerialQueue;
  /** Picture hashes known from the chunks' bytes (in the cache dir), or null to always build the proxy. */
  pictureMemo: PictureHashMemo | null;
  report: ProgressReporter;
};

/**
 * The per-segment work of a run: returns `generateSegment(segment)`, which builds the segment's proxy
 * from the rendered chunks, chooses the seeds of its takes, and generates (or finds in the cache) every
 * take. Every take runs to its end even when another fails: paid audio is cached, never dropped. Reports
 * segments done and cache hits as they come.
 */
export const createSegmentGenerator = (
  work: SegmentWork,
): ((segment: PlannedSegment) => Promise<TakeResult[]>) => {
  const {composition, takes, gate, signal, logger} = work;
  let cachedSegments = 0;
  let segmentsDone = 0;
  const onCacheHit = () => {
    cachedSegments++;
  };
  return async (segment) => {
    // Each take is decided (cache hit or miss) once; a failure before that decides what is left.
    let undecided = takes;
    const onDecided = () => {
      if (undecided > 0) {
        undecided--;
        gate.decide();
      }
    };
    try {
      const proxyPath = path.join(work.dirs.proxies, `segment-${segment.index}.mp4`);
      let built: Promise<SegmentProxy> | null = null;
      let builtBytes = 0;
      // Built once, when first needed: for the picture hash when the memo does not know it, or for a
      // take that is generated. A warm run whose chunks are the same bytes as before builds none.
      const proxy = () =>
        (built ??= work.proxyQueue
          .run(() =>
            makeSegmentProxy({
              chunks: work.chunks,
              startFrame: segment.startFrame,
              endFrame: segment.endFrame,
              fps: composition.fps,
              width: composition.width,
              height: composition.height,
              outputPath: proxyPath,
              signal,
            }),
          )
          .then((made) => {
            builtBytes = made.bytes;
            logger.verbose(
              `Segment ${segment.index + 1}: proxy ${(made.bytes / 1024).toFixed(0)} kB, picture ${made.pictureHash.slice(0, 12)}`,
            );
            return made;
          }));
      const range = {
        chunks: work.chunks,
        startFrame: segment.startFrame,
        endFrame: segment.endFrame,
        fps: composition.fps,
        width: composition.width,
        height: composition.height,
      };
      const pictureKey = work.pictureMemo ? await segmentPictureKey(range) : null;
      let pictureHash = pictureKey && work.pictureMemo ? await work.pictureMemo.get(pictureKey) : null;
      if (pictureHash) {
        logger.verbose(
          `Segment ${segment.index + 1}: picture ${pictureHash.slice(0, 12)} known from its chunks' bytes (no proxy built unless a take is generated)`,
        );
      } else {
        pictureHash = (await proxy()).pictureHash;
        if (pictureKey) await work.pictureMemo?.put(pictureKey, pictureHash);
      }
      const p = work.segmentParams[segment.index];
      const keyBase = {
        service: work.setup.service,
        model: work.setup.model,
        prompt: p.prompt ?? '',
        negativePrompt: p.negativePrompt,
        steps: p.steps,
        pictureHash,
        durationInFrames: segment.durationInFrames,
        fps: composition.fps,
      };
      const seeds = await takeSeeds({
        seed: work.seed,
        takes,
        autoSeedKey: computeAutoSeedKey(keyBase),
        // A seed an older version chose (its key did not name the service) is kept: the same picture
        // and prompt keep their sound, and an unfinished task of that version can be found below.
        legacyAutoSeedKey: legacyAutoSeedKey(keyBase),
        cache: work.cache,
      });
      const label = (take: number) =>
        `Segment ${segment.index + 1}${takes > 1 ? ` take ${take + 1} (seed ${seeds[take]})` : ''}`;
      const takeSegment = {segment, params: p, proxy, builtProxyBytes: () => builtBytes, keyBase, label};
      // Every take runs to its end even when another fails: paid audio is cached, never dropped.
      const settledTakes = await Promise.allSettled(
        seeds.map((seed, take) => generateTake(work, takeSegment, take, seed, {onDecided, onCacheHit})),
      );
      const failed = settledTakes.find((t): t is PromiseRejectedResult => t.status === 'rejected');
      if (failed) throw failed.reason;
      return settledTakes.map((t) => (t as PromiseFulfilledResult<TakeResult>).value);
    } finally {
      while (undecided > 0) onDecided();
      segmentsDone++;
      work.report({segmentsDone, cachedSegments});
    }
  };
};
