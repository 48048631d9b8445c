import {describe, expect, it} from 'vitest';
import {GeneratedAudioError} from '../../../src/contract/generated-audio-error.ts';
import type {Manifest} from '../../../src/react/manifest.ts';
import {
  checkManifestMatches,
  missingManifestMessage,
  parseManifest,
} from '../../../src/react/validate-manifest.ts';

const valid: Manifest = {
  version: 1,
  compositionId: 'my-video',
  fps: 30,
  durationInFrames: 900,
  backend: 'qubico',
  createdAt: '2025-01-01T00:00:00.000Z',
  segments: [
    {
      index: 0,
      startFrame: 0,
      endFrame: 900,
      src: 'mmaudio/my-video/segment-000-abc.wav',
      durationInSeconds: 30,
      sampleRate: 48000,
      channels: 2,
      fadeInFrames: 0,
      fadeOutFrames: 0,
      prompt: 'rain on a tin roof',
      negativePrompt: null,
      steps: 25,
      seed: 7,
      taskId: 'task-1',
      cacheKey: 'abc',
    },
  ],
};

const file = 'mmaudio/my-video/manifest.json';
const expected = {compositionId: 'my-video', fps: 30, durationInFrames: 900};

const caught = (fn: () => unknown): GeneratedAudioError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GeneratedAudioError);
    return err as GeneratedAudioError;
  }
  throw new Error('expected a GeneratedAudioError');
};

describe('missingManifestMessage', () => {
  it('says how to generate the audio', () => {
    expect(missingManifestMessage('my-video')).toBe(
      'No generated audio for "my-video" yet: run npx remotion-mmaudio generate <entry> my-video',
    );
  });
});

describe('parseManifest', () => {
  it('returns a valid manifest', () => {
    expect(parseManifest(JSON.parse(JSON.stringify(valid)), file)).toEqual(valid);
  });

  it('names the file and the first issue, with its path', () => {
    const bad = {...valid, segments: [{...valid.segments[0], endFrame: 'soon'}]};
    const err = caught(() => parseManifest(bad, file));
    expect(err.file).toBe(file);
    expect(err.message).toMatch(
      /^Invalid generated-audio manifest mmaudio\/my-video\/manifest\.json: segments\[0\]\.endFrame: .*number/,
    );
    expect(err.message).toContain('Re-run npx remotion-mmaudio generate <entry> my-video');
  });

  it('reports a wrong version and a non-object', () => {
    expect(caught(() => parseManifest({...valid, version: 2}, file)).message).toMatch(/: version: /);
    const err = caught(() => parseManifest('nope', file));
    expect(err.message).toMatch(/^Invalid generated-audio manifest mmaudio\/my-video\/manifest\.json: /);
    expect(err.message).toContain('generate <entry> <composition-id>');
  });

  it('reports a segment that ends before it starts', () => {
    const bad = {...valid, segments: [{...valid.segments[0], startFrame: 900, endFrame: 900}]};
    expect(caught(() => parseManifest(bad, file)).message).toContain(
      'segments[0]: endFrame must be greater than startFrame',
    );
  });
});

describe('checkManifestMatches', () => {
  it('accepts a manifest made for the composition as it is', () => {
    expect(checkManifestMatches(valid, expected)).toBe(valid);
    // Frame rates are compared with a tolerance, not as exact floats.
    const ntsc = {...valid, fps: 30000 / 1001};
    expect(checkManifestMatches(ntsc, {...expected, fps: 29.97002997})).toBe(ntsc);
  });

  it('says when the manifest belongs to another composition', () => {
    const err = caught(() => checkManifestMatches({...valid, compositionId: 'other'}, expected));
    expect(err.message).toBe(
      'The generated-audio manifest mmaudio/my-video/manifest.json belongs to composition "other", not ' +
        '"my-video". Re-run npx remotion-mmaudio generate <entry> my-video to regenerate the audio.',
    );
  });

  it('says when the frame rate changed', () => {
    const err = caught(() => checkManifestMatches(valid, {...expected, fps: 25}));
    expect(err.message).toBe(
      'The generated audio in mmaudio/my-video/manifest.json was made at 30 fps, but "my-video" now runs at ' +
        '25 fps. Re-run npx remotion-mmaudio generate <entry> my-video to regenerate the audio.',
    );
  });

  it('says when the length changed', () => {
    const err = caught(() => checkManifestMatches(valid, {...expected, durationInFrames: 960}));
    expect(err.message).toBe(
      'The generated audio in mmaudio/my-video/manifest.json was made for 900 frames, but "my-video" now ' +
        'lasts 960 frames. Re-run npx remotion-mmaudio generate <entry> my-video to regenerate the audio.',
    );
    expect(err.file).toBe(file);
  });
});
