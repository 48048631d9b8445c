import {readFileSync} from 'node:fs';
import path from 'node:path';
import {bundle} from '@remotion/bundler';
import {renderMedia, selectComposition} from '@remotion/renderer';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CostLimitError} from '../../src/errors.ts';
import {generateAudio} from '../../src/pipeline/generate.ts';
import type {GenerateAudioOptions} from '../../src/pipeline/options.ts';
import {planComposition} from '../../src/pipeline/plan-composition.ts';
import {renderWithAudio} from '../../src/pipeline/render/render-with-audio.ts';
import {type Manifest, manifestSchema} from '../../src/react/manifest.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {normalisedCorrelation, readSegmentWav, SAMPLE_RATE} from './helpers/audio-analysis.ts';
import {
  bundleTestProject,
  decodeAudio,
  ENTRY,
  makeTempProject,
  type TempProject,
  testTimelineProps,
} from './helpers/project.ts';

const KEY = 'test-key-takes-0123456789';
const browser = {browserExecutable: '/usr/bin/chromium', chromeMode: 'chrome-for-testing' as const};

let serveUrl: string;

beforeAll(async () => {
  serveUrl = await bundleTestProject();
});

const readManifest = (file: string): Manifest => manifestSchema.parse(JSON.parse(readFileSync(file, 'utf8')));

describe('takes against the simulator (billing)', () => {
  let sim: Simulator;
  let project: TempProject;
  beforeAll(async () => {
    sim = await startSimulator({apiKey: KEY, taskLatencyMs: 200});
    project = makeTempProject();
  });
  afterAll(async () => {
    await sim.close();
    project.cleanup();
  });

  const options = (overrides: Partial<GenerateAudioOptions> = {}): GenerateAudioOptions => ({
    serveUrl,
    compositionId: 'test-timeline',
    inputProps: testTimelineProps({durationInSeconds: 4, fps: 10}),
    backend: 'qubico',
    apiKey: KEY,
    baseUrl: sim.url,
    prompt: 'footsteps on gravel',
    publicDir: project.publicDir,
    cacheDir: project.cacheDir,
    client: {dailyQuota: {directory: project.stateDir}, pollIntervalMs: {min: 100, max: 500}},
    ...overrides,
  });
  const submits = () => sim.requests.filter((r) => r.kind === 'submit' && r.status === 202);

  it('bills 2 takes of one segment once each, refuses them past --max-cost, and a rerun bills 0', async () => {
    const planned = await planComposition(options({takes: 2}));
    expect(planned.plan.segments).toHaveLength(1);
    expect(planned.takes).toBe(2);
    // 4 s × $0.05 = $0.20 per take.
    expect(planned.plan.costUsd).toBe(0.2);
    expect(planned.costUsd).toBe(0.4);
    expect(submits()).toHaveLength(0);

    // One take's worth of budget does not buy two: refused before any request.
    await expect(generateAudio(options({takes: 2, maxCost: 0.3}))).rejects.toBeInstanceOf(CostLimitError);
    expect(submits()).toHaveLength(0);

    const first = await generateAudio(options({takes: 2, maxCost: 0.4}));
    const tasks = [...sim.tasks.values()];
    expect(submits()).toHaveLength(2);
    expect(tasks).toHaveLength(2);
    // The same picture, two seeds, each submitted once.
    expect(new Set(tasks.map((t) => t.videoSha256)).size).toBe(1);
    expect(new Set(tasks.map((t) => t.seed)).size).toBe(2);
    expect(first.billedSeconds).toBeCloseTo(8, 6);
    expect(first.costUsd).toBe(0.4);
    expect(first.takes).toBe(2);
    expect(first.segments).toHaveLength(1);
    const outcomeTakes = first.segments[0].takes ?? [];
    expect(outcomeTakes.map((t) => [t.take, t.cached, t.submits])).toEqual([
      [0, false, 1],
      [1, false, 1],
    ]);
    const manifest = readManifest(first.manifestPath);
    const [segment] = manifest.segments;
    expect(segment.takes?.map((t) => t.seed).sort()).toEqual(tasks.map((t) => t.seed).sort());
    // The segment's own fields are its first take.
    expect(segment.takes?.[0]).toMatchObject({
      seed: segment.seed,
      src: segment.src,
      cacheKey: segment.cacheKey,
    });
    expect(new Set(segment.takes?.map((t) => t.cacheKey)).size).toBe(2);
    expect(new Set(segment.takes?.map((t) => t.src)).size).toBe(2);

    const again = await generateAudio(options({takes: 2, maxCost: 0.4}));
    expect(submits()).toHaveLength(2);
    expect(again.billedSeconds).toBe(0);
    expect(again.costUsd).toBe(0);
    expect(again.segments[0].takes?.every((t) => t.cached)).toBe(true);
    expect(readManifest(again.manifestPath).segments[0].takes).toEqual(segment.takes);

    // One more take: only the new seed is paid for; the first two keep their seeds and audio.
    const more = await generateAudio(options({takes: 3}));
    expect(submits()).toHaveLength(3);
    expect(more.costUsd).toBe(0.2);
    const three = readManifest(more.manifestPath).segments[0].takes ?? [];
    expect(three.slice(0, 2)).toEqual(segment.takes);
    console.log(
      'takes (simulator): plan $%s for 2 takes; submits: max-cost $0.30 → %d, first run → 2 (seeds %s), rerun → +0 ($%s), 3 takes → +1 ($%s)',
      planned.costUsd.toFixed(2),
      0,
      tasks.map((t) => t.seed).join(', '),
      again.costUsd.toFixed(2),
      more.costUsd.toFixed(2),
    );
  }, 300_000);
});

