import {readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, it} from 'vitest';
import type {Manifest} from '../../src/react/manifest.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {
  type CliRun,
  descendantsOf,
  ENTRY,
  makeTempProject,
  projectDirArgs,
  ROOT,
  runCli,
  type TempProject,
  testTimelineProps,
} from '../integration/helpers/project.ts';
import {cpuSeconds, findSecrets, resultMatch} from './helpers/checks.ts';
import {type FaultRow, formatFaultTable, newRow, writeFaultTable} from './helpers/fault-table.ts';
import {inspectPublished, staleWavs} from './helpers/published.ts';

/**
 * Faults between processes, with the real CLI (`render`, real client defaults) against the simulator:
 * two runs of one project started at the same moment; the same project rendered against two services
 * (simulators on two ports); a flag and a prompt that must be refused before anything is sent. The
 * table is printed and written to test/artifacts/process-faults-table.md.
 */

const KEY = 'process-faults-key-7a02c5e91d';
const SECRET = 'process-faults-webhook-secret-33b8';
const ID = 'test-timeline';
/** 6 s at 2 fps in segments of at most 3 s (three, with the crossfade overlaps): a frame pass of 12 frames. */
const PROPS = testTimelineProps({durationInSeconds: 6, fps: 2});
const SEGMENT_ARGS = ['--max-segment-seconds', '3'];
const WINDOW = 'real 20/60 s';

const rows: FaultRow[] = [];
const sims: Simulator[] = [];
const projects: TempProject[] = [];
const t0 = Date.now();
const cpu0 = cpuSeconds();

afterAll(async () => {
  for (const sim of sims) await sim.close();
  if (rows.length > 0) {
    const table = formatFaultTable(rows, [
      `Composition: ${ID}, ${PROPS.durationInSeconds} s at ${PROPS.fps} fps, ${PROPS.width}×${PROPS.height}, segments of ≤ 3 s. CLI runs, real client defaults.`,
      'Tasks/segment: tasks the service(s) created per segment over all runs of the case.',
      `Suite: ${((Date.now() - t0) / 1000).toFixed(1)} s wall, ${(cpuSeconds() - cpu0).toFixed(1)} CPU s, ${os.cpus().length} cores, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} at end.`,
    ]);
    console.log(table);
    writeFaultTable(path.join(ROOT, 'test/artifacts/process-faults-table.md'), table);
  }
  for (const project of projects) project.cleanup();
});

const newSim = async () => {
  const sim = await startSimulator({apiKey: KEY, taskLatencyMs: 800});
  sims.push(sim);
  return sim;
};

const newProject = () => {
  const project = makeTempProject();
  projects.push(project);
  return project;
};

const renderArgs = (project: TempProject, output: string, extra: string[] = []) => [
  'render',
  ENTRY,
  ID,
  output,
  '--props',
  JSON.stringify(PROPS),
  '--prompt',
  'a door creaks, then footsteps on gravel',
  ...SEGMENT_ARGS,
  ...projectDirArgs(project),
  '--backend',
  'qubico',
  ...extra,
];

const envFor = (sim: Simulator, project: TempProject) => ({
  QUBICO_API_KEY: KEY,
  QUBICO_BASE_URL: sim.url,
  QUBICO_WEBHOOK_SECRET: SECRET,
  REMOTION_MMAUDIO_STATE_DIR: project.stateDir,
});

/** Tasks a simulator created per segment of `manifest` (by the segment's picture, i.e. its proxy's hash). */
const tasksPerSegmentOn = (sims: Simulator[], manifest: Manifest): number[] => {
  const all = sims.flatMap((s) => [...s.tasks.values()]);
  const videoOf = new Map(all.map((t) => [t.taskId, t.videoSha256]));
  return manifest.segments.map((segment) => {
    const video = videoOf.get(segment.taskId);
    return all.filter((t) => t.videoSha256 === video).length;
  });
};

const readManifest = (project: TempProject): Manifest | null =>
  inspectPublished(project.publicDir, ID).manifest;

