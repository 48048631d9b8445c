import {createHash} from 'node:crypto';
import {readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {GetObjectCommand, HeadObjectCommand, S3Client} from '@aws-sdk/client-s3';
import {bundle} from '@remotion/bundler';
import {renderMedia, selectComposition} from '@remotion/renderer';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runFf} from '../../src/media/ffmpeg.ts';
import {renderWithRenderer} from '../../src/renderers/render-with-renderer.ts';
import {startS3, type TestS3} from '../fleet/helpers/start-s3.ts';
import {locate} from '../integration/helpers/audio-analysis.ts';
import {
  decodeAudio,
  ENTRY,
  makeTempProject,
  type TempProject,
  testTimelineProps,
} from '../integration/helpers/project.ts';
import {createLocalBucketRenderer, type LocalBucketRenderer} from './helpers/create-local-bucket-renderer.ts';
import {BROWSER, compareWavs} from './helpers/render-wav.ts';

const ID = 'test-timeline';
const BUCKET = 'renders';
// 12 s at 5 fps with the composition's own beep (@remotion/media) and 3 generated segments with overlaps.
const props = testTimelineProps({durationInSeconds: 12, fps: 5, ownAudio: true});
const FRAMES = 60;

let s3: TestS3;
let project: TempProject;
let renderer: LocalBucketRenderer;

