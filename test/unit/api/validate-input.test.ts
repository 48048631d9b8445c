import {describe, expect, it} from 'vitest';
import {InputValidationError} from '../../../src/api/errors.ts';
import {validateInput} from '../../../src/api/validate-input.ts';

/** An ISO-BMFF box. */
const box = (type: string, ...payload: Uint8Array[]): Uint8Array => {
  const size = 8 + payload.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  out.set(new TextEncoder().encode(type), 4);
  let offset = 8;
  for (const p of payload) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
};

/** A minimal mp4: ftyp + moov/mvhd (version 0) declaring `units / timescale` seconds. */
const mp4 = (units: number, timescale = 1000): Uint8Array => {
  const mvhd = new Uint8Array(100);
  const view = new DataView(mvhd.buffer);
  view.setUint32(12, timescale);
  view.setUint32(16, units);
  return new Uint8Array([
    ...box('ftyp', new TextEncoder().encode('isom'), new Uint8Array(4), new TextEncoder().encode('isomavc1')),
    ...box('moov', box('mvhd', mvhd)),
  ]);
};
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

const base = {video: 'https://cdn.example.com/proxy.mp4', prompt: 'rain on a tin roof'};

const rejection = (input: Parameters<typeof validateInput>[0]): InputValidationError => {
  try {
    validateInput(input);
  } catch (err) {
    expect(err).toBeInstanceOf(InputValidationError);
    expect((err as InputValidationError).exitCode).toBe(2);
    return err as InputValidationError;
  }
  throw new Error('expected an InputValidationError');
};

describe('validateInput', () => {
  it('builds the request input with defaults', () => {
    const v = validateInput(base);
    expect(v.body).toEqual({video: base.video, prompt: base.prompt, steps: 25});
    expect(v.video).toEqual({kind: 'url', url: base.video});
    expect(v.seed).toBeNull();
    expect(v.negativePrompt).toBeNull();
  });

  it('sends negative_prompt and seeds when given', () => {
    const v = validateInput({...base, negativePrompt: 'music', steps: 50, seed: Number.MAX_SAFE_INTEGER});
    expect(v.body).toEqual({
      video: base.video,
      prompt: base.prompt,
      negative_prompt: 'music',
      steps: 50,
      seeds: Number.MAX_SAFE_INTEGER,
    });
    expect(validateInput({...base, negativePrompt: '', seed: 0}).body).toEqual({
      video: base.video,
      prompt: base.prompt,
      steps: 25,
      seeds: 0,
    });
  });

  it('prompt: required, at most 500 characters (code points)', () => {
    expect(rejection({...base, prompt: ''}).field).toBe('prompt');
    expect(rejection({...base, prompt: '   '}).field).toBe('prompt');
    const long = rejection({...base, prompt: 'a'.repeat(612)});
    expect(long.field).toBe('prompt');
    expect(long.limit).toBe(500);
    expect(long.message).toBe('prompt is 612 characters; the API accepts at most 500');
    expect(() => validateInput({...base, prompt: 'a'.repeat(500)})).not.toThrow();
    // 500 emoji are 1000 UTF-16 units but 500 characters.
    expect(() => validateInput({...base, prompt: '🔊'.repeat(500)})).not.toThrow();
  });

  it('negative_prompt: at most 200 characters', () => {
    const err = rejection({...base, negativePrompt: 'b'.repeat(201)});
    expect(err.field).toBe('negative_prompt');
    expect(err.limit).toBe(200);
    expect(err.message).toBe('negative_prompt is 201 characters; the API accepts at most 200');
    expect(() => validateInput({...base, negativePrompt: 'b'.repeat(200)})).not.toThrow();
  });

  it.each([19, 51, 25.5, Number.NaN, -1])('steps %s is refused', (steps) => {
    const err = rejection({...base, steps});
    expect(err.field).toBe('steps');
    expect(err.limit).toBe('20–50');
    expect(err.message).toContain('20 to 50');
  });

  it.each([-1, 1.5, 2 ** 53, Number.POSITIVE_INFINITY])('seed %s is refused', (seed) => {
    const err = rejection({...base, seed});
    expect(err.field).toBe('seeds');
    expect(err.message).toContain('9007199254740991');
  });

  it('video: http(s) URLs pass, other schemes and junk do not', () => {
    expect(validateInput({...base, video: 'http://127.0.0.1:9/v.mp4'}).video.kind).toBe('url');
    for (const video of ['ftp://host/v.mp4', 'file:///tmp/v.mp4', 'not a video!', '']) {
      const err = rejection({...base, video});
      expect(err.field).toBe('video');
      expect(err.message).toContain('http(s) URL or base64');
    }
  });

  it('video: base64 and data URIs of an mp4 pass, with their duration read', () => {
    const raw = validateInput({...base, video: b64(mp4(12_000))});
    expect(raw.video).toMatchObject({kind: 'base64', durationInSeconds: 12, majorBrand: 'isom'});
    const uri = validateInput({...base, video: `data:video/mp4;base64,${b64(mp4(5000))}`});
    expect(uri.video).toMatchObject({kind: 'base64', durationInSeconds: 5});
    expect(uri.body.video.startsWith('data:video/mp4;base64,')).toBe(true);
  });

  it('video: at most 60 s, with 0.1 s of tolerance for container rounding', () => {
    expect(() => validateInput({...base, video: b64(mp4(60_000))})).not.toThrow();
    expect(() => validateInput({...base, video: b64(mp4(60_080))})).not.toThrow();
    const err = rejection({...base, video: b64(mp4(60_200))});
    expect(err.field).toBe('video');
    expect(err.limit).toBe(60);
    expect(err.message).toContain('video is 60.20 s long; the API accepts at most 60 s');
  });

  it('video: base64 that is not an mp4, or another data type, is refused', () => {
    expect(rejection({...base, video: b64(new TextEncoder().encode('RIFF....WAVEfmt '))}).message).toContain(
      'ftyp',
    );
    const noMoov = b64(box('ftyp', new TextEncoder().encode('isom'), new Uint8Array(4)));
    expect(rejection({...base, video: noMoov}).message).toContain('no moov box');
    expect(rejection({...base, video: `data:image/png;base64,${b64(mp4(1000))}`}).message).toContain(
      'data:video/mp4;base64,',
    );
  });
});
