import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {bundle} from '@remotion/bundler';
import {renderMedia, selectComposition} from '@remotion/renderer';
import type {MatrixCaseProps, MatrixOwnAudio} from '../../../remotion/test/MatrixCase.tsx';
import {runFf} from '../../../src/media/ffmpeg.ts';
import {probeVideoStream} from '../../../src/media/probe-video-stream.ts';
import {planSegments} from '../../../src/pipeline/plan.ts';
import {renderWithAudio} from '../../../src/pipeline/render/render-with-audio.ts';
import type {RenderWithAudioResult} from '../../../src/pipeline/render/render-with-audio-result.ts';
import {renderChunksFor} from '../../../src/pipeline/render-chunks.ts';
import {
  defaultExtensionFor,
  isAudioOnlyCodec,
  normalizeRenderSettings,
  type RemotionRenderSettings,
} from '../../../src/pipeline/render-settings.ts';
import {type Manifest, manifestPath} from '../../../src/react/manifest.ts';
import {parseWavHeader} from '../../../src/wav/wav.ts';
import {locate, readSegmentWav, SAMPLE_RATE} from '../../integration/helpers/audio-analysis.ts';
import {decodeAudio, ENTRY, makeTempProject, ROOT} from '../../integration/helpers/project.ts';

export const COMPOSITION_ID = 'matrix-case';
const BROWSER = {browserExecutable: '/usr/bin/chromium', chromeMode: 'chrome-for-testing' as const};

/** Where a short sound sits relative to a chunk seam of the frame pass. */
export type ShortAt = 'ends-at-seam' | 'starts-at-seam' | 'straddles-seam';

export type MatrixCase = {
  name: string;
  fps: number;
  durationInFrames: number;
  maxSegmentSeconds: number;
  overlapSeconds?: number;
  /** Put a picture cut (and an `mmaudio.scenes` entry) at every planned seam: seams at cuts, no crossfade. */
  seamsAtCuts?: boolean;
  /** The composition's own audio; `shorts` are placed relative to the frame pass's chunk seams. */
  ownAudio: MatrixOwnAudio[];
  shorts?: {player: 'media' | 'html5'; at: ShortAt}[];
  generated?: Partial<MatrixCaseProps['generated']>;
  /** Which way `renderWithAudio` must mix the audio: the fast path where it is proven, else the audio pass. */
  expectAudio: 'direct' | 'audio-pass';
};

/** The streams of an output, as ffprobe reads them. */
export type StreamFacts = {
  videoCodec: string | null;
  pixelFormat: string | null;
  audioCodec: string | null;
  /** The container's duration. */
  durationInSeconds: number;
};

export const probeStreams = async (file: string): Promise<StreamFacts> => {
  const {stdout} = await runFf('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_type,codec_name,pix_fmt:format=duration',
    '-of',
    'json',
    file,
  ]);
  const parsed = JSON.parse(stdout.toString()) as {
    streams?: {codec_type?: string; codec_name?: string; pix_fmt?: string}[];
    format?: {duration?: string};
  };
  const video = parsed.streams?.find((st) => st.codec_type === 'video');
  const audio = parsed.streams?.find((st) => st.codec_type === 'audio');
  return {
    videoCodec: video?.codec_name ?? null,
    pixelFormat: video?.pix_fmt ?? null,
    audioCodec: audio?.codec_name ?? null,
    durationInSeconds: Number(parsed.format?.duration ?? 0),
  };
};

export type MatrixRow = {
  name: string;
  /** Remotion's codec both renders used. */
  codec: string;
  streamsOurs: StreamFacts;
  streamsRemotion: StreamFacts;
  fps: number;
  frames: number;
  segments: number;
  audioPath: string;
  videoPath: string;
  framesOurs: number;
  framesRemotion: number;
  durationOurs: number;
  durationRemotion: number;
  /** Lowest per-frame PSNR (dB) between the two decoded pictures; Infinity when every frame is identical. */
  minPsnr: number;
  /** Highest PSNR of a frame of ours against a neighbour of its frame in Remotion's: what a shift scores. */
  maxNeighbourPsnr: number;
  identicalFrames: number;
  /** AAC-decoded audio, ours against Remotion's: the lag found and the difference in dB below the signal. */
  audioOffsetSamples: number;
  audioDifferenceDb: number;
  audioCorrelation: number;
  /** Remotion's own AAC against Remotion's own wav of the composition: the codec's noise floor here. */
  codecFloorDb: number;
  /**
   * The exact audio we muxed (the direct mix, or our audio pass) against Remotion's own audio-only render
   * of the composition (fresh bundle, as `npx remotion render` sees it): samples that differ.
   */
  wavDifferingSamples: number;
  /** Every generated segment located in our output, in frames from where the manifest places it. */
  worstPlacementFrames: number | null;
  ownMs: number;
  remotionMs: number;
};

