import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {manifestSchema} from '../../src/react/manifest.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {
  locate,
  maxStep,
  readSegmentWav,
  rms,
  SAMPLE_RATE,
  segmentPlacements,
  tonePower,
} from './helpers/audio-analysis.ts';
import {
  decodeAudio,
  ENTRY,
  makeTempProject,
  projectDirArgs,
  ROOT,
  runCli,
  type TempProject,
  testTimelineProps,
} from './helpers/project.ts';

const KEY = 'test-key-stitch-0123456789abcdef';
const props = testTimelineProps({durationInSeconds: 40, fps: 10, ownAudio: true});
// The composition's own audio: a 0.5 s, 880 Hz beep every 10 s from 5 s on (remotion/test/TestTimeline.tsx).
const beeps: [number, number][] = [5, 15, 25, 35].map((t) => [t, t + 0.5]);

let sim: Simulator;
let project: TempProject;
const output = () => path.join(project.dir, 'out', 'stitched.mp4');
const manifestFile = () => path.join(project.publicDir, 'mmaudio/test-timeline/manifest.json');
const commonArgs = () => [
  '--props',
  JSON.stringify(props),
  '--max-segment-seconds',
  '15',
  '--prompt',
  'a bouncing ball, a metronome',
  ...projectDirArgs(project),
];
const env = () => ({
  QUBICO_API_KEY: KEY,
  QUBICO_BASE_URL: sim.url,
  REMOTION_MMAUDIO_STATE_DIR: project.stateDir,
});

beforeAll(async () => {
  sim = await startSimulator({apiKey: KEY, taskLatencyMs: 500});
  project = makeTempProject();
});

afterAll(async () => {
  await sim.close();
  project.cleanup();
});

