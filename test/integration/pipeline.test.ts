import {copyFileSync, existsSync, mkdirSync, readFileSync} from 'node:fs';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {QuotaExceededError} from '../../src/api/errors.ts';
import {createDailyQuota} from '../../src/api/quota.ts';
import {CostLimitError} from '../../src/errors.ts';
import {generateAudio} from '../../src/pipeline/generate.ts';
import type {GenerateAudioOptions} from '../../src/pipeline/options.ts';
import {planSegments} from '../../src/pipeline/plan.ts';
import {manifestSchema} from '../../src/react/manifest.ts';
import {type Simulator, simulatedSignal, startSimulator} from '../../src/simulator/index.ts';
import {decodeWav} from '../../src/wav/wav.ts';
import {
  bundleTestProject,
  ENTRY,
  listFiles,
  makeTempProject,
  projectDirArgs,
  runCli,
  type TempProject,
  testTimelineProps,
} from './helpers/project.ts';

const KEY = 'test-key-pipeline-0123456789';

let serveUrl: string;
let sim: Simulator;
let project: TempProject;

const submits = () => sim.requests.filter((r) => r.kind === 'submit' && r.status === 202);

const options = (overrides: Partial<GenerateAudioOptions> = {}): GenerateAudioOptions => ({
  serveUrl,
  compositionId: 'test-timeline',
  backend: 'qubico',
  apiKey: KEY,
  baseUrl: sim.url,
  prompt: 'soft rain on a tin roof',
  publicDir: project.publicDir,
  cacheDir: project.cacheDir,
  client: {dailyQuota: {directory: project.stateDir}, pollIntervalMs: {min: 200, max: 1000}},
  ...overrides,
});

/** Normalised correlation of two equally long signals. */
const correlation = (a: Float32Array, b: Float32Array): number => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
};

beforeAll(async () => {
  serveUrl = await bundleTestProject();
});

afterEach(async () => {
  await sim?.close();
  project?.cleanup();
});

afterAll(() => undefined);

