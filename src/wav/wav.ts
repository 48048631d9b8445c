/**
 * Minimal RIFF/WAVE reader and writer: PCM 8/16/24/32-bit integer and 32/64-bit float in, 16-bit PCM or
 * 32-bit float out. Pure (no Node imports), so the simulator, the backends, the pipeline and the tests
 * all read and write wavs the same way.
 */

export type AudioData = {
  sampleRate: number;
  /** One Float32Array per channel, samples in [-1, 1]. All channels have the same length. */
  channels: Float32Array[];
};

export type WavFormat = {
  /** 1 = PCM integer, 3 = IEEE float. */
  audioFormat: 1 | 3;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Frames (samples per channel). */
  frames: number;
  /** Byte offset of the first sample in the file. */
  dataOffset: number;
  dataBytes: number;
};

export class WavError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WavError';
  }
}

const ascii = (bytes: Uint8Array, offset: number, length: number): string =>
  String.fromCharCode(...bytes.subarray(offset, offset + length));

/** True when `bytes` start like a RIFF/WAVE file. Needs at least 12 bytes. */
export const looksLikeWav = (bytes: Uint8Array): boolean =>
  bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WAVE';

/**
 * Parses the header of a complete wav file and checks that the data chunk is all there.
 * Throws a WavError naming what is wrong (not RIFF, no fmt, unsupported format, truncated data).
 */
export const parseWavHeader = (bytes: Uint8Array): WavFormat => {
  if (!looksLikeWav(bytes)) {
    throw new WavError('Not a RIFF/WAVE file');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 12;
  let fmt: Omit<WavFormat, 'frames' | 'dataOffset' | 'dataBytes'> | null = null;
  while (offset + 8 <= bytes.length) {
    const id = ascii(bytes, offset, 4);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new WavError('Truncated fmt chunk');
      let audioFormat = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const bitsPerSample = view.getUint16(body + 14, true);
      if (audioFormat === 0xfffe && size >= 40) {
        // WAVE_FORMAT_EXTENSIBLE: the sub-format GUID starts with the real format tag.
        audioFormat = view.getUint16(body + 24, true);
      }
      if (audioFormat !== 1 && audioFormat !== 3) {
        throw new WavError(`Unsupported wav encoding (format tag ${audioFormat}); expected PCM or float`);
      }
      if (channels < 1 || sampleRate < 1) throw new WavError('Invalid wav fmt chunk');
      if (audioFormat === 1 && ![8, 16, 24, 32].includes(bitsPerSample)) {
        throw new WavError(`Unsupported PCM bit depth ${bitsPerSample}`);
      }
      if (audioFormat === 3 && ![32, 64].includes(bitsPerSample)) {
        throw new WavError(`Unsupported float bit depth ${bitsPerSample}`);
      }
      fmt = {audioFormat, channels, sampleRate, bitsPerSample};
    } else if (id === 'data') {
      if (!fmt) throw new WavError('data chunk before fmt chunk');
      const blockAlign = (fmt.bitsPerSample / 8) * fmt.channels;
      // Streaming writers (ffmpeg to a pipe) leave 0 or 0xFFFFFFFF as the size: take what is there.
      const declared = size === 0 || size === 0xffffffff ? bytes.length - body : size;
      if (body + declared > bytes.length) {
        throw new WavError(
          `Truncated wav: the data chunk declares ${declared} bytes but only ${bytes.length - body} are present`,
        );
      }
      const frames = Math.floor(declared / blockAlign);
      return {...fmt, frames, dataOffset: body, dataBytes: frames * blockAlign};
    }
    offset = body + size + (size % 2);
  }
  throw new WavError(fmt ? 'No data chunk in wav' : 'No fmt chunk in wav');
};

/** Decodes a complete wav file into float channels. */
export const decodeWav = (bytes: Uint8Array): AudioData => {
  const f = parseWavHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const channels = Array.from({length: f.channels}, () => new Float32Array(f.frames));
  const bytesPerSample = f.bitsPerSample / 8;
  let p = f.dataOffset;
  for (let i = 0; i < f.frames; i++) {
    for (let c = 0; c < f.channels; c++) {
      let v: number;
      if (f.audioFormat === 3) {
        v = f.bitsPerSample === 32 ? view.getFloat32(p, true) : view.getFloat64(p, true);
      } else if (f.bitsPerSample === 16) {
        v = view.getInt16(p, true) / 32768;
      } else if (f.bitsPerSample === 24) {
        const raw = bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16);
        v = ((raw << 8) >> 8) / 8388608;
      } else if (f.bitsPerSample === 32) {
        v = view.getInt32(p, true) / 2147483648;
      } else {
        v = (bytes[p] - 128) / 128;
      }
      channels[c][i] = v;
      p += bytesPerSample;
    }
  }
  return {sampleRate: f.sampleRate, channels};
};

/** Quantises one float sample to 16-bit PCM the way ffmpeg does (round to nearest, clip). */
export const toInt16 = (v: number): number => {
  const s = Math.round(v * 32768);
  return Math.min(32767, Math.max(-32768, s));
};

/** Encodes float channels as a 16-bit PCM wav (or 32-bit float with `float: true`). */
export const encodeWav = (audio: AudioData, options: {float?: boolean} = {}): Uint8Array => {
  const numChannels = audio.channels.length;
  if (numChannels < 1) throw new WavError('Cannot encode a wav with no channels');
  const frames = audio.channels[0].length;
  for (const ch of audio.channels) {
    if (ch.length !== frames) throw new WavError('All channels must have the same length');
  }
  const bits = options.float ? 32 : 16;
  const blockAlign = (bits / 8) * numChannels;
  const dataBytes = frames * blockAlign;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const writeAscii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
  };
  writeAscii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  writeAscii(8, 'WAVE');
  writeAscii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, options.float ? 3 : 1, true);
  view.setUint16(22, numChannels, true);
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bits, true);
  writeAscii(36, 'data');
  view.setUint32(40, dataBytes, true);
  let p = 44;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < numChannels; c++) {
      const v = audio.channels[c][i];
      if (options.float) {
        view.setFloat32(p, v, true);
        p += 4;
      } else {
        view.setInt16(p, toInt16(v), true);
        p += 2;
      }
    }
  }
  return out;
};
