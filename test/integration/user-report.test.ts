import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {probeVideoStream} from '../../src/media/probe-video-stream.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {ENTRY, makeTempProject, projectDirArgs, runCli, type TempProject} from './helpers/project.ts';

/**
 * A user's report, as they ran it: the `matrix-case` composition's defaults are their project — 50 s at
 * 24 fps, 320×180, two short sounds of its own played with <Html5Audio> in <Sequence>s, <GeneratedAudio />
 * — rendered with `--max-segment-seconds 20`. It used to render every frame, pay for every segment, then
 * die in the direct mix (a chunk wav 16 samples short of what it assumed). Here it is killed mid-run as a
 * power cut would, and run again: the rerun resumes by GET, renders, and pays for nothing twice.
 */
const KEY = 'test-key-user-report-0123456789';
let sim: Simulator;
let project: TempProject;

beforeAll(async () => {
  sim = await startSimulator({apiKey: KEY, taskLatencyMs: 3000});
  project = makeTempProject();
});
afterAll(async () => {
  await sim.close();
  project.cleanup();
});

const submits = () => sim.requests.filter((r) => r.kind === 'submit' && r.status === 202);
const journalStates = () => {
  const dir = path.join(project.cacheDir, 'journal');
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => (JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as {state: string}).state);
  } catch {
    return [];
  }
};

describe("a user's 24 fps composition with its own <Html5Audio> sounds", () => {
  it('renders after a SIGKILL mid-run, resuming its submitted task, and bills each segment once', async () => {
    const output = path.join(project.dir, 'out', 'matrix-case.mp4');
    const args = [
      'render',
      ENTRY,
      'matrix-case',
      output,
      '--max-segment-seconds',
      '20',
      '--prompt',
      'bouncing ball, soft thuds',
      '--backend',
      'qubico',
      ...projectDirArgs(project),
    ];
    const env = {QUBICO_API_KEY: KEY, QUBICO_BASE_URL: sim.url, REMOTION_MMAUDIO_STATE_DIR: project.stateDir};
    const first = runCli(args, {cwd: project.dir, env});
    // Killed once the first segment's task id is safe in the journal and no submit is on the wire.
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline) {
      const onWire = sim.requests.some((r) => r.kind === 'submit' && r.status === 0);
      if (submits().length >= 1 && journalStates().includes('submitted') && !onWire) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill();
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const submittedBeforeKill = submits().length;
    expect(submittedBeforeKill).toBeGreaterThanOrEqual(1);

    const second = await runCli(args, {cwd: project.dir, env}).done;
    console.log(
      `user report: killed after ${submittedBeforeKill} submit(s); rerun exit ${second.code}, ` +
        `${submits().length} submits in total for 3 segments\n${second.stdout.split('\n').slice(-3).join('\n')}`,
    );
    expect(second.code, second.stderr).toBe(0);
    // Clean output: no stack trace, no browser console noise, no line printed twice.
    const lines = (second.stdout + second.stderr).split('\n').filter((l) => l.trim() && !l.includes('━'));
    expect(lines.filter((l) => /^\s+at /.test(l))).toEqual([]);
    expect(lines.filter((l) => /Failed to load resource|favicon/.test(l))).toEqual([]);
    expect(lines.filter((l, i) => lines.indexOf(l) !== i)).toEqual([]);
    expect(second.stdout).toMatch(/resuming task/);
    expect(submits()).toHaveLength(3);
    const video = await probeVideoStream(output);
    expect(video.frames).toBe(1200);
    expect(Math.abs(video.durationInSeconds - 50)).toBeLessThan(0.5 / 24);
  }, 600_000);
});