/**
 * While `until` runs: what a reader of the published folder sees (every 50 ms), and the environment of
 * every process the CLIs started (browser, ffmpeg): none may carry a provider variable.
 */
const watch = (project: TempProject, pids: () => number[], until: Promise<unknown>) => {
  const seen = {
    samples: 0,
    problems: [] as string[],
    children: new Map<number, string>(),
    leaked: [] as string[],
  };
  let done = false;
  until.finally(() => (done = true));
  const loop = (async () => {
    while (!done) {
      seen.samples++;
      const state = inspectPublished(project.publicDir, ID);
      for (const p of state.problems) if (!seen.problems.includes(p)) seen.problems.push(p);
      for (const parent of pids()) {
        for (const child of descendantsOf(parent)) {
          if (seen.children.has(child)) continue;
          try {
            const name = readFileSync(`/proc/${child}/comm`, 'utf8').trim();
            const environ = readFileSync(`/proc/${child}/environ`, 'utf8');
            // The CLI's own node process (under a launcher shim) keeps its initial environment in /proc:
            // what matters is what it passes on.
            if (readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('remotion-mmaudio.js')) continue;
            seen.children.set(child, name);
            const leaked = environ
              .split('\0')
              .filter((v) => /^(QUBICO|PIAPI|FAL|REPLICATE)_/.test(v))
              .map((v) => `${name}: ${v.slice(0, v.indexOf('='))}`);
            seen.leaked.push(...leaked);
          } catch {
            // Exited meanwhile.
          }
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {seen, finished: loop};
};

const childSummary = (children: Map<number, string>) => {
  const counts = new Map<string, number>();
  for (const name of children.values()) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([n, c]) => `${n}×${c}`).join(', ');
};

const exitOf = (run: CliRun) => (run.code === null ? `signal ${run.signal}` : String(run.code));
const lastLine = (run: CliRun) =>
  `${run.stdout}\n${run.stderr}`
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .pop() ?? '';

describe('process faults: real CLI runs against the simulator', () => {
  it('two renders of one project started at the same moment: the second waits, nothing is paid twice, the folder stays consistent', async () => {
    const sim = await newSim();
    const project = newProject();
    const outputs = [path.join(project.dir, 'out', 'a.mp4'), path.join(project.dir, 'out', 'b.mp4')];
    const started = Date.now();
    const clis = outputs.map((output) =>
      runCli(renderArgs(project, output), {cwd: project.dir, env: envFor(sim, project), timeoutMs: 600_000}),
    );
    const all = Promise.all(clis.map((c) => c.done));
    const watcher = watch(project, () => clis.map((c) => c.pid ?? -1), all);
    const runs = await all;
    await watcher.finished;
    const wallMs = Date.now() - started;
    const manifest = readManifest(project);
    const final = inspectPublished(project.publicDir, ID);
    const perSegment = manifest ? tasksPerSegmentOn([sim], manifest) : [];
    const waited = runs.map((r) =>
      /Waiting for remotion-mmaudio render of "test-timeline" \(pid \d+, started [\d:]+\) to finish with /.test(
        r.stdout,
      ),
    );
    const leaks = findSecrets(
      [KEY, SECRET],
      Object.fromEntries(
        runs.flatMap((r, i) => [
          [`run ${i + 1} stdout`, r.stdout],
          [`run ${i + 1} stderr`, r.stderr],
        ]),
      ),
      [project.dir],
    );
    const {seen} = watcher;
    const rc = newRow({
      case: 'two `render`s of one project started at the same moment (CLI)',
      run: 'P1 ×2 at once',
      window: WINDOW,
    });
    rc.row.exit = runs.map(exitOf).join(' ∥ ');
    rc.row.submits = perSegment.join(' ');
    rc.row.maxRequestsInWindow = sim.maxRequestsInWindow(60_000);
    rc.row.maxTasksInFlight = sim.maxConcurrentTasksSeen;
    rc.row.published = `${seen.samples} reads during the runs: ${seen.problems.length === 0 ? 'always consistent' : 'INVALID'}; after: ${final.problems.length === 0 && manifest ? 'new' : 'INVALID'}`;
    rc.row.secrets =
      leaks.length === 0 && seen.leaked.length === 0
        ? 'none'
        : `LEAKED ${[...leaks, ...seen.leaked].join(', ')}`;
    rc.row.detail = `${waited.filter(Boolean).length} run waited ("${(runs.find((r) => /Waiting for/.test(r.stdout))?.stdout.match(/Waiting for[^\n]*/) ?? [''])[0].replace(project.dir, '<project>')}"); ${sim.tasks.size} tasks in all; children checked for QUBICO_*: ${childSummary(seen.children) || 'none seen'}`;
    rc.row.seconds = `${(wallMs / 1000).toFixed(1)}`;
    rc.check(
      runs.every((r) => r.code === 0),
      `exit codes ${rc.row.exit}: ${runs.map(lastLine).join(' | ')}`,
    );
    rc.check(
      manifest !== null && perSegment.length >= 2 && perSegment.every((n) => n === 1),
      `tasks per segment ${rc.row.submits}`,
    );
    rc.check(sim.tasks.size === perSegment.length, `${sim.tasks.size} tasks created`);
    rc.check(waited.filter(Boolean).length === 1, `waiting lines: ${waited.join(', ')}`);
    rc.check(seen.problems.length === 0, `a reader saw: ${seen.problems.join('; ')}`);
    rc.check(
      final.problems.length === 0 && final.hiddenTemps.length === 0 && staleWavs(final, []).length === 0,
      `folder after: ${JSON.stringify(final.problems)} temps ${final.hiddenTemps.length} unreferenced ${final.unreferencedWavs.length}`,
    );
    rc.check(leaks.length === 0, `secret in ${leaks.join(', ')}`);
    rc.check(
      seen.children.size > 0 && seen.leaked.length === 0,
      `children ${childSummary(seen.children)}; leaked ${seen.leaked.join(', ')}`,
    );
    rows.push(rc.row);
  }, 600_000);

  it('the same render against two services (simulators on two ports): the second generates, the first is still served from the cache', async () => {
    const first = await newSim();
    const second = await newSim();
    const project = newProject();
    const output = path.join(project.dir, 'out', 'two.mp4');
    const started = Date.now();
    const runs: CliRun[] = [];
    const manifests: (Manifest | null)[] = [];
    for (const sim of [first, second, first]) {
      runs.push(
        await runCli(renderArgs(project, output), {
          cwd: project.dir,
          env: envFor(sim, project),
          timeoutMs: 600_000,
        }).done,
      );
      manifests.push(readManifest(project));
    }
    const wallMs = Date.now() - started;
    const [m1, m2, m3] = manifests;
    const onSecond = m2
      ? m2.segments.map((s) => second.tasks.has(s.taskId) && !first.tasks.has(s.taskId))
      : [];
    const matches =
      m2?.segments.map((s) => {
        const task = second.tasks.get(s.taskId);
        return task ? resultMatch(project.publicDir, s, m2.fps, task) : 0;
      }) ?? [];
    const rc = newRow({
      case: 'the same render against two services (simulators on two ports), then the first again',
      run: 'P2 sim A → sim B → sim A',
      window: WINDOW,
    });
    rc.row.exit = runs.map(exitOf).join(' → ');
    rc.row.submits = `A ${first.tasks.size}, B ${second.tasks.size}`;
    rc.row.published = manifests.map((m) => (m ? `new (${m.backend})` : 'none')).join(' → ');
    rc.row.detail = `run 2's segments all tasks of B: ${onSecond.every(Boolean)}; its audio is B's result (r = ${matches.map((r) => r.toFixed(3)).join(' ')}); run 3 served from A's cache (${runs[2].stdout.match(/billed [^\n]*/)?.[0] ?? '?'}) with run 1's task ids: ${JSON.stringify(m3?.segments.map((s) => s.taskId)) === JSON.stringify(m1?.segments.map((s) => s.taskId))}`;
    rc.row.secrets =
      findSecrets(
        [KEY, SECRET],
        Object.fromEntries(runs.map((r, i) => [`run ${i + 1}`, r.stdout + r.stderr])),
        [project.dir],
      ).join(', ') || 'none';
    rc.row.seconds = (wallMs / 1000).toFixed(1);
    rc.check(
      runs.every((r) => r.code === 0),
      `exit codes ${rc.row.exit}: ${runs.map(lastLine).join(' | ')}`,
    );
    const n = m1?.segments.length ?? -1;
    rc.check(
      n >= 2 && first.tasks.size === n && second.tasks.size === n,
      `tasks ${rc.row.submits} for ${n} segments`,
    );
    rc.check(
      onSecond.length === n && onSecond.every(Boolean),
      `run 2's segments on B: ${JSON.stringify(onSecond)}`,
    );
    rc.check(matches.length === n && matches.every((r) => r > 0.9), `run 2's audio r = ${matches.join(' ')}`);
    rc.check(
      manifests.every((m) => m?.backend === 'qubico'),
      `backends ${rc.row.published}`,
    );
    rc.check(
      /billed 0 s \(\$0\.00\)/.test(runs[2].stdout),
      `run 3: ${runs[2].stdout.match(/billed [^\n]*/)?.[0]}`,
    );
    rc.check(rc.row.secrets === 'none', `secret in ${rc.row.secrets}`);
    rows.push(rc.row);
  }, 600_000);

  it('refused before anything is sent: --api-key on render, and a scene prompt of only spaces', async () => {
    const sim = await newSim();
    const project = newProject();
    const output = path.join(project.dir, 'out', 'refused.mp4');
    const apiKeyRun = await runCli([...renderArgs(project, output), '--api-key', KEY], {
      cwd: project.dir,
      env: envFor(sim, project),
    }).done;
    const props = {
      ...PROPS,
      mmaudio: {
        scenes: [
          {from: 0, prompt: 'wind'},
          {from: 6, prompt: '   \t '},
        ],
      },
    };
    const args = renderArgs(project, output).filter(
      (a, i, all) => a !== '--prompt' && all[i - 1] !== '--prompt',
    );
    args[args.indexOf('--props') + 1] = JSON.stringify(props);
    const promptRun = await runCli(args, {cwd: project.dir, env: envFor(sim, project)}).done;
    for (const [label, run, expected] of [
      [
        '`render --api-key …`',
        apiKeyRun,
        /--api-key is only for simulate\. Set QUBICO_API_KEY in the environment instead/,
      ],
      [
        'a scene prompt of only whitespace (from the second segment on)',
        promptRun,
        /No prompt for segments? 2\b.*\(empty or only whitespace\).*Nothing was sent\./,
      ],
    ] as const) {
      const rc = newRow({case: `${label}: exit 2, nothing sent`, run: 'P3', window: WINDOW});
      rc.row.exit = exitOf(run);
      rc.row.submits = '0';
      rc.row.published = inspectPublished(project.publicDir, ID).manifest ? 'INVALID' : 'none';
      rc.row.secrets = run.stdout.includes(KEY) || run.stderr.includes(KEY) ? 'LEAKED' : 'none';
      rc.row.detail = lastLine(run);
      rc.check(run.code === 2, `exit ${rc.row.exit}`);
      rc.check(expected.test(lastLine(run)), `last line: ${lastLine(run)}`);
      rc.check(rc.row.secrets === 'none', 'the key was printed');
      rows.push(rc.row);
    }
    const requests = sim.requests.length;
    rows[rows.length - 1].detail += `; requests to the service over both: ${requests}`;
    newRow({case: 'refusals', run: 'P3', window: WINDOW}).check(requests === 0, `${requests} requests sent`);
  }, 300_000);
});
