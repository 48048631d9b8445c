/**
 * Just enough ISO-BMFF (mp4) parsing to check what the API will accept before sending it: the file starts
 * with an `ftyp` box, and its duration (from `moov/mvhd`, or the longest `moov/trak/mdhd` when mvhd says
 * 0) is known. Pure: works on a Uint8Array, no Node imports.
 */

export type Mp4Info = {
  /** Major brand from the ftyp box, e.g. `isom`. */
  majorBrand: string;
  /** Duration in seconds. */
  durationInSeconds: number;
};

export class Mp4Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Mp4Error';
  }
}

type Box = {type: string; start: number; headerSize: number; size: number};

const fourcc = (bytes: Uint8Array, offset: number): string =>
  String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);

const readBoxes = (bytes: Uint8Array, start: number, end: number): Box[] => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: Box[] = [];
  let offset = start;
  while (offset + 8 <= end) {
    let size = view.getUint32(offset);
    const type = fourcc(bytes, offset + 4);
    let headerSize = 8;
    if (size === 1) {
      if (offset + 16 > end) break;
      const big = view.getBigUint64(offset + 8);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Mp4Error(`mp4 box ${type} is too large`);
      size = Number(big);
      headerSize = 16;
    } else if (size === 0) {
      size = end - offset;
    }
    if (size < headerSize) throw new Mp4Error(`Corrupt mp4: box ${JSON.stringify(type)} has size ${size}`);
    boxes.push({type, start: offset, headerSize, size});
    offset += size;
  }
  return boxes;
};

/** Reads the duration field of an mvhd or mdhd box (version 0 or 1) in seconds; null when unusable. */
const readHeaderDuration = (bytes: Uint8Array, box: Box): number | null => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const body = box.start + box.headerSize;
  if (body + 4 > bytes.length) return null;
  const version = bytes[body];
  let timescale: number;
  let duration: number;
  if (version === 1) {
    if (body + 32 > bytes.length) return null;
    timescale = view.getUint32(body + 20);
    duration = Number(view.getBigUint64(body + 24));
  } else {
    if (body + 20 > bytes.length) return null;
    timescale = view.getUint32(body + 12);
    duration = view.getUint32(body + 16);
  }
  if (timescale === 0 || duration === 0xffffffff) return null;
  return duration / timescale;
};

/** True when the bytes start with an mp4 `ftyp` box. Needs at least 8 bytes. */
export const looksLikeMp4 = (bytes: Uint8Array): boolean => bytes.length >= 8 && fourcc(bytes, 4) === 'ftyp';

/**
 * Parses an mp4 file held in memory. Throws an Mp4Error naming the problem when it has no ftyp box first,
 * no moov box, or no duration.
 */
export const readMp4Info = (bytes: Uint8Array): Mp4Info => {
  if (!looksLikeMp4(bytes)) {
    throw new Mp4Error('Not an mp4 file: it does not start with an ftyp box');
  }
  const top = readBoxes(bytes, 0, bytes.length);
  const ftyp = top[0];
  const majorBrand = fourcc(bytes, ftyp.start + ftyp.headerSize);
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) throw new Mp4Error('Corrupt or truncated mp4: no moov box');
  if (moov.start + moov.size > bytes.length) throw new Mp4Error('Truncated mp4: the moov box is cut off');
  const children = readBoxes(bytes, moov.start + moov.headerSize, moov.start + moov.size);
  const mvhd = children.find((b) => b.type === 'mvhd');
  let duration = mvhd ? readHeaderDuration(bytes, mvhd) : null;
  if (!duration) {
    // Fragmented or oddly written files: take the longest track.
    let longest = 0;
    for (const trak of children.filter((b) => b.type === 'trak')) {
      const mdia = readBoxes(bytes, trak.start + trak.headerSize, trak.start + trak.size).find(
        (b) => b.type === 'mdia',
      );
      if (!mdia) continue;
      const mdhd = readBoxes(bytes, mdia.start + mdia.headerSize, mdia.start + mdia.size).find(
        (b) => b.type === 'mdhd',
      );
      const d = mdhd ? readHeaderDuration(bytes, mdhd) : null;
      if (d && d > longest) longest = d;
    }
    duration = longest || null;
  }
  if (duration === null) throw new Mp4Error('mp4 has no duration in its moov box');
  return {majorBrand, durationInSeconds: duration};
};
