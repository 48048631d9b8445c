import {createHash} from 'node:crypto';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DEMO_FPS, demoEvents, demoStillRanges} from '../../remotion/demo/timeline.ts';
import {manifestSchema} from '../../src/react/manifest.ts';
import {rms, SAMPLE_RATE} from '../integration/helpers/audio-analysis.ts';
import {
  decodeAudio,
  ENTRY,
  makeTempProject,
  projectDirArgs,
  runCli,
  type TempProject,
  testTimelineProps,
} from '../integration/helpers/project.ts';

// What a newcomer runs: no API key, so the offline backend, which must say so.
const env = {QUBICO_API_KEY: '', QUBICO_BASE_URL: 'http://127.0.0.1:9'};
let project: TempProject;

beforeAll(() => {
  project = makeTempProject();
});
afterAll(() => project.cleanup());

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

describe('the main job: the demo rendered with generated audio and no API key', () => {
  it('renders an mp4 whose sound is clearly louder at the picture’s events than in its still passages', async () => {
    const output = path.join(project.dir, 'out', 'mmaudio-demo.mp4');
    // The same command as `npm run demo`, pointed at a throwaway copy of public/.
    const run = await runCli(['render', ENTRY, 'mmaudio-demo', output, ...projectDirArgs(project)], {
      cwd: project.dir,
      env,
    }).done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/No QUBICO_API_KEY set: using the offline backend/);
    expect(run.stdout).toMatch(/offline backend: nothing billed/);

    const manifest = manifestSchema.parse(
      JSON.parse(readFileSync(path.join(project.publicDir, 'mmaudio/mmaudio-demo/manifest.json'), 'utf8')),
    );
    expect(manifest.backend).toBe('offline');
    expect(manifest.segments.every((s) => s.taskId.startsWith('offline-'))).toBe(true);

    const mix = (await decodeAudio(output)).channels[0];
    expect(mix.length / SAMPLE_RATE).toBeCloseTo(120, 1);
    const at = (frame: number) => Math.round((frame / DEMO_FPS) * SAMPLE_RATE);
    // Around each event: from 0.1 s before to 0.4 s after.
    const eventLevels = demoEvents.map((e) =>
      rms(mix, at(e.frame) - SAMPLE_RATE / 10, at(e.frame) + (2 * SAMPLE_RATE) / 5),
    );
    // Still passages, 0.3 s in from each end, in 0.5 s windows.
    const stillLevels: number[] = [];
    for (const [from, to] of demoStillRanges) {
      for (
        let s = at(from) + 0.3 * SAMPLE_RATE;
        s + SAMPLE_RATE / 2 <= at(to) - 0.3 * SAMPLE_RATE;
        s += SAMPLE_RATE / 2
      ) {
        stillLevels.push(rms(mix, s, s + SAMPLE_RATE / 2));
      }
    }
    const ratio = median(eventLevels) / median(stillLevels);
    console.log(
      `demo loudness: events median RMS ${median(eventLevels).toFixed(4)} (${eventLevels.length} events), ` +
        `still median RMS ${median(stillLevels).toFixed(4)} (${stillLevels.length} windows), ratio ${ratio.toFixed(2)}; ` +
        `quietest event ${Math.min(...eventLevels).toFixed(4)}, loudest still ${Math.max(...stillLevels).toFixed(4)}`,
    );
    // Clearly louder: at least +7 dB on the median, with the demo's own music playing throughout.
    expect(ratio).toBeGreaterThan(2.2);
    // Most events stand out from every still passage, not just on average.
    const loudestStill = Math.max(...stillLevels);
    expect(eventLevels.filter((l) => l > loudestStill).length / eventLevels.length).toBeGreaterThan(0.85);
  }, 900_000);
});

describe('determinism', () => {
  it('gives byte-identical wavs from two independent runs, and a third run generates nothing', async () => {
    const props = JSON.stringify(testTimelineProps({durationInSeconds: 24, fps: 5}));
    const wavsOf = (publicDir: string) => {
      const dir = path.join(publicDir, 'mmaudio/test-timeline');
      return Object.fromEntries(
        readdirSync(dir)
          .filter((f) => f.endsWith('.wav'))
          .map((f) => [
            f,
            createHash('sha256')
              .update(readFileSync(path.join(dir, f)))
              .digest('hex'),
          ]),
      );
    };
    const generate = (publicDir: string, cacheDir: string) =>
      runCli(
        [
          'generate',
          ENTRY,
          'test-timeline',
          '--props',
          props,
          '--max-segment-seconds',
          '10',
          '--seed',
          '7',
          ...projectDirArgs({publicDir, cacheDir}),
        ],
        {cwd: project.dir, env},
      ).done;
    const second = makeTempProject();
    try {
      const a = await generate(project.publicDir, path.join(project.dir, 'cache-a'));
      const b = await generate(second.publicDir, second.cacheDir);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      const wavs = wavsOf(project.publicDir);
      expect(Object.keys(wavs)).toHaveLength(3);
      expect(wavsOf(second.publicDir)).toEqual(wavs);
      const c = await generate(project.publicDir, path.join(project.dir, 'cache-a'));
      expect(c.code, c.stderr).toBe(0);
      expect(c.stdout).toMatch(/nothing billed, 2\d(\.\d)? s from cache/);
      expect(wavsOf(project.publicDir)).toEqual(wavs);
    } finally {
      second.cleanup();
    }
  }, 600_000);
});