describe('a 130 s composition at 29.97/10 fps against the simulator', () => {
  it('renders every frame once, makes three balanced segments, then caches and re-generates only what changed', async () => {
    sim = await startSimulator({apiKey: KEY, taskLatencyMs: 400});
    project = makeTempProject();
    const props = testTimelineProps({durationInSeconds: 130, fps: 2.997});
    let maxRendered = 0;
    const first = await generateAudio(
      options({
        inputProps: props,
        onProgress: (p) => (maxRendered = Math.max(maxRendered, p.renderedFrames)),
      }),
    );

    // Frames once: Remotion's progress callbacks count exactly the composition's frames.
    const totalFrames = Math.round(130 * 2.997);
    expect(first.renderedFrames).toBe(totalFrames);
    expect(maxRendered).toBe(totalFrames);

    // Three balanced segments of ~43 s, the manifest's frames exactly the plan's.
    const plan = planSegments({durationInFrames: totalFrames, fps: 2.997});
    expect(plan.segments).toHaveLength(3);
    const lengths = plan.segments.map((s) => s.durationInFrames);
    expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(1);
    const manifest = manifestSchema.parse(JSON.parse(readFileSync(first.manifestPath, 'utf8')));
    expect(manifest.backend).toBe('qubico');
    expect(manifest.segments.map((s) => [s.startFrame, s.endFrame, s.fadeInFrames, s.fadeOutFrames])).toEqual(
      plan.segments.map((s) => [s.startFrame, s.endFrame, s.fadeInFrames, s.fadeOutFrames]),
    );
    console.log(
      `pipeline: ${first.renderedFrames} of ${totalFrames} frames rendered once; segments ${lengths.join(' / ')} frames; ` +
        `proxies ${first.segments.map((s) => s.proxyBytes).join(' / ')} bytes`,
    );
    expect(submits()).toHaveLength(3);
    expect(first.billedSeconds).toBeCloseTo(plan.billedSeconds, 6);
    expect(first.costUsd).toBe(plan.costUsd);

    // Each published wav is the service's result, fitted to its segment at 48 kHz.
    const tasks = [...sim.tasks.values()];
    for (const segment of manifest.segments) {
      const wav = decodeWav(new Uint8Array(readFileSync(path.join(project.publicDir, segment.src))));
      expect(wav.sampleRate).toBe(48_000);
      expect(wav.channels[0].length).toBe(Math.round(segment.durationInSeconds * 48_000));
      const task = tasks.find((t) => t.taskId === segment.taskId)!;
      expect(task.durationInSeconds).toBeLessThanOrEqual(60);
      expect(task.seed).toBe(segment.seed);
      const expected = simulatedSignal({
        videoSha256: task.videoSha256,
        prompt: task.prompt,
        seed: task.seed,
        durationInSeconds: segment.durationInSeconds,
        sampleRate: 48_000,
        channels: 1,
        sweepSeconds: task.durationInSeconds,
      });
      expect(correlation(wav.channels[0], expected.channels[0])).toBeGreaterThan(0.99);
    }

    // Second run: everything from the cache, zero requests.
    const before = sim.requests.length;
    const second = await generateAudio(options({inputProps: props}));
    expect(sim.requests.length).toBe(before);
    expect(second.segments.every((s) => s.cached)).toBe(true);
    expect(second.billedSeconds).toBe(0);
    expect(second.manifest.segments.map((s) => s.cacheKey)).toEqual(manifest.segments.map((s) => s.cacheKey));

    // Change the picture inside segment 2 only (away from the overlaps): exactly one submit.
    const s2 = plan.segments[1];
    const changed = await generateAudio(
      options({
        inputProps: {...props, variant: 3, variantFrom: s2.startFrame + 5, variantTo: s2.endFrame - 5},
      }),
    );
    expect(submits()).toHaveLength(4);
    expect(changed.segments.map((s) => s.cached)).toEqual([true, false, true]);
    expect(changed.manifest.segments[1].cacheKey).not.toBe(manifest.segments[1].cacheKey);
    // The manifest on disk is the new one; beside its wavs only the one wav of the manifest it replaced,
    // kept for the grace period (a Studio or render that read the old manifest still plays it).
    const onDisk = manifestSchema.parse(JSON.parse(readFileSync(changed.manifestPath, 'utf8')));
    expect(onDisk.segments.map((s) => s.cacheKey)).toEqual(changed.manifest.segments.map((s) => s.cacheKey));
    const wavs = listFiles(path.dirname(changed.manifestPath))
      .filter((f) => f.includes('.wav'))
      .map((f) => f.split(':')[0])
      .sort();
    expect(wavs).toEqual(
      [
        ...changed.manifest.segments.map((s) => path.basename(s.src)),
        path.basename(manifest.segments[1].src),
      ].sort(),
    );
  }, 400_000);
});

describe('failures and spending limits', () => {
  const short = testTimelineProps({durationInSeconds: 30, fps: 5});

  it('resubmits a task the service failed, and the run completes', async () => {
    sim = await startSimulator({apiKey: KEY, taskLatencyMs: 300});
    project = makeTempProject();
    sim.faults.failTasks(1);
    const result = await generateAudio(options({inputProps: short, maxSegmentSeconds: 12}));
    expect(result.segments).toHaveLength(3);
    expect(submits()).toHaveLength(4);
    expect(result.segments.map((s) => s.submits).sort()).toEqual([1, 1, 2]);
    expect([...sim.tasks.values()].filter((t) => t.status === 'failed')).toHaveLength(1);
    expect(existsSync(result.manifestPath)).toBe(true);
  }, 120_000);

  it('refuses a run over --max-cost before its first request, writing nothing', async () => {
    sim = await startSimulator({apiKey: KEY});
    project = makeTempProject();
    const filesBefore = listFiles(project.publicDir);
    const run = generateAudio(options({inputProps: short, maxCost: 0.5}));
    await expect(run).rejects.toBeInstanceOf(CostLimitError);
    await expect(run).rejects.toMatchObject({exitCode: 2});
    expect(sim.requests).toHaveLength(0);
    expect(listFiles(project.publicDir)).toEqual(filesBefore);
  }, 120_000);

  it('refuses a run over the daily quota before its first request', async () => {
    sim = await startSimulator({apiKey: KEY});
    project = makeTempProject();
    const quota = createDailyQuota({apiKey: KEY, directory: project.stateDir});
    await quota.consume(497);
    const run = generateAudio(options({inputProps: short, maxSegmentSeconds: 12}));
    await expect(run).rejects.toBeInstanceOf(QuotaExceededError);
    await expect(run).rejects.toMatchObject({exitCode: 2});
    expect(sim.requests).toHaveLength(0);
    expect(await quota.used()).toBe(497);
  }, 120_000);
});

