/** The images Remotion pipes to its encoder: JPEG (the default for video) or PNG. */
export type PipedImageFormat = 'jpeg' | 'png';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Cuts a byte stream of concatenated images (what ffmpeg's image2pipe reads and writes: one whole file
 * after the other, nothing between) back into the images, as the bytes arrive in pieces of any size.
 * JPEG is followed marker by marker (segment lengths, then the entropy-coded data up to the next marker
 * that is not a stuffed byte or a restart marker), so an FFD9 inside a segment does not end it early; PNG
 * chunk by chunk up to IEND. Throws on bytes that are not such an image: a frame must never be guessed.
 */
export const createImageStreamSplitter = (
  format: PipedImageFormat,
  onImage: (image: Buffer) => void,
): {push: (bytes: Buffer) => void; end: () => void} => {
  let buffer: Buffer = Buffer.alloc(0);
  // Where parsing of the current image resumes, and in what state (so each byte is looked at once).
  let cursor = 0;
  let inEntropyData = false;

  /** Length of the image at the start of `buffer`, or null when it is not complete yet. */
  const jpegLength = (): number | null => {
    if (cursor === 0) {
      if (buffer.length < 2) return null;
      if (buffer[0] !== 0xff || buffer[1] !== 0xd8) throw new Error('piped image is not a JPEG (no SOI)');
      cursor = 2;
    }
    while (true) {
      if (inEntropyData) {
        // Scan for a marker: FF followed by neither 00 (stuffing) nor D0–D7 (restart) nor FF (fill).
        let i = cursor;
        while (i + 1 < buffer.length) {
          if (buffer[i] === 0xff) {
            const next = buffer[i + 1];
            if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
              i += 2;
              continue;
            }
            if (next === 0xff) {
              i += 1;
              continue;
            }
            break;
          }
          i += 1;
        }
        if (i + 1 >= buffer.length) {
          cursor = i;
          return null;
        }
        cursor = i;
        inEntropyData = false;
      }
      if (cursor + 2 > buffer.length) return null;
      if (buffer[cursor] !== 0xff) throw new Error(`piped JPEG: expected a marker at byte ${cursor}`);
      const marker = buffer[cursor + 1];
      if (marker === 0xff) {
        cursor += 1;
        continue;
      }
      if (marker === 0xd9) return cursor + 2;
      if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        cursor += 2;
        continue;
      }
      if (cursor + 4 > buffer.length) return null;
      const length = buffer.readUInt16BE(cursor + 2);
      if (length < 2) throw new Error(`piped JPEG: segment of length ${length} at byte ${cursor}`);
      if (cursor + 2 + length > buffer.length) return null;
      cursor += 2 + length;
      if (marker === 0xda) inEntropyData = true;
    }
  };

  const pngLength = (): number | null => {
    if (cursor === 0) {
      if (buffer.length < 8) return null;
      if (PNG_SIGNATURE.some((b, i) => buffer[i] !== b)) throw new Error('piped image is not a PNG');
      cursor = 8;
    }
    while (true) {
      if (cursor + 8 > buffer.length) return null;
      const length = buffer.readUInt32BE(cursor);
      const type = buffer.toString('latin1', cursor + 4, cursor + 8);
      const end = cursor + 12 + length;
      if (end > buffer.length) return null;
      cursor = end;
      if (type === 'IEND') return end;
    }
  };

  const imageLength = format === 'jpeg' ? jpegLength : pngLength;
  return {
    push: (bytes) => {
      buffer = buffer.length === 0 ? bytes : Buffer.concat([buffer, bytes]);
      while (buffer.length > 0) {
        const length = imageLength();
        if (length === null) return;
        onImage(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        cursor = 0;
        inEntropyData = false;
      }
    },
    end: () => {
      if (buffer.length > 0)
        throw new Error(`the image stream ended inside an image (${buffer.length} bytes)`);
    },
  };
};