/** The frames of a case's own short sounds, placed against the chunk seams the frame pass will use. */
const placeShorts = (c: MatrixCase, cutFrames: number[]): MatrixOwnAudio[] => {
  const plan = planSegments({
    durationInFrames: c.durationInFrames,
    fps: c.fps,
    maxSegmentSeconds: c.maxSegmentSeconds,
    overlapSeconds: c.overlapSeconds,
    cutFrames,
  });
  const seams = renderChunksFor(plan.segments)
    .slice(1)
    .map((chunk) => chunk.startFrame);
  const length = Math.max(2, Math.round(c.fps * 0.4));
  return (c.shorts ?? []).map((s, i) => {
    const seam = seams.length ? seams[i % seams.length] : Math.floor(c.durationInFrames / 2);
    const from =
      s.at === 'ends-at-seam'
        ? seam - length
        : s.at === 'starts-at-seam'
          ? seam
          : seam - Math.floor(length / 2);
    return {kind: 'short', player: s.player, from: Math.max(0, from), durationInFrames: length};
  });
};

/** Cut frames for a case whose seams should sit at cuts: where the plan without cuts would put its seams. */
const cutsFor = (c: MatrixCase): number[] => {
  if (!c.seamsAtCuts) return [];
  const plan = planSegments({
    durationInFrames: c.durationInFrames,
    fps: c.fps,
    maxSegmentSeconds: c.maxSegmentSeconds,
    overlapSeconds: c.overlapSeconds,
  });
  return plan.segments.slice(1).map((s) => s.startFrame + s.fadeInFrames);
};

export const propsFor = (c: MatrixCase): MatrixCaseProps => {
  const cuts = cutsFor(c);
  return {
    fps: c.fps,
    durationInFrames: c.durationInFrames,
    width: 160,
    height: 90,
    ownAudio: [...c.ownAudio, ...placeShorts(c, cuts)],
    generated: {sequenceFrom: null, volume: 1, muted: false, required: false, ...c.generated},
    cuts,
    mmaudio: {
      prompt: 'matrix case',
      ...(cuts.length ? {scenes: cuts.map((from) => ({from, prompt: 'matrix case'}))} : {}),
    },
  };
};

/** Decoded pictures as RGB frames, one Buffer per frame. */
const decodeFrames = async (file: string, width: number, height: number): Promise<Buffer[]> => {
  const {stdout} = await runFf('ffmpeg', [
    '-i',
    file,
    '-map',
    '0:v:0',
    '-f',
    'image2pipe',
    '-c:v',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-',
  ]);
  const size = width * height * 3;
  const frames: Buffer[] = [];
  for (let o = 0; o + size <= stdout.length; o += size) frames.push(stdout.subarray(o, o + size));
  return frames;
};

const psnr = (a: Buffer, b: Buffer): number => {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  if (se === 0) return Number.POSITIVE_INFINITY;
  return 10 * Math.log10((255 * 255) / (se / a.length));
};

