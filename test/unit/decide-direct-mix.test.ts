import {describe, expect, it} from 'vitest';
import {placementArtifactName} from '../../src/contract/placement.ts';
import {decideDirectMix} from '../../src/pipeline/mix-generated-audio.ts';
import type {Manifest} from '../../src/react/manifest.ts';

const manifest = (fps: number, crossfade?: 'in-audio' | 'volume'): Manifest => ({
  version: 1,
  compositionId: 'comp',
  fps,
  durationInFrames: 100,
  backend: 'offline',
  createdAt: '2026-01-01T00:00:00.000Z',
  ...(crossfade ? {crossfade} : {}),
  segments: [],
});
const placement = (
  p: Partial<{
    compositionId: string;
    absoluteFrame: number;
    insideSequence: boolean;
    volume: number | null;
    muted: boolean;
    takes: Record<string, number>;
  }>,
) => ({
  filename: placementArtifactName(p.absoluteFrame ?? 0),
  frame: p.absoluteFrame ?? 0,
  content: JSON.stringify({
    compositionId: 'comp',
    absoluteFrame: 0,
    insideSequence: false,
    volume: 1,
    muted: false,
    ...p,
  }),
});
/** Chunk wavs as Remotion writes them when all is well: 48 kHz stereo 16-bit, frames × samples-per-frame. */
const chunkAudioAt = (fps: number, bounds: number[] = [0, 40, 100]) =>
  bounds.slice(1).map((end, i) => ({
    file: `/tmp/chunks/chunk-00${i}.wav`,
    startFrame: bounds[i],
    endFrame: end,
    sampleRate: 48_000,
    channels: 2,
    bitsPerSample: 16,
    frames: Math.round(((end - bounds[i]) * 48_000) / fps),
  }));
const base = (fps: number) => ({
  fps,
  compositionId: 'comp',
  durationInFrames: 100,
  manifest: manifest(fps, 'in-audio'),
  artifacts: [placement({})],
  chunkAudio: chunkAudioAt(fps),
  mixedMediaSources: [] as string[],
});

describe('decideDirectMix', () => {
  it.each([24, 25, 30, 48, 50, 60, 10, 2])(
    'mixes directly at %d fps with one top-level constant-volume layer',
    (fps) => {
      expect(decideDirectMix({...base(fps), artifacts: [placement({volume: 0.5})]})).toEqual({
        direct: true,
        volume: 0.5,
        muted: false,
        // A report without picks (as older reports are): every first take.
        takes: null,
      });
    },
  );

  it.each([29.97, 23.976, 59.94, 2.997, 7])(
    'keeps the audio pass at %d fps (a frame is not whole samples)',
    (fps) => {
      const d = decideDirectMix(base(fps));
      expect(d.direct).toBe(false);
      expect(d).toMatchObject({reason: expect.stringMatching(/not a whole number/)});
    },
  );

  it.each([
    ['no placement report (a custom audio component)', [], /0 <GeneratedAudio \/> placement reports/],
    [
      'two instances',
      [placement({}), placement({absoluteFrame: 10})],
      /2 <GeneratedAudio \/> placement reports/,
    ],
    ['inside a Sequence', [placement({insideSequence: true})], /inside a <Sequence>/],
    ['starting later', [placement({absoluteFrame: 30})], /inside a <Sequence>/],
    ['a volume function', [placement({volume: null})], /volume> is a function/],
    ['another composition', [placement({compositionId: 'other'})], /placement reports/],
  ])('keeps the audio pass with %s', (_, artifacts, reason) => {
    const d = decideDirectMix({...base(30), artifacts});
    expect(d.direct).toBe(false);
    expect(d).toMatchObject({reason: expect.stringMatching(reason)});
  });

  it('keeps the audio pass when the crossfades are volume ramps', () => {
    const d = decideDirectMix({...base(30), manifest: manifest(30)});
    expect(d).toMatchObject({direct: false, reason: expect.stringMatching(/not baked/)});
  });

  it('passes muted through: the mix is then the composition’s own audio', () => {
    expect(decideDirectMix({...base(30), artifacts: [placement({muted: true})]})).toEqual({
      direct: true,
      volume: 1,
      muted: true,
      takes: null,
    });
  });

  it('passes the picked takes through, so the mix plays what <GeneratedAudio /> would', () => {
    const d = decideDirectMix({...base(30), artifacts: [placement({takes: {'0': 12}})]});
    expect(d).toEqual({direct: true, volume: 1, muted: false, takes: {'0': 12}});
  });

  // What Remotion gives is measured, not assumed: a user's 24 fps composition with <Html5Audio> short sounds
  // gave a chunk wav 16 samples short of frames × 2000.
  it('keeps the audio pass when a chunk wav is not exactly its frames long', () => {
    const chunkAudio = chunkAudioAt(24);
    chunkAudio[0] = {...chunkAudio[0], frames: chunkAudio[0].frames - 16};
    const d = decideDirectMix({...base(24), chunkAudio});
    expect(d).toMatchObject({
      direct: false,
      reason: expect.stringMatching(/chunk-000\.wav has 79984 samples where frames 0–39 are 80000/),
    });
  });

  it.each([
    ['44.1 kHz', {sampleRate: 44_100}, /44100 Hz/],
    ['mono', {channels: 1}, /1 channel/],
    ['24-bit', {bitsPerSample: 24}, /24-bit/],
  ])('keeps the audio pass when a chunk wav is %s', (_, patch, reason) => {
    const chunkAudio = chunkAudioAt(30);
    chunkAudio[1] = {...chunkAudio[1], ...patch};
    expect(decideDirectMix({...base(30), chunkAudio})).toMatchObject({
      direct: false,
      reason: expect.stringMatching(reason),
    });
  });

  it('keeps the audio pass when the chunks do not cover the composition end to end', () => {
    expect(decideDirectMix({...base(30), chunkAudio: chunkAudioAt(30, [0, 40, 90])})).toMatchObject({
      direct: false,
      reason: expect.stringMatching(/covers 90 of 100 frames/),
    });
    const gap = chunkAudioAt(30, [0, 40, 100]);
    gap[1] = {...gap[1], startFrame: 41};
    expect(decideDirectMix({...base(30), chunkAudio: gap})).toMatchObject({
      direct: false,
      reason: expect.stringMatching(/gap at frame 40/),
    });
  });

  it('keeps the audio pass when Remotion fetched media to mix the composition’s own audio', () => {
    const d = decideDirectMix({
      ...base(24),
      mixedMediaSources: ['http://localhost:3000/public/test/beep.wav'],
    });
    expect(d).toMatchObject({direct: false, reason: expect.stringMatching(/beep\.wav.*<Html5Audio>/)});
  });

  it('accepts a single wav of one render that runs past the last frame, never one that falls short', () => {
    const whole = chunkAudioAt(24, [0, 100])[0];
    expect(decideDirectMix({...base(24), chunkAudio: [{...whole, frames: whole.frames + 16}]})).toMatchObject(
      {
        direct: true,
      },
    );
    expect(decideDirectMix({...base(24), chunkAudio: [{...whole, frames: whole.frames - 16}]})).toMatchObject(
      {
        direct: false,
        reason: expect.stringMatching(/has 199984 samples where frames 0–99 are 200000/),
      },
    );
  });

  it('mixes directly over such media when the own audio is one wav over the whole composition (one render)', () => {
    const d = decideDirectMix({
      ...base(24),
      chunkAudio: chunkAudioAt(24, [0, 100]),
      mixedMediaSources: ['http://localhost:3000/public/test/beep.wav'],
    });
    expect(d).toMatchObject({direct: true});
  });
});
