import {createHash} from 'node:crypto';
import {createReadStream} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import path from 'node:path';
import {writeFileAtomic} from '../media/atomic.ts';
import type {RenderedChunk} from './frame-pass.ts';
import {
  PROXY_BUFSIZE_KBITS,
  PROXY_CRF,
  PROXY_FPS,
  PROXY_MAX_BITRATE_KBPS,
  PROXY_SHORT_EDGE,
} from './make-proxy.ts';

const fileSha256 = (file: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });

// The decoder and scaler that made a picture hash: another Remotion (another ffmpeg) is another memo.
const rendererVersion = (() => {
  try {
    return (createRequire(import.meta.url)('@remotion/renderer/package.json') as {version: string}).version;
  } catch {
    return 'unknown';
  }
})();

/**
 * What a segment's picture hash is known by: the frames of the chunks that hold it (the browser's images
 * when the frame pass saw them, else the chunk files' exact bytes), the frame range and the proxy's
 * settings. The picture hash a segment got the first time is remembered under that key, so a warm
 * run finds its cache entries without decoding and scaling the segment again — and with an encoder whose
 * output differs from run to run for the same frames (x265), the same frames keep the same picture hash,
 * so the cache still answers instead of billing again; the same frames encoded with another codec or CRF
 * keep their picture hash too (the sound answers the picture, not its encoding). Other frames only miss
 * the memo: the proxy is then built as always.
 */
export const segmentPictureKey = async (options: {
  chunks: Pick<RenderedChunk, 'startFrame' | 'endFrame' | 'file' | 'imagesSha256'>[];
  startFrame: number;
  endFrame: number;
  fps: number;
  width: number;
  height: number;
}): Promise<string | null> => {
  const {startFrame, endFrame} = options;
  const used = options.chunks
    .filter((c) => c.endFrame > startFrame && c.startFrame < endFrame)
    .sort((a, b) => a.startFrame - b.startFrame);
  if (used.length === 0 || used[0].startFrame > startFrame || used[used.length - 1].endFrame < endFrame) {
    return null;
  }
  // The browser's images when the frame pass saw them (independent of the encoder), else the file's bytes.
  const files = await Promise.all(
    used.map(async (c) => (c.imagesSha256 ? `images:${c.imagesSha256}` : `file:${await fileSha256(c.file)}`)),
  );
  return createHash('sha256')
    .update(
      JSON.stringify({
        v: 2,
        rendererVersion,
        chunks: used.map((c, i) => [c.startFrame, c.endFrame, files[i]]),
        startFrame,
        endFrame,
        fps: options.fps,
        width: options.width,
        height: options.height,
        proxy: [PROXY_FPS, PROXY_SHORT_EDGE, PROXY_CRF, PROXY_MAX_BITRATE_KBPS, PROXY_BUFSIZE_KBITS],
      }),
    )
    .digest('hex');
};

export type PictureHashMemo = {
  get: (key: string) => Promise<string | null>;
  put: (key: string, pictureHash: string) => Promise<void>;
};

/** Picture hashes by segment picture key, one small file each under `directory` (written atomically). */
export const createPictureHashMemo = (directory: string): PictureHashMemo => ({
  get: async (key) => {
    try {
      const text = (await readFile(path.join(directory, key), 'utf8')).trim();
      return /^[0-9a-f]{64}$/.test(text) ? text : null;
    } catch {
      return null;
    }
  },
  put: async (key, pictureHash) => {
    await writeFileAtomic(path.join(directory, key), `${pictureHash}\n`);
  },
});
