import type {WebpackOverrideFn} from '@remotion/bundler';
import {
  type AudioCodec,
  type ChromiumOptions,
  type Codec,
  type ColorSpace,
  type PixelFormat,
  RenderInternals,
  type RenderMediaOptions,
  type SingleFrameRange,
  type VideoImageFormat,
  type X264Preset,
} from '@remotion/renderer';
import {UsageError} from '../errors.ts';
import type {ChunkEncoding} from './frame-pass.ts';
import type {GenerationSettings} from './generation/generation-settings.ts';

type ProResProfile = NonNullable<RenderMediaOptions['proResProfile']>;
/** A frame, or [first, last] (inclusive; last null for "to the end"): Remotion's single frame range. */
export type FrameRange = SingleFrameRange;

/**
 * Remotion's render settings, named as `renderMedia()` names them (the CLI's flags, spelled as Remotion
 * spells them, map onto these). Every one is optional; left out, Remotion's own default (or the
 * composition's `defaultCodec`, `defaultPixelFormat`… from calculateMetadata) applies, as in
 * `npx remotion render`.
 */
export type RemotionRenderSettings = {
  /** Default: the composition's `defaultCodec`, else h264. */
  codec?: Codec;
  crf?: number | null;
  videoBitrate?: RenderMediaOptions['videoBitrate'];
  audioBitrate?: RenderMediaOptions['audioBitrate'];
  /** Default: Remotion's for the codec (aac for h264/h265/prores, opus for vp8/vp9). */
  audioCodec?: AudioCodec | null;
  pixelFormat?: PixelFormat;
  imageFormat?: VideoImageFormat;
  jpegQuality?: number;
  scale?: number;
  /** `--frames`: a frame, or [first, last] (inclusive, last may be null for "to the end"). */
  frameRange?: FrameRange | null;
  everyNthFrame?: number;
  x264Preset?: X264Preset | null;
  colorSpace?: ColorSpace;
  proResProfile?: ProResProfile;
  /** No audio track in the output (the audio is still generated and published). */
  muted?: boolean;
  /** Remotion's delayRender() timeout (`--timeout`). */
  timeoutInMilliseconds?: number;
  /** `--gl` and the other browser switches, as renderMedia's `chromiumOptions`. */
  chromiumOptions?: ChromiumOptions;
  /** Given to the composition as `process.env` (Remotion's `envVariables`; the CLI adds `--env-file`). */
  envVariables?: Record<string, string>;
  /** `--width` / `--height`: override the composition's size, as Remotion's CLI does. */
  width?: number | null;
  height?: number | null;
};

/** How the output is made from the frame pass. */
export type OutputPath =
  /** The chunks are encoded with the user's codec and settings and joined without re-encoding. */
  | {kind: 'chunks'}
  /** The output is audio only: the frames are rendered once (h264) only for the proxies. */
  | {kind: 'audio-only'}
  /** The chunks cannot be joined without re-encoding: Remotion renders the output itself once more. */
  | {kind: 'remotion-render'; reason: string};

export type NormalizedRenderSettings = {
  codec: Codec;
  audioCodec: AudioCodec | null;
  path: OutputPath;
  frameRange: FrameRange | null;
  muted: boolean;
  audioBitrate: RenderMediaOptions['audioBitrate'];
  /** What the chunks (and a whole Remotion render) are rendered with, beside codec and audio. */
  picture: {
    crf?: number | null;
    videoBitrate?: RenderMediaOptions['videoBitrate'];
    pixelFormat?: PixelFormat;
    imageFormat?: VideoImageFormat;
    jpegQuality?: number;
    scale?: number;
    x264Preset?: X264Preset | null;
    colorSpace?: ColorSpace;
    proResProfile?: ProResProfile;
    everyNthFrame?: number;
  };
  timeoutInMilliseconds: number | null;
  chromiumOptions: ChromiumOptions;
  envVariables: Record<string, string>;
  width: number | null;
  height: number | null;
};

