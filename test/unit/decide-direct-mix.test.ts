import {describe, expect, it} from 'vitest';
import {decideDirectMix} from '../../src/pipeline/mix-generated-audio.ts';
import {placementArtifactName} from '../../src/react/generated-audio-placement.tsx';
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
const chunks = [{index: 0, startFrame: 0, endFrame: 100, file: 'a.mp4', audioFile: 'a.wav'}];

describe('decideDirectMix', () => {
  it.each([24, 25, 30, 48, 50, 60, 10, 2])(
    'mixes directly at %d fps with one top-level constant-volume layer',
    (fps) => {
      expect(
        decideDirectMix({
          fps,
          compositionId: 'comp',
          manifest: manifest(fps, 'in-audio'),
          artifacts: [placement({volume: 0.5})],
          chunks,
        }),
      ).toEqual({direct: true, volume: 0.5, muted: false});
    },
  );

  it.each([29.97, 23.976, 59.94, 2.997, 7])(
    'keeps the audio pass at %d fps (a frame is not whole samples)',
    (fps) => {
      const d = decideDirectMix({
        fps,
        compositionId: 'comp',
        manifest: manifest(fps, 'in-audio'),
        artifacts: [placement({})],
        chunks,
      });
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
    const d = decideDirectMix({
      fps: 30,
      compositionId: 'comp',
      manifest: manifest(30, 'in-audio'),
      artifacts,
      chunks,
    });
    expect(d.direct).toBe(false);
    expect(d).toMatchObject({reason: expect.stringMatching(reason)});
  });

  it('keeps the audio pass when the crossfades are volume ramps', () => {
    const d = decideDirectMix({
      fps: 30,
      compositionId: 'comp',
      manifest: manifest(30),
      artifacts: [placement({})],
      chunks,
    });
    expect(d).toMatchObject({direct: false, reason: expect.stringMatching(/not baked/)});
  });

  it('passes muted through: the mix is then the composition’s own audio', () => {
    expect(
      decideDirectMix({
        fps: 30,
        compositionId: 'comp',
        manifest: manifest(30, 'in-audio'),
        artifacts: [placement({muted: true})],
        chunks,
      }),
    ).toEqual({direct: true, volume: 1, muted: true});
  });
});