/** Ours against Remotion's AAC audio: aligned on the content (AAC priming differs), then compared. */
const compareAudio = (ours: Float32Array, theirs: Float32Array) => {
  const excerptStart = Math.min(Math.floor(ours.length / 4), SAMPLE_RATE);
  const excerptLength = Math.min(SAMPLE_RATE, Math.floor(ours.length / 2));
  const excerpt = ours.subarray(excerptStart, excerptStart + excerptLength);
  let energy = 0;
  for (const v of excerpt) energy += v * v;
  const {offset, correlation} =
    energy > 0 ? locate(theirs, excerpt, excerptStart, 4096) : {offset: 0, correlation: 1};
  let aa = 0;
  let bb = 0;
  let ab = 0;
  let dd = 0;
  for (let i = Math.max(0, -offset); i < ours.length && i + offset < theirs.length; i++) {
    const a = ours[i];
    const b = theirs[i + offset];
    aa += a * a;
    bb += b * b;
    ab += a * b;
    dd += (a - b) * (a - b);
  }
  const silent = aa === 0 && bb === 0;
  return {
    offset,
    correlation: silent ? 1 : aa && bb ? ab / Math.sqrt(aa * bb) : correlation,
    differenceDb: silent
      ? Number.POSITIVE_INFINITY
      : dd === 0
        ? Number.POSITIVE_INFINITY
        : -10 * Math.log10(dd / Math.max(aa, bb)),
    silent,
  };
};

const pcm16 = (file: string): Int16Array => {
  const bytes = new Uint8Array(readFileSync(file));
  const h = parseWavHeader(bytes);
  return new Int16Array(bytes.slice(h.dataOffset, h.dataOffset + h.dataBytes).buffer);
};

/**
 * Runs one case: `remotion-mmaudio render` (renderWithAudio) of the composition, which generates and
 * publishes its audio exactly as `generate` does; then Remotion's own `renderMedia` of the same
 * composition with the published layers — what `npx remotion render` does after `generate` — as the
 * judge; for a direct mix also Remotion's own audio-only render, sample for sample.
 */