/** Codecs whose chunks, encoded separately, join with `-c copy` into what one encode gives. */
const CHUNKED_CODECS: readonly Codec[] = ['h264', 'h265', 'vp8', 'vp9', 'prores', 'h264-mkv'];
const AUDIO_ONLY_CODECS: readonly Codec[] = ['mp3', 'aac', 'wav'];

export const isAudioOnlyCodec = (codec: Codec): boolean => AUDIO_ONLY_CODECS.includes(codec);

/** The file extension Remotion gives the output of a codec (`npx remotion render` without an output name). */
export const defaultExtensionFor = (codec: Codec, audioCodec: AudioCodec | null): string =>
  RenderInternals.getFileExtensionFromCodec(codec, audioCodec);

const positive = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0;

/** Validates the settings before anything slow or billable happens; throws UsageError (exit 2). */
export const normalizeRenderSettings = (
  s: RemotionRenderSettings,
  compositionDefaults: {defaultCodec?: Codec | null} = {},
): NormalizedRenderSettings => {
  const codec = s.codec ?? compositionDefaults.defaultCodec ?? 'h264';
  if (!(RenderInternals.validCodecs as readonly string[]).includes(codec)) {
    throw new UsageError(
      `--codec must be one of ${RenderInternals.validCodecs.join(', ')}; got "${codec}". See https://www.remotion.dev/docs/encoding`,
    );
  }
  const supported =
    RenderInternals.supportedAudioCodecs[codec as keyof typeof RenderInternals.supportedAudioCodecs];
  if (s.audioCodec && !(supported as readonly string[]).includes(s.audioCodec)) {
    throw new UsageError(
      `--audio-codec ${s.audioCodec} does not go with --codec ${codec}; it supports ${supported.join(', ') || 'no audio'}.`,
    );
  }
  const audioCodec = s.audioCodec ?? RenderInternals.getDefaultAudioCodec({codec, preferLossless: false});
  if (s.crf !== undefined && s.crf !== null && !(typeof s.crf === 'number' && Number.isFinite(s.crf))) {
    throw new UsageError(`--crf must be a number, got ${String(s.crf)}.`);
  }
  if (s.crf != null && s.videoBitrate != null) {
    throw new UsageError('Pass --crf or --video-bitrate, not both (Remotion refuses the pair).');
  }
  if (s.scale !== undefined && !positive(s.scale)) {
    throw new UsageError(`--scale must be a number above 0, got ${String(s.scale)}.`);
  }
  if (
    s.jpegQuality !== undefined &&
    !(Number.isInteger(s.jpegQuality) && s.jpegQuality >= 0 && s.jpegQuality <= 100)
  ) {
    throw new UsageError(`--jpeg-quality must be an integer from 0 to 100, got ${String(s.jpegQuality)}.`);
  }
  const everyNthFrame = s.everyNthFrame ?? 1;
  if (!Number.isInteger(everyNthFrame) || everyNthFrame < 1) {
    throw new UsageError(`--every-nth-frame must be a positive integer, got ${String(s.everyNthFrame)}.`);
  }
  if (everyNthFrame > 1 && codec !== 'gif') {
    throw new UsageError('--every-nth-frame only works with --codec gif (as in Remotion).');
  }
  if (s.timeoutInMilliseconds !== undefined && !positive(s.timeoutInMilliseconds)) {
    throw new UsageError(
      `--timeout must be a positive number of ms, got ${String(s.timeoutInMilliseconds)}.`,
    );
  }
  for (const [flag, value] of [
    ['--width', s.width],
    ['--height', s.height],
  ] as const) {
    if (value != null && !(Number.isInteger(value) && value > 0)) {
      throw new UsageError(`${flag} must be a positive integer, got ${String(value)}.`);
    }
  }
  const frameRange = s.frameRange ?? null;
  if (frameRange !== null) {
    const [a, b] = typeof frameRange === 'number' ? [frameRange, frameRange] : frameRange;
    if (!Number.isInteger(a) || a < 0 || (b !== null && (!Number.isInteger(b) || b < a))) {
      throw new UsageError(
        `--frames must be a frame or a range a-b of frames (0-based, inclusive), got ${JSON.stringify(frameRange)}.`,
      );
    }
  }
  const path: OutputPath = isAudioOnlyCodec(codec)
    ? {kind: 'audio-only'}
    : CHUNKED_CODECS.includes(codec)
      ? {kind: 'chunks'}
      : {
          kind: 'remotion-render',
          reason: `${codec} chunks cannot be joined without re-encoding`,
        };
  const picture: NormalizedRenderSettings['picture'] = {};
  if (s.crf !== undefined) picture.crf = s.crf;
  if (s.videoBitrate !== undefined) picture.videoBitrate = s.videoBitrate;
  if (s.pixelFormat !== undefined) picture.pixelFormat = s.pixelFormat;
  if (s.imageFormat !== undefined) picture.imageFormat = s.imageFormat;
  if (s.jpegQuality !== undefined) picture.jpegQuality = s.jpegQuality;
  if (s.scale !== undefined) picture.scale = s.scale;
  if (s.x264Preset !== undefined) picture.x264Preset = s.x264Preset;
  if (s.colorSpace !== undefined) picture.colorSpace = s.colorSpace;
  if (s.proResProfile !== undefined) picture.proResProfile = s.proResProfile;
  if (everyNthFrame !== 1) picture.everyNthFrame = everyNthFrame;
  return {
    codec,
    audioCodec,
    path,
    frameRange,
    muted: s.muted ?? false,
    audioBitrate: s.audioBitrate ?? null,
    picture,
    timeoutInMilliseconds: s.timeoutInMilliseconds ?? null,
    chromiumOptions: s.chromiumOptions ?? {},
    envVariables: s.envVariables ?? {},
    width: s.width ?? null,
    height: s.height ?? null,
  };
};

