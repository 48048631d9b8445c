import {describe, expect, it} from 'vitest';
import {createPrng} from '../../src/backends/offline/create-prng.ts';

const draw = (next: () => number, n: number) => Array.from({length: n}, next);

describe('createPrng', () => {
  it('repeats the same sequence for the same seed and stream', () => {
    expect(draw(createPrng(42), 1000)).toEqual(draw(createPrng(42), 1000));
    expect(draw(createPrng(42, 3), 1000)).toEqual(draw(createPrng(42, 3), 1000));
  });

  it('gives different sequences for other seeds, other streams, and seeds that differ only above 2^32', () => {
    const base = draw(createPrng(1), 64);
    for (const other of [
      draw(createPrng(2), 64),
      draw(createPrng(1, 1), 64),
      draw(createPrng(1 + 2 ** 32), 64),
      draw(createPrng(-1), 64),
      draw(createPrng(Number.MAX_SAFE_INTEGER), 64),
    ]) {
      const same = other.filter((v, i) => v === base[i]).length;
      expect(same).toBe(0);
    }
  });

  it('draws uniformly from [0, 1)', () => {
    const next = createPrng(7);
    const n = 200_000;
    const bins = new Array<number>(10).fill(0);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const v = next();
      if (!(v >= 0 && v < 1)) outside++;
      else bins[Math.floor(v * 10)]++;
      sum += v;
    }
    expect(outside).toBe(0);
    expect(sum / n).toBeCloseTo(0.5, 2);
    // Each decile holds 10 % ± 0.3 % (about 5 standard deviations of a binomial count).
    for (const b of bins) expect(Math.abs(b / n - 0.1)).toBeLessThan(0.003);
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => createPrng(1.5)).toThrow(TypeError);
    expect(() => createPrng(2 ** 53)).toThrow(/safe integer/);
    expect(() => createPrng(1, -1)).toThrow(/stream/);
  });
});