export const runMatrixCase = async (
  c: MatrixCase,
  serveUrl: string,
  /** Remotion render settings given to both renders (renderWithAudio and the judge's renderMedia). */
  settings: Omit<RemotionRenderSettings, 'width' | 'height'> = {},
): Promise<MatrixRow> => {
  const project = makeTempProject();
  const normalized = normalizeRenderSettings(settings);
  const extension = defaultExtensionFor(normalized.codec, settings.audioCodec ?? null);
  const audioOnly = isAudioOnlyCodec(normalized.codec);
  try {
    const inputProps = propsFor(c);
    const common = {
      serveUrl,
      compositionId: COMPOSITION_ID,
      inputProps,
      backend: 'offline' as const,
      maxSegmentSeconds: c.maxSegmentSeconds,
      ...(c.overlapSeconds !== undefined ? {overlapSeconds: c.overlapSeconds} : {}),
      publicDir: project.publicDir,
      cacheDir: project.cacheDir,
      browserExecutable: BROWSER.browserExecutable,
      logLevel: 'error' as const,
    };
    const oursFile = path.join(project.dir, `ours.${extension}`);
    const oursWav = path.join(project.dir, 'ours.wav');
    const t0 = Date.now();
    const ours: RenderWithAudioResult = await renderWithAudio({
      ...common,
      ...settings,
      outputLocation: oursFile,
      separateAudioTo: oursWav,
    });
    const ownMs = Date.now() - t0;
    const manifest = JSON.parse(
      readFileSync(path.join(project.publicDir, manifestPath(COMPOSITION_ID)), 'utf8'),
    ) as Manifest;

    // The judge: Remotion's own render of the composition, the published layers included, from a bundle
    // made after the audio was published — as `npx remotion render` after `generate` bundles anew.
    const judgeUrl = await bundle({entryPoint: ENTRY, publicDir: project.publicDir});
    const composition = await selectComposition({
      serveUrl: judgeUrl,
      id: COMPOSITION_ID,
      inputProps,
      ...BROWSER,
      logLevel: 'error',
    });
    const theirsFile = path.join(project.dir, `remotion.${extension}`);
    const t1 = Date.now();
    await renderMedia({
      serveUrl: judgeUrl,
      composition,
      inputProps,
      ...settings,
      codec: normalized.codec,
      outputLocation: theirsFile,
      ...BROWSER,
      logLevel: 'error',
    });
    const remotionMs = Date.now() - t1;

    const [streamsOurs, streamsRemotion] = await Promise.all([
      probeStreams(oursFile),
      probeStreams(theirsFile),
    ]);
    const [po, pt] = audioOnly
      ? [
          {frames: 0, durationInSeconds: streamsOurs.durationInSeconds},
          {frames: 0, durationInSeconds: streamsRemotion.durationInSeconds},
        ]
      : await Promise.all([probeVideoStream(oursFile), probeVideoStream(theirsFile)]);
    const scale = settings.scale ?? 1;
    const [fo, ft] = audioOnly
      ? [[], []]
      : await Promise.all([
          decodeFrames(
            oursFile,
            Math.round(composition.width * scale),
            Math.round(composition.height * scale),
          ),
          decodeFrames(
            theirsFile,
            Math.round(composition.width * scale),
            Math.round(composition.height * scale),
          ),
        ]);
    let minPsnr = Number.POSITIVE_INFINITY;
    let identicalFrames = 0;
    // How far apart two different frames of this composition are: the best PSNR of a frame against its
    // neighbours in Remotion's render. A frame shifted by one would score this, not codec noise.
    let maxNeighbourPsnr = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < Math.min(fo.length, ft.length); i++) {
      const p = psnr(fo[i], ft[i]);
      if (p === Number.POSITIVE_INFINITY) identicalFrames++;
      minPsnr = Math.min(minPsnr, p);
      for (const j of [i - 1, i + 1]) {
        if (j >= 0 && j < ft.length) maxNeighbourPsnr = Math.max(maxNeighbourPsnr, psnr(fo[i], ft[j]));
      }
    }
    if (fo.length !== ft.length) minPsnr = Number.NEGATIVE_INFINITY;

    // Remotion's exact audio of the composition, before any codec.
    const remotionWav = path.join(project.dir, 'remotion.wav');
    await renderMedia({
      serveUrl: judgeUrl,
      composition,
      inputProps,
      codec: 'wav',
      outputLocation: remotionWav,
      ...BROWSER,
      logLevel: 'error',
      enforceAudioTrack: true,
    });
    const a = pcm16(oursWav);
    const b = pcm16(remotionWav);
    let wavDifferingSamples = Math.abs(a.length - b.length);
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) wavDifferingSamples++;

    const [ao, at, aw] = await Promise.all([
      decodeAudio(oursFile),
      decodeAudio(theirsFile),
      decodeAudio(remotionWav),
    ]);
    const audio = compareAudio(ao.channels[0], at.channels[0]);
    const floor = compareAudio(aw.channels[0], at.channels[0]);

    // Every segment where the manifest says, in our output (unless the layers are muted).
    // Checked where the composition has no audio of its own to blur the correlation (reported as − else).
    let worstPlacementFrames: number | null = null;
    if (!inputProps.generated.muted && inputProps.ownAudio.length === 0) {
      worstPlacementFrames = 0;
      const mix = (await decodeAudio(oursWav)).channels[0];
      for (const segment of manifest.segments) {
        const wav = readSegmentWav(project.publicDir, segment.src);
        // Past the fade-in, and past the start of a <Sequence from> around <GeneratedAudio /> (which cuts
        // everything before it, as a sequence cuts all it holds).
        const audibleFrom = Math.max(
          segment.fadeInFrames + 1,
          (inputProps.generated.sequenceFrom ?? 0) - segment.startFrame + 1,
        );
        const from = Math.round((audibleFrom / manifest.fps) * SAMPLE_RATE);
        const length = Math.min(SAMPLE_RATE / 4, wav.length - from);
        if (length < SAMPLE_RATE / 50) continue;
        const start = Math.round((segment.startFrame / manifest.fps) * SAMPLE_RATE);
        const found = locate(
          mix,
          wav.subarray(from, from + length),
          start + from,
          Math.ceil((2 * SAMPLE_RATE) / manifest.fps),
        );
        worstPlacementFrames = Math.max(
          worstPlacementFrames,
          Math.abs(found.offset / (SAMPLE_RATE / manifest.fps)),
        );
      }
    }

    return {
      name: c.name,
      codec: normalized.codec,
      streamsOurs,
      streamsRemotion,
      fps: c.fps,
      frames: composition.durationInFrames,
      segments: manifest.segments.length,
      audioPath: ours.audioMode === 'direct' ? 'direct mix' : `audio pass (${ours.audioPassReason})`,
      videoPath:
        ours.videoMode === 'chunks'
          ? 'chunks joined'
          : ours.videoMode === 'none'
            ? 'no video'
            : `Remotion render (${ours.videoReason})`,
      framesOurs: po.frames,
      framesRemotion: pt.frames,
      durationOurs: po.durationInSeconds,
      durationRemotion: pt.durationInSeconds,
      minPsnr,
      maxNeighbourPsnr,
      identicalFrames,
      audioOffsetSamples: audio.offset,
      audioDifferenceDb: audio.differenceDb,
      audioCorrelation: audio.correlation,
      codecFloorDb: floor.differenceDb,
      wavDifferingSamples,
      worstPlacementFrames,
      ownMs,
      remotionMs,
    };
  } finally {
    project.cleanup();
  }
};

