import {describe, expect, it} from 'vitest';
import {audioSrcProblem, isHttpUrl} from '../../../src/contract/audio-src.ts';
import type {Manifest} from '../../../src/contract/manifest.ts';
import {propsManifestSchema} from '../../../src/contract/props-manifest.ts';
import {mmaudioPropsSchema} from '../../../src/contract/props-schema.ts';
import {manifestFromProps} from '../../../src/react/manifest-from-props.ts';

const manifest = (src: string, takeSrc?: string): Manifest => ({
  version: 1,
  compositionId: 'c',
  fps: 30,
  durationInFrames: 60,
  backend: 'offline',
  createdAt: '2026-01-01T00:00:00.000Z',
  crossfade: 'in-audio',
  segments: [
    {
      index: 0,
      startFrame: 0,
      endFrame: 60,
      src,
      durationInSeconds: 2,
      sampleRate: 48_000,
      channels: 2,
      fadeInFrames: 0,
      fadeOutFrames: 0,
      prompt: 'p',
      negativePrompt: null,
      steps: 25,
      seed: 1,
      taskId: 't',
      cacheKey: 'k',
      ...(takeSrc
        ? {
            takes: [
              {seed: 1, src, sampleRate: 48_000, channels: 2, taskId: 't', cacheKey: 'k'},
              {seed: 2, src: takeSrc, sampleRate: 48_000, channels: 2, taskId: 't2', cacheKey: 'k2'},
            ],
          }
        : {}),
    },
  ],
});

describe('src of a manifest in input props', () => {
  it.each([
    ['https://bucket.s3.eu-west-1.amazonaws.com/mmaudio/c/a.wav', null],
    ['http://127.0.0.1:9000/bucket/a.wav', null],
    ['HTTPS://EXAMPLE.COM/a.wav', null],
    ['mmaudio/c/segment-001-abc.wav', null],
    ['file:///etc/passwd', /neither an http\(s\) URL nor a path in the public folder/],
    ['data:audio/wav;base64,AAAA', /neither an http\(s\) URL/],
    ['blob:http://localhost/x', /neither an http\(s\) URL/],
    ['s3://bucket/a.wav', /neither an http\(s\) URL/],
    ['/home/user/a.wav', /absolute path/],
    ['mmaudio/../../secret.wav', /leaves the public folder/],
    ['https://', /neither an http\(s\) URL/],
  ])('%s', (src, expected) => {
    const problem = audioSrcProblem(src);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });

  it('isHttpUrl needs a host', () => {
    expect(isHttpUrl('https://a.b/c')).toBe(true);
    expect(isHttpUrl('https:///c')).toBe(false);
    expect(isHttpUrl('ftp://a.b/c')).toBe(false);
  });
});

describe('propsManifestSchema and mmaudio.manifest', () => {
  it('accepts what the public manifest schema accepts when every src is a URL or a public path', () => {
    expect(propsManifestSchema.parse(manifest('https://x.test/a.wav')).segments[0].src).toBe(
      'https://x.test/a.wav',
    );
    expect(mmaudioPropsSchema.parse({manifest: manifest('mmaudio/c/a.wav')}).manifest?.segments).toHaveLength(
      1,
    );
    // Leaving it out keeps every existing props object valid.
    expect(mmaudioPropsSchema.parse({prompt: 'x'})).toEqual({prompt: 'x'});
  });

  it('names the segment, or the take, whose src is refused', () => {
    const bad = propsManifestSchema.safeParse(manifest('file:///a.wav'));
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].path).toEqual(['segments', 0, 'src']);
    const badTake = propsManifestSchema.safeParse(manifest('https://x.test/a.wav', '/tmp/b.wav'));
    expect(badTake.error?.issues[0].path).toEqual(['segments', 0, 'takes', 1, 'src']);
  });

  it('manifestFromProps: null without one, the manifest, or an error naming mmaudio.manifest.<path>', () => {
    expect(manifestFromProps({})).toBeNull();
    expect(manifestFromProps({mmaudio: {prompt: 'x'}})).toBeNull();
    expect(manifestFromProps({mmaudio: {manifest: manifest('https://x.test/a.wav')}})?.fps).toBe(30);
    expect(() => manifestFromProps({mmaudio: {manifest: manifest('C:\\a.wav')}})).toThrow(
      /mmaudio\.manifest\.segments\[0\]\.src: "C:\\\\a\.wav" is neither an http\(s\) URL/,
    );
    expect(() => manifestFromProps({mmaudio: {manifest: {...manifest('a.wav'), version: 2}}})).toThrow(
      /mmaudio\.manifest\.version/,
    );
  });
});
