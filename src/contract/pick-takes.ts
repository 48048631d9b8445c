import {GeneratedAudioError} from './generated-audio-error.ts';
import {type Manifest, type ManifestSegment, manifestPath} from './manifest.ts';
import type {MmaudioTakes} from './props-schema.ts';

/** The seeds of a segment's takes, first take first (a segment without `takes` has one: its own). */
export const segmentTakeSeeds = (segment: ManifestSegment): number[] =>
  segment.takes ? segment.takes.map((t) => t.seed) : [segment.seed];

/**
 * The manifest with each segment playing the take picked for it (`mmaudio.takes`: segment index → seed):
 * the picked take's `src`, `seed`, `taskId`, `cacheKey`, `sampleRate` and `channels` replace the segment's
 * own. Segments without a pick keep their first take. A pick naming a segment or a seed the manifest does
 * not have throws a `GeneratedAudioError` listing the seeds there are, so a render never plays another
 * take than the one asked for. No picks: the manifest itself.
 */
export const pickTakes = (manifest: Manifest, picks: MmaudioTakes | null | undefined): Manifest => {
  const entries = Object.entries(picks ?? {});
  if (entries.length === 0) return manifest;
  const file = manifestPath(manifest.compositionId);
  const byIndex = new Map(manifest.segments.map((s) => [s.index, s]));
  const chosen = new Map<number, number>();
  for (const [key, seed] of entries) {
    const index = Number(key);
    const segment = byIndex.get(index);
    if (!Number.isInteger(index) || !segment) {
      throw new GeneratedAudioError(
        `mmaudio.takes picks a take for segment index ${key} of "${manifest.compositionId}", which has ` +
          `segments ${manifest.segments.map((s) => s.index).join(', ')} (0-based). Fix mmaudio.takes in the props.`,
        file,
      );
    }
    const seeds = segmentTakeSeeds(segment);
    if (!seeds.includes(seed)) {
      throw new GeneratedAudioError(
        `mmaudio.takes["${key}"] is ${seed}, but segment index ${index} of "${manifest.compositionId}" has ` +
          `the take${seeds.length === 1 ? '' : 's'} with seed${seeds.length === 1 ? '' : 's'} ${seeds.join(', ')}. ` +
          `Pick one of those, or generate more takes (--takes).`,
        file,
      );
    }
    chosen.set(index, seed);
  }
  return {
    ...manifest,
    segments: manifest.segments.map((segment) => {
      const seed = chosen.get(segment.index);
      const take = seed === undefined ? undefined : segment.takes?.find((t) => t.seed === seed);
      if (!take || take.seed === segment.seed) return segment;
      return {
        ...segment,
        src: take.src,
        seed: take.seed,
        taskId: take.taskId,
        cacheKey: take.cacheKey,
        sampleRate: take.sampleRate,
        channels: take.channels,
      };
    }),
  };
};