/** Decoded pictures, one RGB buffer per frame. */
const decodeFrames = async (file: string): Promise<Buffer[]> => {
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
  const size = 160 * 90 * 3;
  const frames: Buffer[] = [];
  for (let o = 0; o + size <= stdout.length; o += size) frames.push(stdout.subarray(o, o + size));
  return frames;
};
const psnr = (a: Buffer, b: Buffer): number => {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return se === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / (se / a.length));
};
/** sha256 of a file's video packets, copied out as they are (an Annex B h264 stream). */
const videoStreamHash = async (file: string): Promise<string> =>
  createHash('sha256')
    .update(
      (await runFf('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'h264', '-']))
        .stdout,
    )
    .digest('hex');

beforeAll(async () => {
  s3 = await startS3([BUCKET], {cors: true});
  Object.assign(process.env, s3.env);
  project = makeTempProject();
  // The "site": bundled before any audio exists, as a Lambda site is deployed.
  const site = await bundle({entryPoint: ENTRY, publicDir: project.publicDir});
  renderer = await createLocalBucketRenderer({serveUrl: site, directory: path.join(project.dir, 'bucket')});
}, 300_000);
afterAll(async () => {
  await renderer?.close();
  await s3?.stop();
  project?.cleanup();
});

describe('renderWithRenderer: the picture rendered remotely once, the audio generated and mixed here', () => {
  it('matches generate + a plain render (every frame, the audio sample for sample), video stream copied, uploaded to S3', async () => {
    const output = path.join(project.dir, 'out', 'remote.mp4');
    const ourWav = path.join(project.dir, 'out', 'remote.wav');
    const t0 = Date.now();
    const result = await renderWithRenderer({
      renderer,
      entryPoint: ENTRY,
      compositionId: ID,
      inputProps: props,
      backend: 'offline',
      maxSegmentSeconds: 5,
      publicDir: project.publicDir,
      cacheDir: project.cacheDir,
      browserExecutable: BROWSER.browserExecutable,
      outputLocation: output,
      separateAudioTo: ourWav,
      uploadTo: `s3://${BUCKET}/renders/final/remote-mmaudio.mp4`,
      logLevel: 'error',
    });
    const ms = Date.now() - t0;

    // The judge: generate's public/ output rendered by Remotion itself, as `npx remotion render` does.
    const judgeUrl = await bundle({entryPoint: ENTRY, publicDir: project.publicDir});
    const composition = await selectComposition({
      serveUrl: judgeUrl,
      id: ID,
      inputProps: props,
      ...BROWSER,
      logLevel: 'error',
    });
    const judgeMp4 = path.join(project.dir, 'judge.mp4');
    const judgeWav = path.join(project.dir, 'judge.wav');
    await renderMedia({
      serveUrl: judgeUrl,
      composition,
      inputProps: props,
      codec: 'h264',
      outputLocation: judgeMp4,
      ...BROWSER,
      logLevel: 'error',
    });
    await renderMedia({
      serveUrl: judgeUrl,
      composition,
      inputProps: props,
      codec: 'wav',
      outputLocation: judgeWav,
      enforceAudioTrack: true,
      ...BROWSER,
      logLevel: 'error',
    });

    const wav = compareWavs(judgeWav, ourWav);
    const [ours, theirs] = await Promise.all([decodeFrames(output), decodeFrames(judgeMp4)]);
    let minPsnr = Number.POSITIVE_INFINITY;
    let neighbour = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < Math.min(ours.length, theirs.length); i++) {
      minPsnr = Math.min(minPsnr, psnr(ours[i], theirs[i]));
      for (const j of [i - 1, i + 1])
        if (j >= 0 && j < theirs.length) neighbour = Math.max(neighbour, psnr(ours[i], theirs[j]));
    }
    // The AAC tracks: the same wav through the same encoder settings as Remotion's.
    const [aOurs, aTheirs] = await Promise.all([decodeAudio(output), decodeAudio(judgeMp4)]);
    const excerpt = aOurs.channels[0].subarray(48_000, 96_000);
    const aac = locate(aTheirs.channels[0], excerpt, 48_000, 4096);
    const remoteVideo = path.join(project.dir, 'bucket', new URL(result.remote.video.url).pathname);
    const [hashOurs, hashRemote] = await Promise.all([videoStreamHash(output), videoStreamHash(remoteVideo)]);
    const client = new S3Client({region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true});
    const head = await client.send(
      new HeadObjectCommand({Bucket: BUCKET, Key: 'renders/final/remote-mmaudio.mp4'}),
    );
    const stored = await client.send(
      new GetObjectCommand({Bucket: BUCKET, Key: 'renders/final/remote-mmaudio.mp4'}),
    );
    const storedHash = createHash('sha256')
      .update(await stored.Body!.transformToByteArray())
      .digest('hex');
    client.destroy();
    const videoGets = renderer.server.requests.filter(
      (r) => r.method === 'GET' && r.path.endsWith('/out.mp4'),
    );

    console.log(
      [
        '| check | remote path | judge (generate + plain render) |',
        '|---|---|---|',
        `| remote renders | ${renderer.renders.map((r) => `${r.kind} ${r.frameRange.join('–')} (${r.renderedFrames} frames, ${r.env.REMOTION_MMAUDIO_PASS ?? 'plain'})`).join('; ')} | — |`,
        `| downloads of the picture | ${videoGets.length} | — |`,
        `| audio path | ${result.audioMode}${result.audioPassReason ? ` (${result.audioPassReason})` : ''} | audio pass |`,
        `| frames | ${ours.length} | ${theirs.length} |`,
        `| min PSNR (best neighbour) | ${minPsnr.toFixed(1)} dB (${neighbour.toFixed(1)} dB) | — |`,
        `| wav samples differing | ${wav.differing} of ${wav.samples} (peak ${wav.peak}) | — |`,
        `| AAC: offset, correlation | ${aac.offset}, ${aac.correlation.toFixed(5)} | — |`,
        `| video stream sha256 ours / remote | ${hashOurs === hashRemote ? 'equal' : `${hashOurs} ≠ ${hashRemote}`} | — |`,
        `| uploaded | s3://${BUCKET}/${result.uploaded?.key} ${head.ContentLength} bytes | — |`,
        `| segments, time | ${result.segments.length}, ${(ms / 1000).toFixed(1)} s | — |`,
      ].join('\n'),
    );

    // Every frame rendered once, remotely; the own audio by an audio-only render that renders no picture.
    expect(renderer.renders.filter((r) => r.kind === 'video')).toHaveLength(1);
    expect(renderer.renders.find((r) => r.kind === 'video')?.renderedFrames).toBe(FRAMES);
    expect(renderer.renders.map((r) => r.kind).sort()).toEqual(['audio', 'video']);
    expect(videoGets).toHaveLength(1);
    expect(result.audioMode).toBe('direct');
    expect(result.segments.length).toBe(3);
    // The same pictures: the remote file's video stream, copied.
    expect(ours.length).toBe(FRAMES);
    expect(theirs.length).toBe(FRAMES);
    expect(hashOurs).toBe(hashRemote);
    expect(minPsnr).toBeGreaterThanOrEqual(40);
    expect(minPsnr).toBeGreaterThan(neighbour + 8);
    // The same audio, sample for sample before the codec, and aligned after it.
    expect(wav.peak).toBeGreaterThan(1000);
    expect(wav.differing).toBe(0);
    expect(Math.abs(aac.offset)).toBeLessThanOrEqual(4096);
    expect(aac.correlation).toBeGreaterThan(0.99);
    expect(head.ContentLength).toBe(statSync(output).size);
    expect(storedHash).toBe(createHash('sha256').update(readFileSync(output)).digest('hex'));
  }, 600_000);
});
