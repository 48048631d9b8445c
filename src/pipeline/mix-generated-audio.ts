import {open, readFile} from 'node:fs/promises';
import path from 'node:path';
import {
  type GeneratedAudioPlacement,
  PLACEMENT_ARTIFACT_PREFIX,
} from '../react/generated-audio-placement.tsx';
import type {Manifest} from '../react/manifest.ts';
import {decodeWav, parseWavHeader} from '../wav/wav.ts';
import type {FramePassArtifact, RenderedChunk} from './frame-pass.ts';

/** Remotion renders audio at 48 kHz, 16-bit, stereo. */
const SAMPLE_RATE = 48_000;
const CHANNELS = 2;

export type DirectMixDecision =
  | {direct: true; volume: number; muted: boolean}
  | {direct: false; reason: string};

/**
 * Can the final audio be mixed here instead of by an audio-only render of the composition, with the same
 * result sample for sample? Yes when:
 * - a frame is a whole number of 48 kHz samples (24, 25, 30, 50, 60 fps…): then the chunks' own-audio wavs
 *   concatenate exactly to what a whole-composition render gives, and a layer starting at frame f starts
 *   at sample f × 48000 / fps;
 * - exactly one `<GeneratedAudio />` reported its placement, at the top level (not inside a `<Sequence>`),
 *   with a constant volume;
 * - the crossfades are baked into the wavs (the layers play at that constant volume throughout).
 * Otherwise the audio pass stays, and `reason` says why (for `--log verbose`).
 */
export const decideDirectMix = (options: {
  fps: number;
  compositionId: string;
  manifest: Manifest;
  artifacts: FramePassArtifact[];
  chunks: RenderedChunk[];
}): DirectMixDecision => {
  const samplesPerFrame = SAMPLE_RATE / options.fps;
  if (Math.abs(samplesPerFrame - Math.round(samplesPerFrame)) > 1e-9) {
    return {
      direct: false,
      reason: `at ${options.fps} fps a frame is ${samplesPerFrame.toFixed(3)} samples, not a whole number`,
    };
  }
  if (options.manifest.crossfade !== 'in-audio')
    return {direct: false, reason: 'crossfades are not baked into the audio'};
  const placements: GeneratedAudioPlacement[] = [];
  for (const a of options.artifacts) {
    if (!a.filename.startsWith(PLACEMENT_ARTIFACT_PREFIX)) continue;
    try {
      placements.push(JSON.parse(a.content) as GeneratedAudioPlacement);
    } catch {
      return {direct: false, reason: `unreadable placement report ${a.filename}`};
    }
  }
  const mine = placements.filter((p) => p.compositionId === options.compositionId);
  if (mine.length !== 1 || placements.length !== 1) {
    return {
      direct: false,
      reason: `${placements.length} <GeneratedAudio /> placement reports (expected exactly one)`,
    };
  }
  const [p] = mine;
  if (p.insideSequence || p.absoluteFrame !== 0) {
    return {
      direct: false,
      reason: `<GeneratedAudio /> is inside a <Sequence> or does not start at frame 0 (${JSON.stringify(p)})`,
    };
  }
  if (p.volume === null || !Number.isFinite(p.volume) || p.volume < 0) {
    return {direct: false, reason: '<GeneratedAudio volume> is a function'};
  }
  if (options.chunks.some((c) => !c.audioFile)) return {direct: false, reason: 'a chunk has no audio'};
  return {direct: true, volume: p.volume, muted: p.muted};
};

