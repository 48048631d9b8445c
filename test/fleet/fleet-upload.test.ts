import {createHash} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {ListObjectsV2Command, S3Client} from '@aws-sdk/client-s3';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {generateAudio} from '../../src/pipeline/generate.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {createS3ProxyUpload, ProxyUploadError} from '../../src/state/s3-proxy-upload.ts';
import {makeTestMp4} from '../integration/helpers/make-mp4.ts';
import {
  bundleTestProject,
  makeTempProject,
  type TempProject,
  testTimelineProps,
} from '../integration/helpers/project.ts';
import {startS3, type TestS3} from './helpers/start-s3.ts';

const KEY = 'upload-key-0016';
const FAL_KEY = 'fal-upload-key-0016-abcdef';
const BUCKET = 'mmaudio-proxies';
let s3: TestS3;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  s3 = await startS3([BUCKET]);
  for (const [k, v] of Object.entries(s3.env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await s3?.stop();
});

const listProxies = async (prefix: string) => {
  const client = new S3Client({endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1'});
  const out = await client.send(new ListObjectsV2Command({Bucket: BUCKET, Prefix: prefix}));
  client.destroy();
  return (out.Contents ?? []).map((o) => o.Key ?? '');
};

describe('proxies hosted in S3 and sent as presigned URLs (a real S3-protocol server)', () => {
  it('puts a proxy under its sha256 once and returns a presigned GET URL that serves it, without the credentials', async () => {
    const file = await makeTestMp4({seconds: 1, width: 32, height: 18});
    const bytes = await readFile(file);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const {upload, close} = createS3ProxyUpload({url: `s3://${BUCKET}/unit`});
    try {
      const url = await upload(file, {segmentIndex: 0, bytes: bytes.length});
      const again = await upload(file, {segmentIndex: 1, bytes: bytes.length});
      const parsed = new URL(url);
      console.log(
        `presigned: ${parsed.origin}${parsed.pathname} (${[...parsed.searchParams.keys()].join(', ')})`,
      );
      expect(parsed.pathname).toBe(`/${BUCKET}/unit/proxies/${sha}.mp4`);
      expect(parsed.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      // The URL names the access key id (public, as in every presigned URL) and a signature; the secret
      // (here the same string as the id: s3rver's fixed pair) appears in no other part of it.
      const {'X-Amz-Credential': credential, ...rest} = Object.fromEntries(parsed.searchParams);
      expect(credential.startsWith(`${s3.env.AWS_ACCESS_KEY_ID}/`)).toBe(true);
      expect(JSON.stringify(rest) + parsed.pathname).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
      expect(new URL(again).pathname).toBe(parsed.pathname);
      const got = Buffer.from(await (await fetch(url)).arrayBuffer());
      expect(Buffer.compare(got, bytes)).toBe(0);
      expect(await listProxies('unit/')).toEqual([`unit/proxies/${sha}.mp4`]);
    } finally {
      close();
    }
  });

  it('a bucket that does not exist: a clear error naming --upload-url, before anything is submitted', async () => {
    const file = await makeTestMp4({seconds: 1, width: 32, height: 18});
    const {upload, close} = createS3ProxyUpload({url: 's3://no-such-bucket/p'});
    const error = await upload(file, {segmentIndex: 2, bytes: 1}).catch((e: unknown) => e);
    close();
    expect(error).toBeInstanceOf(ProxyUploadError);
    console.log((error as Error).message);
    expect((error as Error).message).toContain("segment 3's proxy");
    expect((error as Error).message).toContain('--upload-url');
  });

  describe('generateAudio with uploadUrl', () => {
    let sim: Simulator;
    let project: TempProject;
    beforeAll(async () => {
      sim = await startSimulator({apiKey: KEY, taskLatencyMs: 300});
      project = makeTempProject();
    });
    afterAll(async () => {
      await sim?.close();
      project?.cleanup();
    });

    it('the service fetches every proxy from the store by its presigned URL: the bytes it got are the ones put there', async () => {
      const result = await generateAudio({
        serveUrl: await bundleTestProject(),
        compositionId: 'test-timeline',
        inputProps: testTimelineProps({durationInSeconds: 4, fps: 5}),
        backend: 'qubico',
        apiKey: KEY,
        baseUrl: sim.url,
        prompt: 'wind over a field',
        maxSegmentSeconds: 2,
        publicDir: project.publicDir,
        cacheDir: project.cacheDir,
        uploadUrl: `s3://${BUCKET}/pipeline`,
        client: {pollIntervalMs: {min: 100, max: 500}, dailyQuota: false},
      });
      const keys = await listProxies('pipeline/');
      const inStore = keys.map((k) => path.basename(k, '.mp4')).sort();
      const fetched = [...sim.tasks.values()].map((t) => t.videoSha256).sort();
      console.table({
        segments: result.segments.length,
        'proxies in the store': keys.length,
        tasks: fetched.length,
      });
      expect(result.segments.every((s) => s.submits === 1)).toBe(true);
      expect(fetched).toEqual(inStore);
    }, 180_000);
  });

  describe('a host that takes URLs only (fal), with --cache-url and no upload', () => {
    let sim: Simulator;
    let project: TempProject;
    beforeAll(async () => {
      sim = await startSimulator({provider: 'fal', apiKey: FAL_KEY, taskLatencyMs: 300});
      project = makeTempProject();
    });
    afterAll(async () => {
      await sim?.close();
      project?.cleanup();
    });

    it('puts the proxies in the cache bucket and sends presigned URLs: works out of the box', async () => {
      const result = await generateAudio({
        serveUrl: await bundleTestProject(),
        compositionId: 'test-timeline',
        inputProps: testTimelineProps({durationInSeconds: 4, fps: 5}),
        provider: 'fal',
        apiKey: FAL_KEY,
        baseUrl: sim.url,
        prompt: 'rain on a tin roof',
        maxSegmentSeconds: 2,
        publicDir: project.publicDir,
        cacheDir: project.cacheDir,
        cacheUrl: `s3://${BUCKET}/fal-cache`,
        client: {pollIntervalMs: {min: 100, max: 500}, dailyQuota: false},
      });
      const keys = await listProxies('fal-cache/proxies/');
      const inStore = keys.map((k) => path.basename(k, '.mp4')).sort();
      const fetched = [...sim.tasks.values()].map((t) => t.videoSha256).sort();
      console.table({
        provider: 'fal',
        segments: result.segments.length,
        'proxies in the cache bucket': keys.length,
      });
      expect(result.segments.length).toBeGreaterThan(1);
      expect(fetched).toEqual(inStore);
    }, 180_000);
  });
});