const fmt = (n: number, digits = 1) =>
  n === Number.POSITIVE_INFINITY ? '∞' : n === Number.NEGATIVE_INFINITY ? '−∞' : n.toFixed(digits);

export const matrixTable = (rows: MatrixRow[]): string =>
  [
    '| case | fps | frames | segs | audio path | video path | frames ours/Remotion | duration ours/Remotion | min PSNR (identical frames; best neighbour) | AAC: ours vs Remotion, Δ below signal (offset) [Remotion AAC vs its wav] | wav: ours vs Remotion | placement | time ours / Remotion |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.fps} | ${r.frames} | ${r.segments} | ${r.audioPath} | ${r.videoPath} | ${r.framesOurs}/${r.framesRemotion} | ` +
        `${r.durationOurs.toFixed(3)}/${r.durationRemotion.toFixed(3)} s | ${fmt(r.minPsnr)} dB (${r.identicalFrames}/${r.frames}; neighbour ≤ ${fmt(r.maxNeighbourPsnr)}) | ` +
        `${fmt(r.audioDifferenceDb)} dB (${r.audioOffsetSamples}) [${fmt(r.codecFloorDb)} dB] | ` +
        `${r.wavDifferingSamples} samples differ | ` +
        `${r.worstPlacementFrames === null ? '—' : `≤ ${r.worstPlacementFrames.toFixed(3)} frame`} | ${(r.ownMs / 1000).toFixed(1)} / ${(r.remotionMs / 1000).toFixed(1)} s |`,
    ),
  ].join('\n');

export const writeMatrixArtifact = (name: string, rows: MatrixRow[]): void => {
  const dir = path.join(ROOT, 'test/artifacts');
  mkdirSync(dir, {recursive: true});
  writeFileSync(path.join(dir, `${name}.md`), `${matrixTable(rows)}\n`);
};

const streams = (f: StreamFacts) => `${f.videoCodec ?? '—'}/${f.pixelFormat ?? '—'}/${f.audioCodec ?? '—'}`;

/** One row per codec: the streams both renders wrote, and how close they are. */
export const codecTable = (rows: MatrixRow[]): string =>
  [
    '| codec | video path | audio path | streams ours (video/pix_fmt/audio) | streams Remotion | frames ours/Remotion | duration ours/Remotion | min PSNR (identical; best neighbour) | audio Δ below signal [Remotion codec vs its wav] | wav: ours vs Remotion | time ours / Remotion |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.codec} | ${r.videoPath} | ${r.audioPath} | ${streams(r.streamsOurs)} | ${streams(r.streamsRemotion)} | ${r.framesOurs}/${r.framesRemotion} | ` +
        `${r.durationOurs.toFixed(3)}/${r.durationRemotion.toFixed(3)} s | ${fmt(r.minPsnr)} dB (${r.identicalFrames}/${r.frames}; ≤ ${fmt(r.maxNeighbourPsnr)}) | ` +
        `${fmt(r.audioDifferenceDb)} dB (${r.audioOffsetSamples}) [${fmt(r.codecFloorDb)} dB] | ${r.wavDifferingSamples} samples differ | ` +
        `${(r.ownMs / 1000).toFixed(1)} / ${(r.remotionMs / 1000).toFixed(1)} s |`,
    ),
  ].join('\n');
