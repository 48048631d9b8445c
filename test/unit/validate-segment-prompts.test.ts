import {describe, expect, it} from 'vitest';
import {PROMPT_MAX_CHARS} from '../../src/contract/prompt-limits.ts';
import {UsageError} from '../../src/errors.ts';
import {normalizeGenerateOptions} from '../../src/pipeline/options.ts';
import {planForComposition} from '../../src/pipeline/segment-params.ts';
import {validateSegmentPrompts} from '../../src/pipeline/validate-segment-prompts.ts';

const composition = {durationInFrames: 900, fps: 30};
const base = {serveUrl: '/tmp/bundle', compositionId: 'intro', maxSegmentSeconds: 10};

const check = (options: Record<string, unknown>, props: Record<string, unknown>, requirePrompt = true) => {
  const o = normalizeGenerateOptions({...base, ...options});
  const {plan, segmentParams} = planForComposition(o, composition, props);
  const run = () =>
    validateSegmentPrompts(plan.segments, segmentParams, {requirePrompt, compositionId: 'intro'});
  return {segmentParams, run};
};

const errorOf = (fn: () => void): UsageError => {
  try {
    fn();
  } catch (err) {
    return err as UsageError;
  }
  throw new Error('expected a UsageError');
};

describe('every segment prompt is checked before the frame pass', () => {
  it('prompts are trimmed once, where they are resolved: what is checked is what is hashed and sent', () => {
    const fromFlag = check({prompt: '  rain on a tin roof \n', negativePrompt: '   '}, {});
    expect(fromFlag.segmentParams.length).toBeGreaterThan(1);
    for (const p of fromFlag.segmentParams)
      expect([p.prompt, p.negativePrompt]).toEqual(['rain on a tin roof', null]);
    const fromProps = check(
      {},
      {mmaudio: {prompt: '\twind ', scenes: [{from: 450, prompt: ' birds ', negativePrompt: ' '}]}},
    );
    expect(new Set(fromProps.segmentParams.map((p) => `${p.prompt}|${p.negativePrompt}`))).toEqual(
      new Set(['wind|null', 'birds|null']),
    );
    fromProps.run();
  });

  it('a whitespace-only scene prompt names every segment it leaves without a prompt (exit 2); the offline backend needs none', () => {
    const {run, segmentParams} = check(
      {},
      {mmaudio: {prompt: 'wind', scenes: [{from: 300, prompt: ' \t '}]}},
    );
    const empty = segmentParams.flatMap((p, i) => (p.prompt ? [] : [i + 1]));
    const err = errorOf(run);
    console.log(err.message);
    expect(empty.length).toBeGreaterThan(1);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(
      `No prompt for segments ${empty.join(', ')} (empty or only whitespace): pass --prompt, or set mmaudio.prompt (or a scene prompt) in the props of "intro". Nothing was sent.`,
    );
    check({}, {mmaudio: {scenes: [{from: 300, prompt: ' \t '}]}}, false).run();
  });

  it('lengths are counted as the service counts them (code points), from one source of limits', () => {
    const emoji = '🔔'.repeat(PROMPT_MAX_CHARS);
    // 500 bells are 1000 UTF-16 units but 500 characters: accepted.
    check({prompt: emoji}, {}).run();
    for (const props of [
      {
        mmaudio: {
          scenes: [
            {from: 0, prompt: 'x'},
            {from: 600, prompt: 'y'.repeat(PROMPT_MAX_CHARS + 1)},
          ],
        },
      },
      {mmaudio: {prompt: 'y'.repeat(PROMPT_MAX_CHARS + 1)}},
    ]) {
      const long = errorOf(() => check({}, props).run());
      expect(long.exitCode).toBe(2);
      expect(long.message).toMatch(/500/);
    }
  });
});
