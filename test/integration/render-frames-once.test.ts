import {createHash} from 'node:crypto';
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createLogger} from '../../src/log.ts';
import {runFf} from '../../src/media/ffmpeg.ts';
import {type RenderedChunk, runFramePass} from '../../src/pipeline/frame-pass.ts';
import {openRemotionSession, type RemotionSession} from '../../src/pipeline/remotion-session.ts';
import {resolveBrowser} from '../../src/pipeline/resolve-browser.ts';
import {bundleTestProject, ROOT, testTimelineProps} from './helpers/project.ts';

/** The coded video stream of a file (h264 Annex B), without the container: what a decoder reads. */
const videoStream = async (file: string): Promise<Buffer> =>
  (await runFf('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'h264', 'pipe:1']))
    .stdout;

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex').slice(0, 12);

/**
 * The frame pass makes all its chunks from one render (render-frames-once.ts). Each chunk must still be
 * exactly what a render of that chunk alone gives, byte for byte in the coded stream: the segments' cache
 * keys hash frames decoded from the chunks, so anything else would make every cached segment miss (and be
 * paid again), and a chunk's encode must not depend on its neighbours' pictures.
 */
describe('frame pass in one render', () => {
  let session: RemotionSession;
  let dir: string;
  const chunks = [
    {startFrame: 0, endFrame: 23},
    {startFrame: 23, endFrame: 26},
    {startFrame: 26, endFrame: 50},
  ];

  beforeAll(async () => {
    const serveUrl = await bundleTestProject();
    dir = mkdtempSync(path.join(os.tmpdir(), 'mmaudio-once-'));
    session = await openRemotionSession({
      entryPoint: null,
      serveUrl,
      publicDir: path.join(ROOT, 'public'),
      compositionId: 'test-timeline',
      inputProps: testTimelineProps({durationInSeconds: 10, fps: 5, ownAudio: true}),
      resolvedBrowser: resolveBrowser({}),
      logger: createLogger({level: 'error'}),
    });
  }, 240_000);
  afterAll(async () => {
    await session?.close();
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  it('gives every chunk the coded stream a render of that chunk alone gives, as soon as it is encoded', async () => {
    const once = path.join(dir, 'once');
    mkdirSync(once);
    const seen: RenderedChunk[] = [];
    let framesWhenChunk0 = -1;
    let rendered = 0;
    const result = await runFramePass({
      session,
      chunks,
      directory: once,
      concurrency: 1,
      onChunk: (c) => {
        if (c.index === 0) framesWhenChunk0 = rendered;
        seen.push(c);
      },
      onProgress: (p) => {
        rendered = p.renderedFrames;
      },
    });
    expect(seen.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(result.renderedFrames).toBe(50);
    // One render: one own-audio wav over the whole range (48 kHz stereo, 10 s).
    expect(result.ownAudio).toEqual([
      {startFrame: 0, endFrame: 50, audioFile: expect.stringMatching(/own-audio\.wav$/)},
    ]);

    const rows: string[] = [];
    for (const [index, c] of chunks.entries()) {
      const alone = path.join(dir, `alone-${index}.mp4`);
      await session.render({
        codec: 'h264',
        frameRange: [c.startFrame, c.endFrame - 1],
        outputLocation: alone,
        overwrite: true,
        concurrency: 1,
        muted: true,
        envVariables: {REMOTION_MMAUDIO_PASS: 'frames'},
      });
      const [a, b] = await Promise.all([videoStream(seen[index].file), videoStream(alone)]);
      rows.push(
        `chunk ${index} (frames ${c.startFrame}–${c.endFrame - 1}): one render ${md5(a)} ${a.length} B | alone ${md5(b)} ${b.length} B`,
      );
      expect(a.equals(b)).toBe(true);
    }
    console.log(
      `Chunks of one render vs each chunk rendered alone:\n${rows.join('\n')}\nchunk 0 done after ${framesWhenChunk0} of 50 frames rendered`,
    );
  }, 300_000);
});
