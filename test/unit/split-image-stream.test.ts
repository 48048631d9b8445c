import {describe, expect, it} from 'vitest';
import {createImageStreamSplitter} from '../../src/pipeline/split-image-stream.ts';

/** A minimal JPEG: SOI, an APP1 segment holding FF D9 (as an EXIF thumbnail may), SOS, data, EOI. */
const jpeg = (seed: number): Buffer =>
  Buffer.from([
    0xff,
    0xd8,
    // APP1, length 8: its payload holds an EOI marker that must not end the image.
    0xff,
    0xe1,
    0x00,
    0x08,
    0xff,
    0xd9,
    seed,
    0x00,
    0x01,
    0x02,
    // SOS header, length 4.
    0xff,
    0xda,
    0x00,
    0x04,
    0x01,
    0x02,
    // Entropy-coded data with a stuffed byte (FF 00), a restart marker (FF D0) and fill bytes (FF FF).
    seed,
    0xff,
    0x00,
    0x12,
    0xff,
    0xd0,
    0x34,
    0xff,
    0xff,
    0xd1,
    0x56,
    0xff,
    0xd9,
  ]);

const png = (seed: number): Buffer => {
  const chunk = (type: string, data: number[]) => {
    const b = Buffer.alloc(12 + data.length);
    b.writeUInt32BE(data.length, 0);
    b.write(type, 4, 'latin1');
    Buffer.from(data).copy(b, 8);
    return b;
  };
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', [0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]),
    // An IDAT whose bytes spell IEND: only the chunk type counts.
    chunk('IDAT', [0x49, 0x45, 0x4e, 0x44, seed]),
    chunk('IEND', []),
  ]);
};

/** Feeds `stream` in pieces of `size` bytes and returns the images the splitter cut. */
const split = (format: 'jpeg' | 'png', stream: Buffer, size: number): Buffer[] => {
  const images: Buffer[] = [];
  const splitter = createImageStreamSplitter(format, (image) => images.push(Buffer.from(image)));
  for (let i = 0; i < stream.length; i += size) splitter.push(stream.subarray(i, i + size));
  splitter.end();
  return images;
};

describe('createImageStreamSplitter', () => {
  it.each([1, 2, 3, 7, 1000])(
    'cuts concatenated JPEGs back into the same images (pieces of %d bytes)',
    (size) => {
      const images = [1, 2, 3, 4, 5].map(jpeg);
      const got = split('jpeg', Buffer.concat(images), size);
      console.log(`JPEG, pieces of ${size} B: ${got.length} images, ${got.map((g) => g.length).join('/')} B`);
      expect(got).toEqual(images);
    },
  );

  it.each([1, 5, 1000])('cuts concatenated PNGs back into the same images (pieces of %d bytes)', (size) => {
    const images = [1, 2, 3].map(png);
    expect(split('png', Buffer.concat(images), size)).toEqual(images);
  });

  it('refuses bytes that are not an image, and a stream that ends inside one', () => {
    expect(() => split('jpeg', Buffer.from([0x00, 0x01, 0x02]), 10)).toThrow(/not a JPEG/);
    expect(() => split('png', Buffer.from('not a png at all'), 10)).toThrow(/not a PNG/);
    expect(() => split('jpeg', jpeg(1).subarray(0, 20), 4)).toThrow(/ended inside an image/);
  });
});
