import {writeFileSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createLogger} from '../../src/log.ts';
import {generateAudio} from '../../src/pipeline/generate.ts';
import {segmentPictureKey} from '../../src/pipeline/picture-hash-memo.ts';
import {bundleTestProject, makeTempProject, type TempProject, testTimelineProps} from './helpers/project.ts';

let project: TempProject;
let dir: string;
beforeAll(async () => {
  project = makeTempProject();
  dir = await mkdtemp(path.join(os.tmpdir(), 'picture-memo-'));
});
afterAll(async () => {
  project?.cleanup();
  if (dir) await rm(dir, {recursive: true, force: true});
});

const capture = () => {
  const lines: string[] = [];
  const sink = {write: (chunk: string) => lines.push(...String(chunk).split('\n').filter(Boolean))};
  return {lines, logger: createLogger({level: 'verbose', stdout: sink, stderr: sink})};
};

describe('a warm run finds its cache entries without building proxies', () => {
  it('the second run knows every picture hash from its chunks’ bytes: no proxy, the same cache keys and audio', async () => {
    const serveUrl = await bundleTestProject();
    const run = (logger: ReturnType<typeof capture>['logger']) =>
      generateAudio({
        serveUrl,
        compositionId: 'test-timeline',
        inputProps: testTimelineProps({
          durationInSeconds: 6,
          fps: 5,
          variant: 2,
          variantFrom: 5,
          variantTo: 20,
        }),
        backend: 'offline',
        maxSegmentSeconds: 2,
        publicDir: project.publicDir,
        cacheDir: project.cacheDir,
        logger,
      });
    const cold = capture();
    const first = await run(cold.logger);
    const warm = capture();
    const second = await run(warm.logger);
    const proxies = (lines: string[]) => lines.filter((l) => / proxy \d+ kB/.test(l)).length;
    const known = (lines: string[]) => lines.filter((l) => l.includes("known from its chunks' bytes")).length;
    console.table({
      segments: first.segments.length,
      'cold: proxies built / known from chunks': `${proxies(cold.lines)} / ${known(cold.lines)}`,
      'warm: proxies built / known from chunks': `${proxies(warm.lines)} / ${known(warm.lines)}`,
      'warm: cached segments': second.segments.filter((s) => s.cached).length,
    });
    expect(proxies(cold.lines)).toBe(first.segments.length);
    expect(proxies(warm.lines)).toBe(0);
    expect(known(warm.lines)).toBe(first.segments.length);
    expect(second.segments.every((s) => s.cached)).toBe(true);
    expect(second.segments.map((s) => s.cacheKey)).toEqual(first.segments.map((s) => s.cacheKey));
  }, 240_000);

  it('h265 (whose encodes of the same frames differ run to run): the rerun is served from the cache, nothing generated twice', async () => {
    const other = makeTempProject();
    try {
      const run = async () => {
        const log = capture();
        const result = await generateAudio({
          serveUrl: await bundleTestProject(),
          compositionId: 'test-timeline',
          inputProps: testTimelineProps({
            durationInSeconds: 6,
            fps: 5,
            variant: 3,
            variantFrom: 5,
            variantTo: 20,
          }),
          backend: 'offline',
          maxSegmentSeconds: 2,
          publicDir: other.publicDir,
          cacheDir: other.cacheDir,
          codec: 'h265',
          logger: log.logger,
        });
        return {result, lines: log.lines};
      };
      const first = await run();
      const second = await run();
      const known = second.lines.filter((l) => l.includes("known from its chunks'")).length;
      console.table({
        codec: 'h265',
        segments: first.result.segments.length,
        'rerun: cached segments': second.result.segments.filter((s) => s.cached).length,
        'rerun: picture hashes known from the frames': known,
      });
      expect(second.result.segments.every((s) => s.cached)).toBe(true);
      expect(second.result.segments.map((s) => s.cacheKey)).toEqual(
        first.result.segments.map((s) => s.cacheKey),
      );
    } finally {
      other.cleanup();
    }
  }, 240_000);

  it('the memo key follows the chunks’ exact bytes and the range: any other byte is another key', async () => {
    const a = path.join(dir, 'a.mp4');
    const b = path.join(dir, 'b.mp4');
    writeFileSync(a, Buffer.from('chunk bytes 0'));
    writeFileSync(b, Buffer.from('chunk bytes 1'));
    const range = {startFrame: 0, endFrame: 10, fps: 5, width: 160, height: 90};
    const key = (file: string, over = {}) =>
      segmentPictureKey({chunks: [{startFrame: 0, endFrame: 10, file}], ...range, ...over});
    expect(await key(a)).toBe(await key(a));
    expect(await key(b)).not.toBe(await key(a));
    expect(await key(a, {endFrame: 9})).not.toBe(await key(a));
    expect(await key(a, {width: 320})).not.toBe(await key(a));
    // The browser's images, when known, stand for the chunk: another encode of the same images, the same key.
    const viaImages = (file: string) =>
      segmentPictureKey({
        chunks: [{startFrame: 0, endFrame: 10, file, imagesSha256: 'ab'.repeat(32)}],
        ...range,
      });
    expect(await viaImages(a)).toBe(await viaImages(b));
    expect(await viaImages(a)).not.toBe(await key(a));
    // Frames not all rendered: no key (the proxy path reports it as before).
    expect(await key(a, {endFrame: 11})).toBeNull();
  });
});
