import type {SegmentPlan} from '../plan.ts';
import type {GenerateAudioResult} from './generate-audio-result.ts';
import type {TakeResult} from './generate-take.ts';

/**
 * The run's figures from its takes: one outcome per segment (its first take, with every take under
 * `takes` when there are several), the seconds billed and served from the cache over all takes, the
 * cost, and the proxy bytes per second (the takes of a segment share its proxy: counted once).
 */
export const summarizeOutcomes = (
  done: TakeResult[][],
  plan: SegmentPlan,
  /** The host's price per second of video (see usdPerVideoSecond). */
  usdPerSecond: number,
): Pick<
  GenerateAudioResult,
  'segments' | 'billedSeconds' | 'cachedSeconds' | 'costUsd' | 'proxyBytesPerSecond'
> => {
  const allTakes = done.flat().map((d) => d.outcome);
  const outcomes = done.map((segmentTakes) => {
    const first = segmentTakes[0].outcome;
    return segmentTakes.length > 1 ? {...first, takes: segmentTakes.map((t) => t.outcome)} : first;
  });
  const billedSeconds = allTakes.reduce((sum, s) => sum + s.billedSeconds, 0);
  const cachedSeconds = allTakes
    .filter((s) => s.cached)
    .reduce((sum, s) => sum + plan.segments[s.index].durationInSeconds, 0);
  const proxyBytes = outcomes.reduce((sum, s) => sum + s.proxyBytes, 0);
  return {
    segments: outcomes,
    billedSeconds,
    cachedSeconds,
    costUsd: Math.round(billedSeconds * usdPerSecond * 100) / 100,
    proxyBytesPerSecond: plan.billedSeconds > 0 ? proxyBytes / plan.billedSeconds : 0,
  };
};