describe('hosting proxies yourself', () => {
  it('sends the URL returned by `upload` instead of base64, and the service fetches it', async () => {
    sim = await startSimulator({apiKey: KEY, taskLatencyMs: 300});
    project = makeTempProject();
    const hosted = path.join(project.dir, 'hosted');
    mkdirSync(hosted);
    const server = createServer((req, res) => {
      const file = path.join(hosted, path.basename(req.url ?? ''));
      if (!existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {'content-type': 'video/mp4'}).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const {port} = server.address() as AddressInfo;
    const uploads: {segmentIndex: number; bytes: number}[] = [];
    try {
      const result = await generateAudio(
        options({
          inputProps: testTimelineProps({durationInSeconds: 20, fps: 5}),
          maxSegmentSeconds: 12,
          upload: async (file, info) => {
            uploads.push(info);
            const name = `segment-${info.segmentIndex}.mp4`;
            copyFileSync(file, path.join(hosted, name));
            return `http://127.0.0.1:${port}/${name}`;
          },
        }),
      );
      expect(result.segments).toHaveLength(2);
      expect(uploads.map((u) => u.segmentIndex).sort()).toEqual([0, 1]);
      expect(uploads.every((u) => u.bytes > 0)).toBe(true);
      const tasks = [...sim.tasks.values()];
      expect(tasks).toHaveLength(2);
      // The service hashed what it fetched: the very proxies that were uploaded.
      for (const u of uploads) {
        const bytes = readFileSync(path.join(hosted, `segment-${u.segmentIndex}.mp4`));
        expect(tasks.some((t) => t.videoBytes === bytes.length)).toBe(true);
      }
      expect(submits()).toHaveLength(2);
    } finally {
      server.close();
    }
  }, 120_000);
});

describe('a run killed after its submits', () => {
  it('is resumed by GET on the next run: no second submit for those tasks', async () => {
    sim = await startSimulator({apiKey: KEY, taskLatencyMs: 6000});
    project = makeTempProject();
    const args = [
      'generate',
      ENTRY,
      'test-timeline',
      '--props',
      JSON.stringify(testTimelineProps({durationInSeconds: 30, fps: 5})),
      '--max-segment-seconds',
      '12',
      '--prompt',
      'footsteps',
      ...projectDirArgs(project),
      '--backend',
      'qubico',
    ];
    const env = {QUBICO_API_KEY: KEY, QUBICO_BASE_URL: sim.url, REMOTION_MMAUDIO_STATE_DIR: project.stateDir};
    const first = runCli(args, {cwd: project.dir, env});
    const deadline = Date.now() + 240_000;
    while (submits().length < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(submits()).toHaveLength(3);
    first.kill();
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(path.join(project.publicDir, 'mmaudio/test-timeline/manifest.json'))).toBe(false);

    const second = await runCli(args, {cwd: project.dir, env}).done;
    expect(second.stderr).not.toContain(KEY);
    expect(second.stdout).not.toContain(KEY);
    expect(second.code).toBe(0);
    expect(submits()).toHaveLength(3);
    expect(second.stdout).toMatch(/resuming task/);
    const manifest = manifestSchema.parse(
      JSON.parse(readFileSync(path.join(project.publicDir, 'mmaudio/test-timeline/manifest.json'), 'utf8')),
    );
    expect(new Set(manifest.segments.map((s) => s.taskId))).toEqual(new Set(submits().map((r) => r.taskId)));
  }, 300_000);
});
