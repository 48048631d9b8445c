import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {UsageError} from '../../src/errors.ts';
import {AudioKeptError} from '../../src/pipeline/render/audio-kept-error.ts';
import {renderWithAudio} from '../../src/pipeline/render/render-with-audio.ts';
import {type Manifest, manifestPath} from '../../src/react/manifest.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {bundleTestProject, makeTempProject, type TempProject, testTimelineProps} from './helpers/project.ts';

const KEY = 'test-key-audio-kept-0123456789';
let serveUrl: string;
let sim: Simulator;
let project: TempProject;

beforeAll(async () => {
  serveUrl = await bundleTestProject();
  sim = await startSimulator({apiKey: KEY, taskLatencyMs: 300});
  project = makeTempProject();
});
afterAll(async () => {
  await sim.close();
  project.cleanup();
});

const submits = () => sim.requests.filter((r) => r.kind === 'submit' && r.status === 202).length;

const options = (outputLocation: string, onStage?: (stage: string) => void) => ({
  serveUrl,
  compositionId: 'test-timeline',
  inputProps: testTimelineProps({durationInSeconds: 6, fps: 5, ownAudio: true}),
  backend: 'qubico' as const,
  apiKey: KEY,
  baseUrl: sim.url,
  prompt: 'soft rain on a tin roof',
  maxSegmentSeconds: 3,
  publicDir: project.publicDir,
  cacheDir: project.cacheDir,
  client: {dailyQuota: {directory: project.stateDir}, pollIntervalMs: {min: 100, max: 500}},
  outputLocation,
  onProgress: (p: {stage: string}) => onStage?.(p.stage),
});

describe('paid audio is never lost to a failure after generation', () => {
  it('refuses an output it cannot write before rendering or sending anything', async () => {
    const blocker = path.join(project.dir, 'not-a-folder');
    writeFileSync(blocker, 'a file where the output folder should be');
    const before = sim.requests.length;
    await expect(renderWithAudio(options(path.join(blocker, 'video.mp4')))).rejects.toSatisfy(
      (err: unknown) =>
        err instanceof UsageError &&
        /Cannot write the output .*Nothing was rendered or sent/.test(err.message),
    );
    expect(sim.requests.length).toBe(before);
  }, 60_000);

  it('keeps the published manifest and wavs when the mux fails, says so, and a rerun bills nothing', async () => {
    const outDir = path.join(project.dir, 'out');
    const output = path.join(outDir, 'video.mp4');
    // Once generation is over, the output folder is replaced by a file: the mux cannot write there.
    let sabotaged = false;
    const failed = await renderWithAudio(
      options(output, (stage) => {
        if (stage === 'muxing' && !sabotaged) {
          sabotaged = true;
          rmSync(outDir, {recursive: true, force: true});
          writeFileSync(outDir, 'in the way');
        }
      }),
    ).then(
      () => null,
      (err: unknown) => err,
    );
    expect(sabotaged).toBe(true);
    expect(failed).toBeInstanceOf(AudioKeptError);
    const message = (failed as Error).message;
    console.log(`after a failed mux: ${message}`);
    const segments = submits();
    expect(segments).toBeGreaterThanOrEqual(2);
    expect(message).toContain(
      `The generated audio is kept: ${path.join(project.publicDir, manifestPath('test-timeline'))} and its ${segments} wav(s)`,
    );
    expect(message).toMatch(/running this command again renders the video without billing them again/);
    // Published, whole, and pointing at files that exist.
    const manifest = JSON.parse(
      readFileSync(path.join(project.publicDir, manifestPath('test-timeline')), 'utf8'),
    ) as Manifest;
    expect(manifest.segments).toHaveLength(segments);
    for (const s of manifest.segments) expect(existsSync(path.join(project.publicDir, s.src))).toBe(true);
    expect(existsSync(output)).toBe(false);

    // The rerun: the same command, the output writable again.
    rmSync(outDir, {force: true});
    mkdirSync(outDir);
    const again = await renderWithAudio(options(output));
    console.log(
      `rerun: billed ${again.billedSeconds} s, ${again.cachedSeconds} s from cache, submits in total ${submits()}`,
    );
    expect(again.billedSeconds).toBe(0);
    expect(again.segments.every((s) => s.cached)).toBe(true);
    expect(submits()).toBe(segments);
    expect(existsSync(output)).toBe(true);
  }, 300_000);
});