const writeWavHeader = (dataBytes: number): Buffer => {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(CHANNELS, 22);
  h.writeUInt32LE(SAMPLE_RATE, 24);
  h.writeUInt32LE(SAMPLE_RATE * CHANNELS * 2, 28);
  h.writeUInt16LE(CHANNELS * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
};

/**
 * Mixes the final audio the way Remotion's audio pass would: the composition's own audio (the frame
 * pass's per-chunk wavs, in order) plus every generated segment at sample startFrame × 48000 / fps,
 * mono duplicated to both channels, scaled as `@remotion/media` does (an Int16 sample × volume, truncated
 * toward zero; untouched at volume 1), summed and clipped to 16 bits. Streams chunk by chunk, so memory
 * stays at one chunk plus the segments it overlaps.
 */
export const mixGeneratedAudio = async (options: {
  chunks: RenderedChunk[];
  manifest: Manifest;
  publicDir: string;
  volume: number;
  muted: boolean;
  output: string;
}): Promise<{frames: number}> => {
  const chunks = [...options.chunks].sort((a, b) => a.startFrame - b.startFrame);
  const samplesPerFrame = Math.round(SAMPLE_RATE / options.manifest.fps);
  const segments = options.muted ? [] : options.manifest.segments;
  const toInt16 = (v: number) => Math.round(v * 32768);
  const scale =
    options.volume === 1
      ? (s: number) => s
      : (s: number) => Math.trunc(Math.max(-32768, Math.min(32767, s * options.volume)));
  // Segments are decoded when the first chunk they overlap is mixed and dropped after their last one.
  const decoded = new Map<number, Int16Array[]>();
  const segmentSamples = async (index: number): Promise<Int16Array[]> => {
    let channels = decoded.get(index);
    if (!channels) {
      const segment = segments[index];
      const audio = decodeWav(new Uint8Array(await readFile(path.join(options.publicDir, segment.src))));
      if (audio.sampleRate !== SAMPLE_RATE) throw new Error(`${segment.src} is not 48 kHz`);
      const ints = audio.channels.map((ch) => Int16Array.from(ch, (v) => scale(toInt16(v))));
      channels = [ints[0], ints[Math.min(1, ints.length - 1)]];
      decoded.set(index, channels);
    }
    return channels;
  };

  const handle = await open(options.output, 'w');
  let total = 0;
  try {
    await handle.write(writeWavHeader(0), 0, 44, 0);
    let position = 44;
    for (const chunk of chunks) {
      const bytes = new Uint8Array(await readFile(chunk.audioFile));
      const header = parseWavHeader(bytes);
      if (header.sampleRate !== SAMPLE_RATE || header.channels !== CHANNELS || header.bitsPerSample !== 16) {
        throw new Error(`${chunk.audioFile}: expected 48 kHz stereo 16-bit audio`);
      }
      const start = chunk.startFrame * samplesPerFrame;
      const frames = (chunk.endFrame - chunk.startFrame) * samplesPerFrame;
      if (header.frames !== frames) {
        throw new Error(`${chunk.audioFile} has ${header.frames} samples, expected ${frames}`);
      }
      const own = new Int16Array(
        bytes.buffer.slice(
          bytes.byteOffset + header.dataOffset,
          bytes.byteOffset + header.dataOffset + header.dataBytes,
        ),
      );
      const mix = new Int32Array(own);
      for (const [index, segment] of segments.entries()) {
        const from = segment.startFrame * samplesPerFrame;
        const to = segment.endFrame * samplesPerFrame;
        if (to <= start || from >= start + frames) continue;
        const channels = await segmentSamples(index);
        const length = Math.min(channels[0].length, to - from);
        const a = Math.max(start, from);
        const b = Math.min(start + frames, from + length);
        for (let t = a; t < b; t++) {
          const o = (t - start) * CHANNELS;
          mix[o] += channels[0][t - from];
          mix[o + 1] += channels[1][t - from];
        }
        if (from + length <= start + frames) decoded.delete(index);
      }
      const out = Buffer.alloc(mix.length * 2);
      for (let i = 0; i < mix.length; i++) out.writeInt16LE(Math.max(-32768, Math.min(32767, mix[i])), i * 2);
      await handle.write(out, 0, out.length, position);
      position += out.length;
      total += frames;
    }
    await handle.write(writeWavHeader(total * CHANNELS * 2), 0, 44, 0);
  } finally {
    await handle.close();
  }
  return {frames: total};
};
