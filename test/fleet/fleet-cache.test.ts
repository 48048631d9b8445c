import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {generateAudio} from '../../src/pipeline/generate.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {createAudioCache} from '../../src/state/audio-cache.ts';
import {createS3AudioCache, SharedCacheUnavailableError} from '../../src/state/s3-audio-cache.ts';
import {encodeWav} from '../../src/wav/wav.ts';
import {
  bundleTestProject,
  makeTempProject,
  type TempProject,
  testTimelineProps,
} from '../integration/helpers/project.ts';
import {freePort, startRedis, type TestRedis} from './helpers/start-redis.ts';

const KEY = 'fleet-cache-key-0016';
const BUCKET = 'mmaudio-cache';
let s3: {close: () => Promise<void>};
let s3Dir: string;
let endpoint: string;
let dir: string;

beforeAll(async () => {
  s3Dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-s3rver-'));
  dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-s3-cache-'));
  const port = await freePort();
  s3 = new S3rver({
    port,
    address: '127.0.0.1',
    silent: true,
    directory: s3Dir,
    configureBuckets: [{name: BUCKET}],
  });
  await (s3 as unknown as {run: () => Promise<unknown>}).run();
  endpoint = `http://127.0.0.1:${port}`;
  // The usual AWS variables, as a CI job would set them (s3rver's fixed credentials).
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ENDPOINT_URL_S3 = endpoint;
});
afterAll(async () => {
  await s3?.close();
  await rm(s3Dir, {recursive: true, force: true});
  await rm(dir, {recursive: true, force: true});
});

const makeWav = async (file: string, seconds: number) => {
  const sampleRate = 16_000;
  const samples = new Float32Array(sampleRate * seconds).map((_, i) => Math.sin(i / 7) * 0.5);
  await writeFile(file, encodeWav({sampleRate, channels: [samples]}));
};

describe('the audio cache shared through S3 (a real S3-protocol server)', () => {
  it('a worker with another cache directory gets the entry from S3, verified by its sha256; a tampered object is a miss', async () => {
    const wav = path.join(dir, 'result.wav');
    await makeWav(wav, 1);
    const url = `s3://${BUCKET}/team-a`;
    const a = await createS3AudioCache(createAudioCache(path.join(dir, 'a')), {url});
    const meta = {
      sampleRate: 16_000,
      channels: 1,
      durationInSeconds: 1,
      taskId: 'task-1',
      backend: 'qubico',
      billedSeconds: 1,
      createdAt: new Date().toISOString(),
    };
    const put = await a.put('key-1', wav, meta);
    const b = await createS3AudioCache(createAudioCache(path.join(dir, 'b')), {url});
    const got = await b.get('key-1');
    expect(got?.sha256).toBe(put.sha256);
    expect(got?.wavPath.startsWith(path.join(dir, 'b'))).toBe(true);
    expect(Buffer.compare(await readFile(got!.wavPath), await readFile(wav))).toBe(0);
    // The same key in another prefix is another cache.
    const other = await createS3AudioCache(createAudioCache(path.join(dir, 'c')), {
      url: `s3://${BUCKET}/team-b`,
    });
    expect(await other.get('key-1')).toBeNull();

    // Replace the wav object with bytes of the same length that do not match the recorded sha256.
    const bytes = await readFile(wav);
    bytes[bytes.length - 1] ^= 0xff;
    const {S3Client, PutObjectCommand} = await import('@aws-sdk/client-s3');
    const raw = new S3Client({endpoint, forcePathStyle: true, region: 'us-east-1'});
    await raw.send(
      new PutObjectCommand({Bucket: BUCKET, Key: `team-a/audio/key-1/${put.sha256}.wav`, Body: bytes}),
    );
    raw.destroy();
    const d = await createS3AudioCache(createAudioCache(path.join(dir, 'd')), {url});
    expect(await d.get('key-1')).toBeNull();
    for (const c of [a, b, other, d]) c.close();
  });

  it('a bucket that does not exist stops the run at once, naming it', async () => {
    const error = await createS3AudioCache(createAudioCache(path.join(dir, 'e')), {
      url: 's3://no-such-bucket/x',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SharedCacheUnavailableError);
    console.log((error as Error).message);
    expect((error as Error).message).toContain('s3://no-such-bucket/x');
  });
});

describe('two machines, one Redis, one bucket: generateAudio end to end', () => {
  let serveUrl: string;
  let sim: Simulator;
  let redis: TestRedis;
  let first: TempProject;
  let second: TempProject;
  beforeAll(async () => {
    serveUrl = await bundleTestProject();
    sim = await startSimulator({apiKey: KEY, taskLatencyMs: 300});
    redis = await startRedis();
    first = makeTempProject();
    second = makeTempProject();
  });
  afterAll(async () => {
    await sim?.close();
    await redis?.stop();
    first?.cleanup();
    second?.cleanup();
  });

  it('the second worker, on another cache directory, gets every segment from S3: 0 requests, billed 0', async () => {
    const run = (project: TempProject) =>
      generateAudio({
        serveUrl,
        compositionId: 'test-timeline',
        inputProps: testTimelineProps({durationInSeconds: 4, fps: 5}),
        backend: 'qubico',
        apiKey: KEY,
        baseUrl: sim.url,
        prompt: 'gravel under slow footsteps',
        maxSegmentSeconds: 2,
        publicDir: project.publicDir,
        cacheDir: project.cacheDir,
        redisUrl: redis.url,
        cacheUrl: `s3://${BUCKET}/pipeline`,
        client: {pollIntervalMs: {min: 100, max: 500}},
      });
    const one = await run(first);
    const afterFirst = sim.requests.length;
    const two = await run(second);
    const table = {
      segments: one.segments.length,
      'worker 1: submits / billed s': `${one.segments.reduce((s, x) => s + x.submits, 0)} / ${one.billedSeconds}`,
      'worker 2: submits / billed s / cached': `${two.segments.reduce((s, x) => s + x.submits, 0)} / ${two.billedSeconds} / ${two.segments.filter((s) => s.cached).length}`,
      'requests by worker 2': sim.requests.length - afterFirst,
    };
    console.table(table);
    expect(one.segments.every((s) => s.submits === 1)).toBe(true);
    expect(two.billedSeconds).toBe(0);
    expect(two.segments.every((s) => s.cached)).toBe(true);
    expect(sim.requests.length).toBe(afterFirst);
    for (let i = 0; i < one.segments.length; i++) {
      const [x, y] = [await readFile(one.segments[i].wavPath), await readFile(two.segments[i].wavPath)];
      expect(Buffer.compare(x, y)).toBe(0);
    }
  }, 180_000);
});
