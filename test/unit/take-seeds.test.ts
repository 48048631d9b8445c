import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {parseCliArgs} from '../../src/cli/parse-cli-args.ts';
import {UsageError} from '../../src/errors.ts';
import {normalizeGenerateOptions} from '../../src/pipeline/options.ts';
import {checkTakeSeeds, takeSeeds} from '../../src/pipeline/take-seeds.ts';
import {createAudioCache} from '../../src/state/audio-cache.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'take-seeds-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe('the seeds of a segment’s takes', () => {
  it('counts up from a given seed', async () => {
    const cache = createAudioCache(path.join(dir, 'given'));
    expect(await takeSeeds({seed: 40, takes: 3, autoSeedKey: 'k', cache})).toEqual([40, 41, 42]);
    expect(await takeSeeds({seed: 40, takes: 1, autoSeedKey: 'k', cache})).toEqual([40]);
  });

  it('records random seeds, so a rerun asks for the same ones and more takes keep the first ones', async () => {
    const cache = createAudioCache(path.join(dir, 'auto'));
    const one = await takeSeeds({seed: null, takes: 1, autoSeedKey: 'segment-a', cache});
    const two = await takeSeeds({seed: null, takes: 2, autoSeedKey: 'segment-a', cache});
    const three = await takeSeeds({seed: null, takes: 3, autoSeedKey: 'segment-a', cache});
    expect(two[0]).toBe(one[0]);
    expect(three.slice(0, 2)).toEqual(two);
    expect(new Set(three).size).toBe(3);
    // Another segment gets its own seeds; a fresh cache object on the same folder reads the recorded ones.
    const other = await takeSeeds({seed: null, takes: 3, autoSeedKey: 'segment-b', cache});
    expect(other).not.toEqual(three);
    const reread = createAudioCache(path.join(dir, 'auto'));
    expect(await takeSeeds({seed: null, takes: 3, autoSeedKey: 'segment-a', cache: reread})).toEqual(three);
    console.log(`take seeds: given 40 → 40, 41, 42; recorded random → ${three.join(', ')}`);
  });

  it('agrees with the fleet: the seed another machine chose first stands, and is recorded here too', async () => {
    // Two machines' caches (their own folders) and one arbiter that keeps the first proposal per key,
    // as Redis's SET NX does for a fleet (test/fleet runs it against a real Redis).
    const agreed = new Map<string, number>();
    const fleet = (folder: string) => {
      const cache = createAudioCache(path.join(dir, folder));
      return {
        ...cache,
        agreeSeed: async (key: string, proposal: number) => {
          if (!agreed.has(key)) agreed.set(key, proposal);
          const seed = agreed.get(key)!;
          await cache.putSeed(key, seed);
          return seed;
        },
      };
    };
    const [a, b] = [fleet('machine-a'), fleet('machine-b')];
    const [onA, onB] = await Promise.all([
      takeSeeds({seed: null, takes: 2, autoSeedKey: 'shared', cache: a}),
      takeSeeds({seed: null, takes: 2, autoSeedKey: 'shared', cache: b}),
    ]);
    expect(onB).toEqual(onA);
    expect(new Set(onA).size).toBe(2);
    // Recorded locally: a rerun on machine B without the fleet asks for the same seeds.
    expect(
      await takeSeeds({
        seed: null,
        takes: 2,
        autoSeedKey: 'shared',
        cache: createAudioCache(path.join(dir, 'machine-b')),
      }),
    ).toEqual(onA);
  });

  it('refuses seeds past 2^53 − 1 before any work', () => {
    expect(() => checkTakeSeeds(Number.MAX_SAFE_INTEGER - 1, 2)).not.toThrow();
    expect(() => checkTakeSeeds(Number.MAX_SAFE_INTEGER - 1, 3)).toThrow(UsageError);
    expect(() => checkTakeSeeds(null, 16)).not.toThrow();
  });
});

describe('--takes', () => {
  it('is parsed by the CLI and checked once, with the rule in the message', () => {
    expect(parseCliArgs(['generate', 'e.ts', 'c', '--takes', '3']).flags.takes).toBe(3);
    expect(() => parseCliArgs(['generate', 'e.ts', 'c', '--takes', '1.5'])).toThrow(
      '--takes must be an integer, got "1.5".',
    );
    const base = {entryPoint: 'remotion/index.ts', compositionId: 'c'};
    expect(normalizeGenerateOptions(base).takes).toBe(1);
    expect(normalizeGenerateOptions({...base, takes: 16}).takes).toBe(16);
    for (const takes of [0, 17, 2.5]) {
      expect(() => normalizeGenerateOptions({...base, takes})).toThrow(
        `--takes must be an integer from 1 to 16, got ${takes}.`,
      );
    }
  });
});
