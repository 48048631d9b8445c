import {createHash} from 'node:crypto';
import {stat} from 'node:fs/promises';
import {runFf} from '../media/ffmpeg.ts';
import type {RenderedChunk} from './frame-pass.ts';

/** What MMAudio reads: it sees no more than 25 fps and a short edge of 384 px. */
export const PROXY_FPS = 25;
export const PROXY_SHORT_EDGE = 384;
/** x264 quality for proxies: small (aim ≤150 kB per second) but clean enough for the model. */
export const PROXY_CRF = 30;
/**
 * Ceiling of a proxy's video bitrate (x264 VBV over the CRF). Full-frame noise at 682×384 measured
 * 1.55 MB/s at CRF 30 alone (a 60 s segment ≈ 93 MB, 124 MB as base64, over the 413 limit), 0.23 MB/s
 * capped (test/integration/proxy-limits.test.ts): 60 s ≈ 11–14 MB, far under VIDEO_MAX_BYTES. Typical
 * pictures stay under the cap and are untouched.
 */
export const PROXY_MAX_BITRATE_KBPS = 1500;
/** VBV buffer: two seconds at the ceiling, so a short burst (a cut) keeps its quality. */
export const PROXY_BUFSIZE_KBITS = 2 * PROXY_MAX_BITRATE_KBPS;

export type SegmentProxy = {
  path: string;
  bytes: number;
  /**
   * sha256 of the proxy's frames as they go into the encoder (proxy size, 25 fps, yuv420p): changes
   * exactly when the picture the service would see changes. Not the file's hash: x264 was measured to
   * give a few different bytes for identical frames now and then, and a cache must not pay for that.
   */
  pictureHash: string;
};

/** Even proxy dimensions with the short edge at most 384 px, aspect ratio kept. */
export const proxyDimensions = (width: number, height: number): {width: number; height: number} => {
  const scale = Math.min(1, PROXY_SHORT_EDGE / Math.min(width, height));
  const even = (n: number) => Math.max(2, 2 * Math.round((n * scale) / 2));
  return {width: even(width), height: even(height)};
};

/**
 * Builds the API proxy of one segment from the rendered chunks that hold its frames (the tail of earlier
 * chunks for an overlap, then its own chunk): ≤60 s, 25 fps, short edge ≤384 px, no audio.
 * Frame-exact: input seeking with re-encoding starts at the segment's first frame.
 */
export const makeSegmentProxy = async (options: {
  chunks: Pick<RenderedChunk, 'startFrame' | 'endFrame' | 'file'>[];
  startFrame: number;
  endFrame: number;
  fps: number;
  width: number;
  height: number;
  outputPath: string;
  signal?: AbortSignal;
}): Promise<SegmentProxy> => {
  const {startFrame, endFrame, fps} = options;
  const used = options.chunks
    .filter((c) => c.endFrame > startFrame && c.startFrame < endFrame)
    .sort((a, b) => a.startFrame - b.startFrame);
  if (used.length === 0 || used[0].startFrame > startFrame || used[used.length - 1].endFrame < endFrame) {
    throw new Error(`Frames ${startFrame}–${endFrame} are not all rendered yet`);
  }
  const args: string[] = ['-y'];
  const filters: string[] = [];
  used.forEach((chunk, i) => {
    const skip = Math.max(0, startFrame - chunk.startFrame);
    const take = Math.min(chunk.endFrame, endFrame) - Math.max(chunk.startFrame, startFrame);
    if (skip > 0) {
      // Half a frame early: frame `skip` has pts skip/fps; anything from (skip - 0.5)/fps on keeps it and
      // drops frame skip - 1, whatever the container's timestamp rounding.
      args.push('-ss', ((skip - 0.5) / fps).toFixed(6));
    }
    args.push('-i', chunk.file);
    filters.push(`[${i}:v]trim=end_frame=${take}[c${i}]`);
  });
  const {width, height} = proxyDimensions(options.width, options.height);
  const joined = used.map((_, i) => `[c${i}]`).join('');
  filters.push(
    used.length > 1 ? `${joined}concat=n=${used.length}:v=1:a=0[cat]` : `${joined}copy[cat]`,
    `[cat]scale=${width}:${height}:flags=bicubic,format=yuv420p,split[v][h]`,
  );
  const durationInSeconds = (endFrame - startFrame) / fps;
  args.push(
    '-filter_complex',
    filters.join(';'),
    '-map',
    '[v]',
    '-r',
    String(PROXY_FPS),
    '-t',
    durationInSeconds.toFixed(6),
    '-an',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    String(PROXY_CRF),
    '-maxrate',
    `${PROXY_MAX_BITRATE_KBPS}k`,
    '-bufsize',
    `${PROXY_BUFSIZE_KBITS}k`,
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    options.outputPath,
    // The same frames, raw, for the picture hash.
    '-map',
    '[h]',
    '-r',
    String(PROXY_FPS),
    '-t',
    durationInSeconds.toFixed(6),
    '-c:v',
    'rawvideo',
    '-f',
    'image2pipe',
    'pipe:1',
  );
  const hash = createHash('sha256');
  await runFf('ffmpeg', args, {signal: options.signal, onStdout: (chunk) => hash.update(chunk)});
  const bytes = (await stat(options.outputPath)).size;
  return {path: options.outputPath, bytes, pictureHash: hash.digest('hex')};
};
