import {existsSync, readFileSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {renderWithAudio} from '../../src/pipeline/render/render-with-audio.ts';
import {manifestSchema} from '../../src/react/manifest.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {SAMPLE_RATE, segmentPlacements} from '../integration/helpers/audio-analysis.ts';
import {
  bundleTestProject,
  decodeAudio,
  makeTempProject,
  type TempProject,
  testTimelineProps,
} from '../integration/helpers/project.ts';

/**
 * One full render per host: the test composition (6 s at 5 fps, 160×90) rendered once, its segments sent to
 * the simulator speaking PiAPI, fal or Replicate, the results (a wav, an mp4 with AAC) decoded and
 * normalised, and the generated layers found in the final mix where the plan put them, to the frame.
 */

let serveUrl: string;
let uploads: Server;
let uploadBase: string;
const hosted = new Map<string, Buffer>();

beforeAll(async () => {
  serveUrl = await bundleTestProject();
  // What a user's `upload` hook does (fal takes URLs only): host each proxy where the service fetches it.
  uploads = createServer((req, res) => {
    const body = hosted.get(req.url ?? '');
    res.writeHead(body ? 200 : 404, {'content-type': 'video/mp4', 'content-length': body?.length ?? 0});
    res.end(body);
  });
  await new Promise<void>((resolve) => uploads.listen(0, '127.0.0.1', resolve));
  uploadBase = `http://127.0.0.1:${(uploads.address() as AddressInfo).port}`;
}, 180_000);
afterAll(async () => {
  await new Promise<void>((resolve) => uploads.close(() => resolve()));
});

const rows: Record<string, unknown>[] = [];
afterAll(() => console.table(rows));

describe.each(['piapi', 'fal', 'replicate'] as const)('render with --provider %s', (provider) => {
  const KEY = `render-key-${provider}-0123456789`;
  let sim: Simulator;
  let project: TempProject;
  beforeAll(async () => {
    sim = await startSimulator({provider, apiKey: KEY, taskLatencyMs: 300});
    project = makeTempProject();
  });
  afterAll(async () => {
    await sim.close();
    project.cleanup();
  });

  it('generates every segment at the host, and the layers sit in the mix to the frame', async () => {
    const output = path.join(project.dir, 'out', `${provider}.mp4`);
    const result = await renderWithAudio({
      serveUrl,
      compositionId: 'test-timeline',
      inputProps: testTimelineProps({durationInSeconds: 6, fps: 5}),
      provider,
      apiKey: KEY,
      baseUrl: sim.url,
      prompt: 'a bouncing ball, a metronome',
      maxSegmentSeconds: 3,
      publicDir: project.publicDir,
      cacheDir: project.cacheDir,
      client: {pollIntervalMs: {min: 100, max: 500}},
      upload:
        provider === 'fal'
          ? async (file, info) => {
              const name = `/proxy-${provider}-${info.segmentIndex}.mp4`;
              hosted.set(name, await readFile(file));
              return `${uploadBase}${name}`;
            }
          : null,
      outputLocation: output,
      browserExecutable: '/usr/bin/chromium',
    });
    expect(existsSync(output)).toBe(true);
    const manifest = manifestSchema.parse(
      JSON.parse(readFileSync(path.join(project.publicDir, 'mmaudio/test-timeline/manifest.json'), 'utf8')),
    );
    const tasks = [...sim.tasks.values()];
    const mix = (await decodeAudio(output)).channels[0];
    const placements = segmentPlacements(mix, manifest, project.publicDir);
    rows.push({
      provider,
      segments: manifest.segments.length,
      submits: sim.requests.filter((r) => r.kind === 'submit').length,
      billedSeconds: result.billedSeconds,
      costUsd: result.costUsd,
      durationsSent: tasks.map((t) => t.requestedDurationSeconds ?? '-').join(' '),
      worstOffsetFrames: Math.max(...placements.map((p) => Math.abs(p.offsetFrames))).toFixed(3),
      minCorrelation: Math.min(...placements.map((p) => p.correlation)).toFixed(3),
    });
    expect(manifest.backend).toBe(provider);
    expect(manifest.segments.length).toBeGreaterThanOrEqual(2);
    expect(tasks).toHaveLength(manifest.segments.length);
    // The final mp4’s AAC adds its priming: within a tenth of a second.
    expect(Math.abs(mix.length / SAMPLE_RATE - 6)).toBeLessThan(0.1);
    if (provider !== 'piapi') {
      // The hosts that take a duration got each segment's own length.
      const lengths = manifest.segments.map((s) => s.durationInSeconds).sort();
      expect(tasks.map((t) => t.requestedDurationSeconds).sort()).toEqual(lengths);
    }
    for (const p of placements) {
      expect(Math.abs(p.offsetFrames), JSON.stringify(p)).toBeLessThanOrEqual(1);
      expect(p.correlation, JSON.stringify(p)).toBeGreaterThan(0.9);
    }
  }, 240_000);
});