/** `[first, last]` (inclusive) of a frame range within a composition of `durationInFrames`. */
export const resolveFrameRange = (
  frameRange: FrameRange | null,
  durationInFrames: number,
): [number, number] => {
  if (frameRange === null) return [0, durationInFrames - 1];
  const [a, b] = typeof frameRange === 'number' ? [frameRange, frameRange] : frameRange;
  const last = b ?? durationInFrames - 1;
  if (a > durationInFrames - 1 || last > durationInFrames - 1) {
    throw new UsageError(
      `--frames ${a}-${b ?? ''} is outside the composition (frames 0-${durationInFrames - 1}).`,
    );
  }
  return [a, last];
};

/** Chunk file extension per chunked codec. */
const CHUNK_EXTENSION: Record<ChunkEncoding['codec'], string> = {
  h264: 'mp4',
  h265: 'mp4',
  vp8: 'webm',
  vp9: 'webm',
  prores: 'mov',
  'h264-mkv': 'mkv',
};

/**
 * What the generation takes from the render settings: the session (webpack override, env, browser
 * switches, timeout, size), the frames, and how the chunks are encoded — the output's codec and settings
 * when the chunks become the output, else h264 at Remotion's defaults. `generate` and `render` with the
 * same settings encode the same chunks, so their proxies (and cache keys) match.
 */
export const generationSettingsFor = (
  s: NormalizedRenderSettings,
  webpackOverride: WebpackOverrideFn | null = null,
): GenerationSettings => ({
  session: {
    webpackOverride,
    envVariables: s.envVariables,
    chromiumOptions: s.chromiumOptions,
    timeoutInMilliseconds: s.timeoutInMilliseconds,
    width: s.width,
    height: s.height,
  },
  frameRange: s.frameRange,
  ...(s.path.kind === 'chunks'
    ? {
        encoding: {
          codec: s.codec as ChunkEncoding['codec'],
          extension: CHUNK_EXTENSION[s.codec as ChunkEncoding['codec']],
          settings: s.picture,
        },
      }
    : {}),
});
