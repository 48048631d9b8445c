import {createHash} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {GetObjectCommand, HeadObjectCommand, S3Client} from '@aws-sdk/client-s3';
import {bundle} from '@remotion/bundler';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {type Manifest, manifestPath} from '../../src/contract/manifest.ts';
import {IMMUTABLE_CACHE_CONTROL} from '../../src/state/publish-to-s3.ts';
import {startS3, type TestS3} from '../fleet/helpers/start-s3.ts';
import {segmentPlacements} from '../integration/helpers/audio-analysis.ts';
import {
  decodeAudio,
  ENTRY,
  makeTempProject,
  projectDirArgs,
  runCli,
  type TempProject,
  testTimelineProps,
} from '../integration/helpers/project.ts';
import {compareWavs, renderWav} from './helpers/render-wav.ts';

const ID = 'test-timeline';
const BUCKET = 'mmaudio-sites';
const props = testTimelineProps({durationInSeconds: 12, fps: 5, ownAudio: true});

let s3: TestS3;
let project: TempProject;
let cleanServeUrl: string;

const generate = (publishUrl: string) =>
  runCli(
    [
      'generate',
      ENTRY,
      ID,
      '--props',
      JSON.stringify(props),
      '--backend',
      'offline',
      '--max-segment-seconds',
      '5',
      '--publish-url',
      publishUrl,
      ...projectDirArgs(project),
    ],
    {cwd: project.dir, env: {...s3.env, QUBICO_API_KEY: '', REMOTION_MMAUDIO_STATE_DIR: project.stateDir}},
  ).done;

beforeAll(async () => {
  s3 = await startS3([BUCKET], {cors: true});
  project = makeTempProject();
  // The site as deployed before the audio existed.
  cleanServeUrl = await bundle({entryPoint: ENTRY, publicDir: project.publicDir});
}, 300_000);
afterAll(async () => {
  await s3?.stop();
  project?.cleanup();
});

describe('generate --publish-url s3://bucket/prefix (s3rver)', () => {
  it('refuses a bucket that is not there before generating anything (exit 2)', async () => {
    const run = await generate('s3://no-such-bucket/audio');
    console.log(`missing bucket: exit ${run.code}; ${run.stderr.trim().split('\n').at(-1)}`);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /Cannot publish to s3:\/\/no-such-bucket\/audio at 127\.0\.0\.1:\d+: the bucket does not exist/,
    );
    expect(existsSync(path.join(project.publicDir, manifestPath(ID)))).toBe(false);
    const malformed = await generate('https://example.com/x');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/--publish-url must look like s3:\/\/bucket\/prefix/);
  }, 300_000);

  it('uploads content-addressed immutable wavs and a manifest of their URLs; those props render on a site without the audio, sample for sample as public/', async () => {
    const run = await generate(`s3://${BUCKET}/sites/audio`);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const printed = JSON.parse(lines.at(-1) ?? '') as typeof props & {mmaudio: {manifest: Manifest}};
    console.log(lines.filter((l) => /Published|Input props|lambda render/.test(l)).join('\n'));
    const propsFile = path.join(project.dir, 'out', `${ID}.mmaudio-props.json`);
    expect(JSON.parse(readFileSync(propsFile, 'utf8'))).toEqual(printed);
    expect(printed.durationInSeconds).toBe(props.durationInSeconds);
    const local = JSON.parse(
      readFileSync(path.join(project.publicDir, manifestPath(ID)), 'utf8'),
    ) as Manifest;
    const published = printed.mmaudio.manifest;
    expect(published.segments.map((s) => s.startFrame)).toEqual(local.segments.map((s) => s.startFrame));

    // Every src is the store's URL of the wav named by its sha256, served with Cache-Control immutable.
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: {accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER'},
    });
    const modified: string[] = [];
    for (const [i, segment] of published.segments.entries()) {
      const bytes = readFileSync(path.join(project.publicDir, local.segments[i].src));
      const sha = createHash('sha256').update(bytes).digest('hex');
      expect(segment.src).toBe(`${s3.endpoint}/${BUCKET}/sites/audio/wav/${sha}.wav`);
      const head = await client.send(
        new HeadObjectCommand({Bucket: BUCKET, Key: `sites/audio/wav/${sha}.wav`}),
      );
      expect(head.CacheControl).toBe(IMMUTABLE_CACHE_CONTROL);
      expect(head.ContentLength).toBe(bytes.length);
      modified.push(String(head.LastModified?.getTime()));
    }
    const manifestLine = lines.find((l) => l.startsWith('Published')) ?? '';
    const manifestKey = /\/mmaudio-sites\/(sites\/audio\/manifests\/test-timeline\/[0-9a-f]{64}\.json)$/.exec(
      manifestLine,
    )?.[1];
    expect(manifestKey, manifestLine).toBeDefined();
    const stored = await client.send(new GetObjectCommand({Bucket: BUCKET, Key: manifestKey}));
    expect(JSON.parse(await stored.Body!.transformToString())).toEqual(published);

    // Again: nothing new is written, nothing is overwritten.
    const again = await generate(`s3://${BUCKET}/sites/audio`);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      new RegExp(
        `Published ${published.segments.length} wavs \\(0 uploaded, ${published.segments.length} already there\\)`,
      ),
    );
    for (const [i, segment] of published.segments.entries()) {
      const key = new URL(segment.src).pathname.slice(`/${BUCKET}/`.length);
      const head = await client.send(new HeadObjectCommand({Bucket: BUCKET, Key: key}));
      expect(String(head.LastModified?.getTime())).toBe(modified[i]);
    }
    client.destroy();

    // The printed props, rendered by a site bundled before the audio existed (as Lambda would): the wavs
    // come from the store, placed exactly as a plain render after generate places them from public/.
    const fromStore = path.join(project.dir, 'from-store.wav');
    await renderWav(cleanServeUrl, ID, printed, fromStore);
    const publicServeUrl = await bundle({entryPoint: ENTRY, publicDir: project.publicDir});
    const fromPublic = path.join(project.dir, 'from-public.wav');
    await renderWav(publicServeUrl, ID, props, fromPublic);
    const {samples, differing, peak} = compareWavs(fromPublic, fromStore);
    const placements = segmentPlacements(
      (await decodeAudio(fromStore)).channels[0],
      local,
      project.publicDir,
      {
        avoid: [[4.9, 6.2]],
      },
    );
    console.log(
      `props from --publish-url vs public/: ${samples} samples, ${differing} differ (peak ${peak}); placement offsets (samples): ${placements.map((p) => p.offsetSamples).join(', ')}; correlations ${placements.map((p) => p.correlation.toFixed(4)).join(', ')}`,
    );
    expect(peak).toBeGreaterThan(1000);
    expect(differing).toBe(0);
    for (const p of placements) expect(p.offsetSamples).toBe(0);
  }, 600_000);
});
