import {open, readFile} from 'node:fs/promises';
import path from 'node:path';
import type {Manifest} from '../contract/manifest.ts';
import {type GeneratedAudioPlacement, PLACEMENT_ARTIFACT_PREFIX} from '../contract/placement.ts';
import {decodeWav, parseWavHeader} from '../wav/wav.ts';
import type {FramePassArtifact, OwnAudioPart} from './frame-pass.ts';

/** Remotion renders audio at 48 kHz, 16-bit, stereo. */
const SAMPLE_RATE = 48_000;
const CHANNELS = 2;

export type DirectMixDecision =
  | {direct: true; volume: number; muted: boolean; takes: Record<string, number> | null}
  | {direct: false; reason: string};

/** What a chunk's own-audio wav turned out to be, read from its header. */
export type ChunkAudioInfo = {
  file: string;
  startFrame: number;
  /** Exclusive. */
  endFrame: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Sample frames (per channel) in the file. */
  frames: number;
};

/** Reads the header of every own-audio wav: what the direct mix would build on, measured. */
export const measureChunkAudio = async (chunks: readonly OwnAudioPart[]): Promise<ChunkAudioInfo[]> => {
  const out: ChunkAudioInfo[] = [];
  // One file at a time: a chunk's wav is its length × 192 kB/s.
  for (const chunk of [...chunks].sort((a, b) => a.startFrame - b.startFrame)) {
    const header = parseWavHeader(new Uint8Array(await readFile(chunk.audioFile)));
    out.push({
      file: chunk.audioFile,
      startFrame: chunk.startFrame,
      endFrame: chunk.endFrame,
      sampleRate: header.sampleRate,
      channels: header.channels,
      bitsPerSample: header.bitsPerSample,
      frames: header.frames,
    });
  }
  return out;
};

/**
 * Can the final audio be mixed here instead of by an audio-only render of the composition, with the same
 * result sample for sample? Only when every assumption the mix makes is checked:
 * - a frame is a whole number of 48 kHz samples (24, 25, 30, 50, 60 fps…), so a layer starting at frame f
 *   starts at sample f × 48000 / fps;
 * - the own audio is one wav over the whole composition (one render, mixed by Remotion over the whole
 *   range, as an audio pass mixes it), or it reached Remotion frame by frame (`@remotion/media`), not as
 *   media files it cut and placed with ffmpeg per render range (`<Html5Audio>`, `<OffthreadVideo>`, … —
 *   Remotion reported downloading them): only then do the chunks' wavs join into what a whole render gives;
 * - every chunk's wav is 48 kHz stereo 16-bit and exactly its frames × samples-per-frame long (a single
 *   wav of one render at least that long: its tail is kept, as an audio pass keeps it), and the chunks
 *   cover the composition end to end;
 * - exactly one `<GeneratedAudio />` reported its placement, at the top level (not inside a `<Sequence>`),
 *   with a constant volume, and the crossfades are baked into the wavs.
 * Otherwise the audio pass stays, and `reason` says why (for `--log verbose`).
 */
export const decideDirectMix = (options: {
  fps: number;
  compositionId: string;
  durationInFrames: number;
  manifest: Manifest;
  artifacts: FramePassArtifact[];
  chunkAudio: ChunkAudioInfo[];
  mixedMediaSources: readonly string[];
}): DirectMixDecision => {
  const samplesPerFrame = SAMPLE_RATE / options.fps;
  if (Math.abs(samplesPerFrame - Math.round(samplesPerFrame)) > 1e-9) {
    return {
      direct: false,
      reason: `at ${options.fps} fps a frame is ${samplesPerFrame.toFixed(3)} samples, not a whole number`,
    };
  }
  // One own-audio wav over the whole composition is Remotion's mix of it over the whole range, as in an
  // audio pass: media it cuts per range only breaks the join of several ranges.
  if (options.mixedMediaSources.length > 0 && options.chunkAudio.length !== 1) {
    // Each chunk's render serves the bundle on its own port: name each file once.
    const names = [
      ...new Set(
        options.mixedMediaSources.map((src) =>
          src
            .replace(/[?#].*$/, '')
            .replace(/^.*\//, '')
            .slice(0, 60),
        ),
      ),
    ];
    return {
      direct: false,
      reason:
        `the composition's own audio includes media Remotion cuts per render range (${names.join(', ')}: ` +
        '<Html5Audio>, <OffthreadVideo> or similar) and was rendered in several ranges, so it is not proven to join exactly',
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
  const spf = Math.round(samplesPerFrame);
  let cursor = 0;
  for (const c of [...options.chunkAudio].sort((a, b) => a.startFrame - b.startFrame)) {
    const name = c.file.replace(/^.*\//, '');
    if (c.startFrame !== cursor) {
      return {direct: false, reason: `the chunks' audio leaves a gap at frame ${cursor}`};
    }
    if (c.sampleRate !== SAMPLE_RATE || c.channels !== CHANNELS || c.bitsPerSample !== 16) {
      return {
        direct: false,
        reason: `${name} is ${c.sampleRate} Hz, ${c.channels} channel(s), ${c.bitsPerSample}-bit, not 48 kHz stereo 16-bit`,
      };
    }
    const expected = (c.endFrame - c.startFrame) * spf;
    // One render's wav may run on past the last frame (Remotion pads media it places with ffmpeg): an
    // audio pass of the same render gives the same tail, which the mix keeps. Several must join exactly.
    const wholeRender = options.chunkAudio.length === 1;
    if (wholeRender ? c.frames < expected : c.frames !== expected) {
      return {
        direct: false,
        reason: `${name} has ${c.frames} samples where frames ${c.startFrame}–${c.endFrame - 1} are ${expected}`,
      };
    }
    cursor = c.endFrame;
  }
  if (cursor !== options.durationInFrames) {
    return {
      direct: false,
      reason: `the chunks' audio covers ${cursor} of ${options.durationInFrames} frames`,
    };
  }
  return {direct: true, volume: p.volume, muted: p.muted, takes: p.takes ?? null};
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
  /** The own audio, as the frame pass made it (one part per render). */
  chunks: OwnAudioPart[];
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
      const expected = (chunk.endFrame - chunk.startFrame) * samplesPerFrame;
      // A single part (one render) keeps what it has past the last frame (see decideDirectMix).
      const frames = chunks.length === 1 && header.frames > expected ? header.frames : expected;
      if (header.frames !== frames) {
        throw new Error(`${chunk.audioFile} has ${header.frames} samples, expected ${expected}`);
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