describe('remotion-mmaudio render', () => {
  it('places every generated segment to the frame, with smooth seams, beside the composition’s own audio', async () => {
    const run = await runCli(['render', ENTRY, 'test-timeline', output(), ...commonArgs()], {
      cwd: project.dir,
      env: env(),
    }).done;
    expect(run.stderr).not.toContain(KEY);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\(4\/4\)/);
    expect(run.stdout).toMatch(/billed 4\d(\.\d)? s \(\$2\.\d\d\), 0 s from cache/);
    expect(existsSync(output())).toBe(true);

    const manifest = manifestSchema.parse(JSON.parse(readFileSync(manifestFile(), 'utf8')));
    expect(manifest.segments).toHaveLength(3);
    expect(manifest.crossfade).toBe('in-audio');
    const mix = (await decodeAudio(output())).channels[0];
    expect(mix.length / SAMPLE_RATE).toBeCloseTo(40, 1);

    // Each segment's signal sits where the plan put it: within one frame (in fact within a few samples).
    const placements = segmentPlacements(mix, manifest, project.publicDir, {avoid: beeps});
    console.log(
      `stitch placement: ${placements
        .map(
          (p) => `segment ${p.index + 1} ${p.offsetFrames.toFixed(3)} frame (r ${p.correlation.toFixed(3)})`,
        )
        .join(', ')}`,
    );
    for (const p of placements) {
      expect(Math.abs(p.offsetFrames), JSON.stringify(p)).toBeLessThanOrEqual(1);
      expect(p.correlation, JSON.stringify(p)).toBeGreaterThan(0.9);
    }

    // Seams: no sample step larger than the steps inside the generated signals themselves.
    const secondsToSample = (s: number) => Math.round(s * SAMPLE_RATE);
    const inBeep = (from: number, to: number) =>
      beeps.some(([a, b]) => from < secondsToSample(b + 0.05) && to > secondsToSample(a - 0.05));
    // Steepest step of each segment's own signal: in an overlap the two faded signals add up, so a seam
    // may step up to the sum of both, never more (a missing fade or a gap would jump by the amplitude).
    const steepest = manifest.segments.map((segment) => {
      const wav = readSegmentWav(project.publicDir, segment.src);
      return maxStep(wav, 0, wav.length);
    });
    for (let k = 0; k + 1 < manifest.segments.length; k++) {
      const seamFrom = secondsToSample(manifest.segments[k + 1].startFrame / manifest.fps - 0.1);
      const seamTo = secondsToSample(manifest.segments[k].endFrame / manifest.fps + 0.1);
      expect(inBeep(seamFrom, seamTo)).toBe(false);
      const seam = maxStep(mix, seamFrom, seamTo);
      const bound = steepest[k] + steepest[k + 1];
      console.log(`stitch seam ${k + 1}: largest step ${seam.toFixed(4)}, signals' own ${bound.toFixed(4)}`);
      // 20 % headroom for the AAC round trip of the final mp4.
      expect(seam, `seam ${k + 1}: ${seam} vs ${bound}`).toBeLessThanOrEqual(bound * 1.2);
    }

    // The composition's own audio is still there: 880 Hz where the beeps are, far above elsewhere.
    for (const [a] of beeps) {
      const during = tonePower(mix, secondsToSample(a + 0.05), secondsToSample(a + 0.45), 880);
      const after = tonePower(mix, secondsToSample(a + 2.05), secondsToSample(a + 2.45), 880);
      expect(during, `beep at ${a} s`).toBeGreaterThan(20 * after);
    }
    // And the generated audio is not drowned or doubled: its level in the mix matches the wavs.
    const s1 = manifest.segments[0];
    const wav1 = readSegmentWav(project.publicDir, s1.src);
    const [a, b] = [secondsToSample(1), secondsToSample(4)];
    expect(rms(mix, a, b) / rms(wav1, a, b)).toBeGreaterThan(0.9);
    expect(rms(mix, a, b) / rms(wav1, a, b)).toBeLessThan(1.1);
  }, 400_000);

  it('gives the same audio through `generate` + a plain `npx remotion render`', async () => {
    const requestsBefore = sim.requests.length;
    const generate = await runCli(['generate', ENTRY, 'test-timeline', ...commonArgs()], {
      cwd: project.dir,
      env: env(),
    }).done;
    expect(generate.code, generate.stderr).toBe(0);
    expect(generate.stdout, generate.stdout).toMatch(/billed 0 s \(\$0\.00\), 4\d(\.\d)? s from cache/);
    expect(sim.requests.length).toBe(requestsBefore);

    const plain = path.join(project.dir, 'out', 'plain.mp4');
    const remotionCli = path.join(ROOT, 'node_modules/@remotion/cli/remotion-cli.js');
    const rendered = spawnSync(
      process.execPath,
      [
        remotionCli,
        'render',
        ENTRY,
        'test-timeline',
        plain,
        `--props=${JSON.stringify(props)}`,
        `--public-dir=${project.publicDir}`,
        '--log=error',
      ],
      {cwd: ROOT, encoding: 'utf8', timeout: 300_000},
    );
    expect(rendered.status, rendered.stderr).toBe(0);
    const ours = (await decodeAudio(output())).channels[0];
    const theirs = (await decodeAudio(plain)).channels[0];
    expect(Math.abs(ours.length - theirs.length)).toBeLessThan(SAMPLE_RATE / 10);
    // Remotion's own mp4 keeps the AAC encoder's priming samples at the start (its track decodes ~43 ms
    // longer); ours trims them with an edit list. Align on the content, then compare sample by sample.
    const excerpt = ours.subarray(SAMPLE_RATE * 2, SAMPLE_RATE * 3);
    const {offset} = locate(theirs, excerpt, SAMPLE_RATE * 2, SAMPLE_RATE / 5);
    expect(Math.abs(offset)).toBeLessThanOrEqual(4096);
    let ab = 0;
    let aa = 0;
    let bb = 0;
    let dd = 0;
    let peak = 0;
    let maxDiff = 0;
    for (let i = Math.max(0, -offset); i < ours.length && i + offset < theirs.length; i++) {
      const a = ours[i];
      const b = theirs[i + offset];
      ab += a * b;
      aa += a * a;
      bb += b * b;
      dd += (a - b) * (a - b);
      peak = Math.max(peak, Math.abs(a));
      maxDiff = Math.max(maxDiff, Math.abs(a - b));
    }
    const correlation = ab / Math.sqrt(aa * bb);
    const relativeDifference = Math.sqrt(dd / aa);
    console.log(
      `generate + npx remotion render vs render: offset ${offset} samples, correlation ${correlation.toFixed(5)}, ` +
        `difference ${(-20 * Math.log10(relativeDifference)).toFixed(1)} dB below the signal, largest ${maxDiff.toFixed(4)} (peak ${peak.toFixed(3)})`,
    );
    expect(correlation).toBeGreaterThan(0.995);
    // Two AAC encodes of the same mix differ by codec noise only: at least 40 dB below the signal overall,
    // and nowhere by more than a fifth of its peak (a gap, a doubled layer or a shifted segment would differ
    // by the signal’s own amplitude). Measured: 0.015–0.06 against peaks of ~0.65, depending on the chirps.
    expect(relativeDifference).toBeLessThan(0.01);
    expect(maxDiff).toBeLessThan(peak / 5);
  }, 400_000);
});
