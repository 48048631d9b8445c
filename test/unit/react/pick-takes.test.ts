import {describe, expect, it} from 'vitest';
import {GeneratedAudioError} from '../../../src/contract/generated-audio-error.ts';
import {pickTakes, segmentTakeSeeds} from '../../../src/contract/pick-takes.ts';
import {type Manifest, manifestSchema} from '../../../src/react/manifest.ts';
import {mmaudioPropsSchema} from '../../../src/react/props-schema.ts';

const segment = (index: number, seed: number) => ({
  index,
  startFrame: index * 100,
  endFrame: index * 100 + 110,
  src: `mmaudio/v/segment-00${index + 1}-${seed}.wav`,
  durationInSeconds: 11,
  sampleRate: 48000,
  channels: 2,
  fadeInFrames: 0,
  fadeOutFrames: 0,
  prompt: 'rain',
  negativePrompt: null,
  steps: 25,
  seed,
  taskId: `task-${seed}`,
  cacheKey: `key-${seed}`,
});

const take = (index: number, seed: number, channels = 2) => ({
  seed,
  src: `mmaudio/v/segment-00${index + 1}-${seed}.wav`,
  sampleRate: 48000,
  channels,
  taskId: `task-${seed}`,
  cacheKey: `key-${seed}`,
});

/** A manifest as written before takes existed: no `takes` anywhere. */
const oldManifest: Manifest = {
  version: 1,
  compositionId: 'v',
  fps: 10,
  durationInFrames: 210,
  backend: 'offline',
  createdAt: '2026-01-01T00:00:00.000Z',
  crossfade: 'in-audio',
  segments: [segment(0, 5), segment(1, 9)],
};

const withTakes: Manifest = {
  ...oldManifest,
  segments: [
    {...segment(0, 5), takes: [take(0, 5), take(0, 6, 1)]},
    {...segment(1, 9), takes: [take(1, 9), take(1, 10)]},
  ],
};

describe('takes in the manifest', () => {
  it('keeps manifests without takes valid, and a segment without takes has one take: its own', () => {
    expect(manifestSchema.parse(oldManifest)).toEqual(oldManifest);
    expect(segmentTakeSeeds(oldManifest.segments[0])).toEqual([5]);
    expect(manifestSchema.parse(withTakes)).toEqual(withTakes);
    expect(segmentTakeSeeds(withTakes.segments[1])).toEqual([9, 10]);
  });

  it('refuses a segment whose takes repeat a seed, or an empty list of takes', () => {
    const repeated = {...withTakes, segments: [{...segment(0, 5), takes: [take(0, 5), take(0, 5)]}]};
    expect(manifestSchema.safeParse(repeated).success).toBe(false);
    const empty = {...withTakes, segments: [{...segment(0, 5), takes: []}]};
    expect(manifestSchema.safeParse(empty).success).toBe(false);
  });
});

describe('pickTakes', () => {
  it('returns the manifest itself without picks, and the first takes with an empty pick', () => {
    expect(pickTakes(withTakes, undefined)).toBe(withTakes);
    expect(pickTakes(withTakes, {})).toBe(withTakes);
  });

  it('puts the picked take in its segment and leaves the others on their first take', () => {
    const picked = pickTakes(withTakes, {'0': 6});
    expect(picked.segments[0]).toMatchObject({
      seed: 6,
      src: 'mmaudio/v/segment-001-6.wav',
      taskId: 'task-6',
      cacheKey: 'key-6',
      channels: 1,
      startFrame: 0,
      endFrame: 110,
    });
    expect(picked.segments[0].takes).toEqual(withTakes.segments[0].takes);
    expect(picked.segments[1]).toBe(withTakes.segments[1]);
    // Picking the first take changes nothing.
    expect(pickTakes(withTakes, {'1': 9}).segments[1]).toBe(withTakes.segments[1]);
  });

  it('refuses a seed the segment has no take for, naming the seeds it has', () => {
    expect(() => pickTakes(withTakes, {'1': 11})).toThrow(GeneratedAudioError);
    expect(() => pickTakes(withTakes, {'1': 11})).toThrow(
      'mmaudio.takes["1"] is 11, but segment index 1 of "v" has the takes with seeds 9, 10.',
    );
    // A manifest from before takes: its one seed is the only pick.
    expect(() => pickTakes(oldManifest, {'0': 6})).toThrow('has the take with seed 5.');
    expect(pickTakes(oldManifest, {'0': 5}).segments[0]).toBe(oldManifest.segments[0]);
  });

  it('refuses a segment index the manifest does not have', () => {
    expect(() => pickTakes(withTakes, {'2': 5})).toThrow(
      'mmaudio.takes picks a take for segment index 2 of "v", which has segments 0, 1 (0-based).',
    );
  });
});

describe('mmaudio.takes in the props schema', () => {
  it('accepts segment index → seed and refuses other keys and seeds', () => {
    expect(mmaudioPropsSchema.parse({prompt: 'x', takes: {'0': 6, '12': 0}})).toEqual({
      prompt: 'x',
      takes: {'0': 6, '12': 0},
    });
    expect(mmaudioPropsSchema.parse({prompt: 'x'})).toEqual({prompt: 'x'});
    for (const takes of [{first: 1}, {'-1': 1}, {'01': 1}, {'0': -1}, {'0': 1.5}]) {
      expect(mmaudioPropsSchema.safeParse({takes}).success, JSON.stringify(takes)).toBe(false);
    }
  });
});
