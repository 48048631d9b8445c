import {describe, expect, it} from 'vitest';
import {
  isWholeCompositionSequence,
  type SequenceTiming,
} from '../../../src/react/is-whole-composition-sequence.ts';

// SequenceContext values as Remotion releases inside the supported range provide them.
const base = {cumulatedFrom: 0, relativeFrom: 0, durationInFrames: 300};
const shapes: Record<string, SequenceTiming> = {
  '4.0.427 (no cumulatedNegativeFrom, absoluteFrom, playbackRate)': {...base},
  '4.0.468 (+ cumulatedNegativeFrom)': {...base, cumulatedNegativeFrom: 0},
  '4.0.476 (+ absoluteFrom)': {...base, cumulatedNegativeFrom: 0, absoluteFrom: 0},
  '4.0.528 (+ playbackRate)': {...base, cumulatedNegativeFrom: 0, absoluteFrom: 0, playbackRate: 1},
};

describe('isWholeCompositionSequence', () => {
  it('no sequence at all is the whole composition', () => {
    expect(isWholeCompositionSequence(null, 300)).toBe(true);
  });

  for (const [release, whole] of Object.entries(shapes)) {
    it(`Remotion ${release}: the composition wrapper is whole, any shift, cut or trim is not`, () => {
      expect(isWholeCompositionSequence(whole, 300)).toBe(true);
      expect(isWholeCompositionSequence(whole, 301)).toBe(false);
      expect(isWholeCompositionSequence({...whole, relativeFrom: 10}, 300)).toBe(false);
      expect(isWholeCompositionSequence({...whole, cumulatedFrom: -10, relativeFrom: 10}, 300)).toBe(false);
      expect(isWholeCompositionSequence({...whole, durationInFrames: 120}, 300)).toBe(false);
    });
  }

  it('the fields newer releases add decide when present', () => {
    const latest = shapes['4.0.528 (+ playbackRate)'];
    expect(isWholeCompositionSequence({...latest, playbackRate: 2}, 300)).toBe(false);
    expect(isWholeCompositionSequence({...latest, cumulatedNegativeFrom: 5}, 300)).toBe(false);
    expect(isWholeCompositionSequence({...latest, absoluteFrom: 3}, 300)).toBe(false);
  });
});