describe('takes with the offline backend (what renders play)', () => {
  let project: TempProject;
  beforeAll(() => {
    project = makeTempProject();
  });
  afterAll(() => project.cleanup());

  it('plays the picked take of a segment in every kind of render, and the first one without a pick', async () => {
    const fps = 10;
    const baseProps = testTimelineProps({durationInSeconds: 6, fps});
    const common = {
      serveUrl,
      compositionId: 'test-timeline',
      backend: 'offline' as const,
      prompt: 'wind',
      seed: 1000,
      maxSegmentSeconds: 4,
      takes: 2,
      publicDir: project.publicDir,
      cacheDir: project.cacheDir,
    };
    const generated = await generateAudio({...common, inputProps: baseProps});
    const manifest = readManifest(generated.manifestPath);
    expect(manifest.segments.length).toBeGreaterThanOrEqual(2);
    const [seg0, seg1] = manifest.segments;
    const takes0 = seg0.takes ?? [];
    const takes1 = seg1.takes ?? [];
    expect(takes0).toHaveLength(2);
    expect(takes1).toHaveLength(2);
    const wavs0 = takes0.map((t) => readSegmentWav(project.publicDir, t.src));
    const wavs1 = takes1.map((t) => readSegmentWav(project.publicDir, t.src));
    // The two takes are different audio, or the check below would prove nothing.
    const between = normalisedCorrelation(wavs0[0], 0, wavs0[1]);
    expect(Math.abs(between)).toBeLessThan(0.5);

    /** Correlation of a rendered track with each take of segment 0 and segment 1 at their frames. */
    const scores = (track: Float32Array) => ({
      seg0: wavs0.map((w) => normalisedCorrelation(track, (seg0.startFrame * SAMPLE_RATE) / fps, w)),
      seg1: wavs1.map((w) => normalisedCorrelation(track, (seg1.startFrame * SAMPLE_RATE) / fps, w)),
    });
    const picked = {...baseProps, mmaudio: {takes: {'0': takes0[1].seed}}};

    // remotion-mmaudio render: direct mix, and Remotion's audio pass.
    const rendered: Record<string, ReturnType<typeof scores>> = {};
    for (const [name, extra] of [
      ['direct mix, no pick', {inputProps: baseProps}],
      ['direct mix, pick take 2', {inputProps: picked}],
      ['audio pass, pick take 2', {inputProps: picked, audioMode: 'audio-pass' as const}],
    ] as const) {
      const wav = path.join(project.dir, `${name.replace(/\W+/g, '-')}.wav`);
      const result = await renderWithAudio({
        ...common,
        ...extra,
        outputLocation: path.join(project.dir, `${name.replace(/\W+/g, '-')}.mp4`),
        separateAudioTo: wav,
      });
      expect(result.billedSeconds).toBe(0);
      expect(result.segments.every((s) => s.takes?.every((t) => t.cached))).toBe(true);
      expect(result.audioMode).toBe(name.startsWith('direct') ? 'direct' : 'audio-pass');
      rendered[name] = scores((await decodeAudio(wav)).channels[0]);
    }

    // A plain Remotion render of a bundle of the project's public folder (what `npx remotion render` does).
    const plainUrl = await bundle({entryPoint: ENTRY, publicDir: project.publicDir});
    for (const [name, inputProps] of [
      ['plain render, no pick', baseProps],
      ['plain render, pick take 2', picked],
    ] as const) {
      const composition = await selectComposition({
        serveUrl: plainUrl,
        id: 'test-timeline',
        inputProps,
        ...browser,
        logLevel: 'error',
      });
      const wav = path.join(project.dir, `${name.replace(/\W+/g, '-')}.wav`);
      await renderMedia({
        serveUrl: plainUrl,
        composition,
        inputProps,
        codec: 'wav',
        outputLocation: wav,
        ...browser,
        logLevel: 'error',
      });
      rendered[name] = scores((await decodeAudio(wav)).channels[0]);
    }

    const table = Object.entries(rendered).map(([name, s]) => ({
      render: name,
      'seg 1 take 1': s.seg0[0].toFixed(3),
      'seg 1 take 2': s.seg0[1].toFixed(3),
      'seg 2 take 1': s.seg1[0].toFixed(3),
      'seg 2 take 2': s.seg1[1].toFixed(3),
    }));
    console.log(
      `takes: correlation of each render with each take (takes of seg 1 vs each other: ${between.toFixed(3)})`,
    );
    console.table(table);
    for (const [name, s] of Object.entries(rendered)) {
      const want = name.endsWith('pick take 2') ? 1 : 0;
      expect(s.seg0[want], name).toBeGreaterThan(0.9);
      expect(Math.abs(s.seg0[1 - want]), name).toBeLessThan(0.5);
      // Segment 2 has no pick: its first take everywhere.
      expect(s.seg1[0], name).toBeGreaterThan(0.9);
      expect(Math.abs(s.seg1[1]), name).toBeLessThan(0.5);
    }
  }, 600_000);

  it('refuses a pick of a seed the segment has no take for, naming the seeds it has', async () => {
    const manifestFile = path.join(project.publicDir, 'mmaudio/test-timeline/manifest.json');
    const manifest = readManifest(manifestFile);
    const seeds = (manifest.segments[0].takes ?? []).map((t) => t.seed);
    const plainUrl = await bundle({entryPoint: ENTRY, publicDir: project.publicDir});
    const inputProps = {
      ...testTimelineProps({durationInSeconds: 6, fps: 10}),
      mmaudio: {takes: {'0': 7}},
    };
    const composition = await selectComposition({
      serveUrl: plainUrl,
      id: 'test-timeline',
      inputProps,
      ...browser,
      logLevel: 'error',
    });
    await expect(
      renderMedia({
        serveUrl: plainUrl,
        composition,
        inputProps,
        codec: 'wav',
        outputLocation: path.join(project.dir, 'bad-pick.wav'),
        ...browser,
        logLevel: 'error',
      }),
    ).rejects.toThrow(new RegExp(`mmaudio.takes\\["0"\\] is 7.*seeds ${seeds.join(', ')}`));
  }, 300_000);
});
