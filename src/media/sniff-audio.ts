/**
 * What a downloaded result is, from its first bytes (magic numbers), never from its URL or a header the
 * host sets: a host that documents no format (PiAPI), or one that sends an mp4 with the audio muxed in
 * (fal, Replicate), is read for what it is. Pure: works on a Uint8Array.
 */
export type SniffedAudio = 'wav' | 'mp4' | 'mp3' | 'aac' | 'flac' | 'ogg' | 'matroska';

const ascii = (bytes: Uint8Array, offset: number, length: number): string =>
  bytes.length < offset + length ? '' : String.fromCharCode(...bytes.subarray(offset, offset + length));

/** The container of `bytes`, or null when it is none this project reads (an HTML error page, …). */
export const sniffAudio = (bytes: Uint8Array): SniffedAudio | null => {
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WAVE') return 'wav';
  if (ascii(bytes, 4, 4) === 'ftyp') return 'mp4';
  if (ascii(bytes, 0, 4) === 'fLaC') return 'flac';
  if (ascii(bytes, 0, 4) === 'OggS') return 'ogg';
  if (ascii(bytes, 0, 3) === 'ID3') return 'mp3';
  if (bytes.length >= 4 && bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    return 'matroska';
  }
  // An MPEG audio frame sync: 11 set bits. Layer bits 00 are ADTS (AAC); anything else is MPEG audio.
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0) {
    return (bytes[1] & 0x06) === 0 ? 'aac' : 'mp3';
  }
  return null;
};
