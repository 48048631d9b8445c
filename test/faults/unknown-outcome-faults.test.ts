import {existsSync, mkdirSync, readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {resultLimitsFor} from '../../src/api/result-limits.ts';
import type {Manifest} from '../../src/react/manifest.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {
  type CliRun,
  ENTRY,
  makeTempProject,
  projectDirArgs,
  runCli,
  type TempProject,
  testTimelineProps,
} from '../integration/helpers/project.ts';
import {findSecrets} from './helpers/checks.ts';
import {journalStates, waitFor} from './helpers/fault-env.ts';
import {writeFaultTable} from './helpers/fault-table.ts';
import {publishedFolder} from './helpers/published.ts';

/**
 * Money and disk faults with the real CLI (`generate`, child processes, real client defaults) against
 * the simulator: a submit whose answer is lost (504 after the task was created), Ctrl-C while the task
 * id is being read, and results no segment can have (200 MB, a header claiming 1 Hz). Each case checks
 * exit codes, tasks per segment (never paid twice without being asked), the journal, and what landed on
 * disk; the table is printed and written to test/artifacts/unknown-outcome-faults-table.md.
 */

const KEY = 'unknown-outcome-suite-key-7c2e91a4';
const ID = 'test-timeline';
/** Two segments of 1.5 s at 2 fps (with the 0.5 s overlap: 3 s of composition). */
const TWO_SEGMENTS = testTimelineProps({durationInSeconds: 2.5, fps: 2});
/** One segment. */
const ONE_SEGMENT = testTimelineProps({durationInSeconds: 1.5, fps: 2});

type Row = {case: string; exits: string; submits: string; result: string; ok: boolean};
const rows: Row[] = [];
const projects: TempProject[] = [];
const sims: Simulator[] = [];

afterAll(async () => {
  const header = '| Case | Exit codes | Submits per segment | Result |\n| --- | --- | --- | --- |';
  const table = `${header}\n${rows
    .map(
      (r) =>
        `| ${[r.case, r.exits, r.submits, `${r.ok ? 'ok' : 'FAILED'}: ${r.result}`].map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`,
    )
    .join('\n')}\n`;
  console.log(`\n${table}`);
  writeFaultTable(
    path.join(import.meta.dirname, '../artifacts/unknown-outcome-faults-table.md'),
    `# Fault suite: unknown outcomes and caps\n\n${table}`,
  );
  for (const sim of sims) await sim.close();
  for (const p of projects) p.cleanup();
});

const newCase = async () => {
  const sim = await startSimulator({apiKey: KEY, taskLatencyMs: 500});
  sims.push(sim);
  const project = makeTempProject();
  projects.push(project);
  const tmp = path.join(project.dir, 'tmp');
  mkdirSync(tmp, {recursive: true});
  return {sim, project, tmp};
};

type Env = Awaited<ReturnType<typeof newCase>>;

const cli = (env: Env, props: object, extra: string[] = []) =>
  runCli(
    [
      'generate',
      ENTRY,
      ID,
      '--props',
      JSON.stringify(props),
      '--prompt',
      'footsteps on gravel',
      '--max-segment-seconds',
      '2',
      ...projectDirArgs(env.project),
      '--backend',
      'qubico',
      '--log',
      'verbose',
      ...extra,
    ],
    {
      cwd: env.project.dir,
      env: {
        QUBICO_API_KEY: KEY,
        QUBICO_BASE_URL: env.sim.url,
        REMOTION_MMAUDIO_STATE_DIR: env.project.stateDir,
        TMPDIR: env.tmp,
      },
      timeoutMs: 300_000,
    },
  );

const submitsOf = (sim: Simulator) => sim.requests.filter((r) => r.kind === 'submit').length;

/** Tasks per segment: tasks grouped by the proxy they were given (one proxy per segment), in order. */
const tasksPerProxy = (sim: Simulator): number[] => {
  const counts = new Map<string, number>();
  for (const t of [...sim.tasks.values()].sort((a, b) => a.submitSeq - b.submitSeq)) {
    counts.set(t.videoSha256, (counts.get(t.videoSha256) ?? 0) + 1);
  }
  return [...counts.values()];
};

const lastLine = (run: CliRun) =>
  `${run.stdout}\n${run.stderr}`
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .at(-1) ?? '';

const readManifest = (env: Env): Manifest | null => {
  const file = path.join(publishedFolder(env.project.publicDir, ID), 'manifest.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Manifest) : null;
};

const check = (row: Row, ok: boolean, what: string) => {
  if (!ok) {
    row.ok = false;
    row.result += ` [${what}]`;
  }
  expect.soft(ok, `${row.case}: ${what}`).toBe(true);
};

describe('unknown outcomes and caps, real CLI processes', () => {
  it('a 504 after the task was created, the same command again, then --resubmit-unknown', async () => {
    const env = await newCase();
    env.sim.faults.failAfterCreateNext(1, 504);
    const runs: CliRun[] = [];
    const submits: number[] = [];
    for (const extra of [[], [], ['--resubmit-unknown']]) {
      const before = submitsOf(env.sim);
      runs.push(await cli(env, TWO_SEGMENTS, extra).done);
      submits.push(submitsOf(env.sim) - before);
      if (runs.length < 3) expect(journalStates(env.project.cacheDir)).toContain('unknown');
    }
    const manifest = readManifest(env);
    const perSegment = tasksPerProxy(env.sim);
    const row: Row = {
      case: '504 after the task was created (segment 1); same command; then --resubmit-unknown',
      exits: runs.map((r) => r.code).join(' → '),
      submits: `POSTs per run ${submits.join(' / ')}; tasks per segment ${perSegment.join(' ')} (segment 1: the lost task + the one asked for)`,
      result: `run 1: "${lastLine(runs[0]).slice(0, 200)}"; run 2 rendered no frame: ${!/proxy/.test(runs[1].stdout + runs[1].stderr)}; final manifest ${manifest?.segments.length ?? 0} segments`,
      ok: true,
    };
    rows.push(row);
    const message =
      /The outcome of an earlier submit is unknown for segment 1 \(submitted \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\).*--resubmit-unknown/;
    check(
      row,
      runs[0].code === 1 && message.test(lastLine(runs[0])),
      `run 1: ${runs[0].code} ${lastLine(runs[0])}`,
    );
    check(
      row,
      runs[1].code === 1 && message.test(lastLine(runs[1])),
      `run 2: ${runs[1].code} ${lastLine(runs[1])}`,
    );
    check(row, lastLine(runs[0]) === lastLine(runs[1]), 'runs 1 and 2 end with different lines');
    check(row, runs[2].code === 0, `run 3 exit ${runs[2].code}: ${lastLine(runs[2])}`);
    check(row, submits[0] === 2 && submits[1] === 0 && submits[2] === 1, `submits ${submits.join('/')}`);
    // The check came before the frame pass: run 2 built no proxy.
    check(row, !/proxy/.test(runs[1].stdout + runs[1].stderr), 'run 2 rendered frames before stopping');
    check(row, perSegment.join(' ') === '2 1', `tasks per segment ${perSegment.join(' ')}`);
    check(row, manifest?.segments.length === 2, 'no complete manifest after run 3');
    check(row, journalStates(env.project.cacheDir).length === 0, 'the journal is not empty after run 3');
    const leaks = findSecrets(
      [KEY],
      Object.fromEntries(runs.map((r, n) => [`run ${n + 1}`, `${r.stdout}${r.stderr}`])),
      [env.project.cacheDir, env.project.publicDir],
    );
    check(row, leaks.length === 0, `secret printed: ${leaks.join(', ')}`);
  }, 600_000);

  it('Ctrl-C (SIGINT) while the 202 body with the task id is being read, then the same command', async () => {
    const env = await newCase();
    env.sim.faults.stallSubmitAnswerNext(1, 2500);
    const first = cli(env, ONE_SEGMENT);
    await waitFor(() => env.sim.requests.some((r) => r.fault === 'stallAnswer'), 'the held submit answer', {
      until: first.done,
    });
    // The 202 headers are out; let the CLI parse them, then Ctrl-C.
    await new Promise((r) => setTimeout(r, 300));
    const heldFor = Date.now() - (env.sim.requests.find((r) => r.fault === 'stallAnswer')?.at ?? Date.now());
    process.kill(first.pid!, 'SIGINT');
    const run1 = await first.done;
    const journal = readdirSync(path.join(env.project.cacheDir, 'journal'))
      .filter((n) => n.endsWith('.json'))
      .map(
        (n) =>
          JSON.parse(readFileSync(path.join(env.project.cacheDir, 'journal', n), 'utf8')) as {
            state: string;
            taskId: string | null;
          },
      );
    const [task] = [...env.sim.tasks.values()];
    const before = submitsOf(env.sim);
    const run2 = await cli(env, ONE_SEGMENT).done;
    const resumedPolls = env.sim.requests.filter((r) => r.kind === 'poll' && r.taskId === task?.taskId);
    const row: Row = {
      case: 'SIGINT while the 202 answer (task id) is held by the service; same command again',
      exits: `${run1.code ?? run1.signal} → ${run2.code}`,
      submits: `POSTs per run 1 / ${submitsOf(env.sim) - before}; tasks per segment ${tasksPerProxy(env.sim).join(' ')}`,
      result: `journal after Ctrl-C: ${journal.map((j) => `${j.state} ${j.taskId}`).join(', ')}; SIGINT ${heldFor} ms into the held 2.5 s answer; run 2 resumed by GET (${resumedPolls.length} poll(s) of that task)`,
      ok: true,
    };
    rows.push(row);
    check(row, run1.code === 130, `run 1 exit ${run1.code}`);
    check(
      row,
      journal.length === 1 && journal[0].state === 'submitted' && journal[0].taskId === task?.taskId,
      'the task id was not kept',
    );
    check(row, submitsOf(env.sim) - before === 0, 'run 2 submitted again');
    check(row, run2.code === 0 && /resuming task/.test(run2.stdout + run2.stderr), `run 2 exit ${run2.code}`);
    check(row, resumedPolls.length >= 1, 'run 2 did not GET the kept task');
    check(
      row,
      readManifest(env)?.segments[0]?.taskId === task?.taskId,
      'the manifest does not carry the kept task',
    );
  }, 600_000);

  it('Ctrl-C (SIGINT) while the POST is on the wire (no answer yet), then the same command', async () => {
    const env = await newCase();
    // The service holds the request 3 s before creating the task: the client cannot know whether it will.
    env.sim.faults.delayNext(1, 3000, {kind: 'submit'});
    const first = cli(env, ONE_SEGMENT);
    await waitFor(() => env.sim.requests.some((r) => r.kind === 'submit'), 'the submit', {until: first.done});
    await new Promise((r) => setTimeout(r, 300));
    process.kill(first.pid!, 'SIGINT');
    const run1 = await first.done;
    const statesAfterCtrlC = journalStates(env.project.cacheDir);
    const before = submitsOf(env.sim);
    const run2 = await cli(env, ONE_SEGMENT).done;
    const row: Row = {
      case: 'SIGINT while the POST is on the wire (held 3 s by the service before any answer); same command',
      exits: `${run1.code} → ${run2.code}`,
      submits: `POSTs per run 1 / ${submitsOf(env.sim) - before}; tasks created ${env.sim.tasks.size} (the service may or may not have made one: unknowable here)`,
      result: `journal after Ctrl-C: ${statesAfterCtrlC.join(', ')}; run 2: "${lastLine(run2).slice(0, 120)}"`,
      ok: true,
    };
    rows.push(row);
    check(row, run1.code === 130, `run 1 exit ${run1.code}`);
    check(row, statesAfterCtrlC.join() === 'unknown', `journal ${statesAfterCtrlC.join()}`);
    check(
      row,
      run2.code === 1 && /unknown for segment 1 \(submitted/.test(lastLine(run2)),
      `run 2: ${lastLine(run2)}`,
    );
    check(row, submitsOf(env.sim) - before === 0, 'run 2 submitted again');
  }, 600_000);

  it('a 200 MB result and a wav header claiming 1 Hz: refused, nothing large written', async () => {
    const env = await newCase();
    // Every task's result claims 1 Hz; the first download is a 200 MB stream instead.
    env.sim.faults.resultFormat = {sampleRate: 1};
    env.sim.faults.oversizeResultNext(1, {bytes: 200 * 1024 * 1024});
    // Where the run writes audio: its work directory (results, normalised wavs; not Remotion's bundle),
    // the cache and the published folder.
    const watched = () => [
      ...readdirSync(env.tmp)
        .filter((n) => n.startsWith('remotion-mmaudio-'))
        .map((n) => path.join(env.tmp, n)),
      env.project.cacheDir,
      publishedFolder(env.project.publicDir, ID),
    ];
    let largest = {file: '', bytes: 0};
    const scan = () => {
      const walk = (d: string) => {
        let names: string[];
        try {
          names = readdirSync(d);
        } catch {
          return;
        }
        for (const name of names) {
          const p = path.join(d, name);
          try {
            const st = statSync(p);
            if (st.isDirectory()) walk(p);
            else if (st.size > largest.bytes && !p.includes(`${path.sep}chunks${path.sep}`)) {
              largest = {file: path.relative(env.project.dir, p), bytes: st.size};
            }
          } catch {
            // Gone meanwhile (temp files are renamed or removed).
          }
        }
      };
      for (const d of watched()) walk(d);
    };
    const timer = setInterval(scan, 20);
    const run = await cli(env, TWO_SEGMENTS).done;
    clearInterval(timer);
    scan();
    const oversize = env.sim.requests.find((r) => r.fault === 'oversize');
    const output = `${run.stdout}\n${run.stderr}`;
    const cap = resultLimitsFor(1.5).maxBytes;
    const row: Row = {
      case: 'result of 200 MB (no content-length) on segment 1, a wav header claiming 1 Hz on segment 2',
      exits: String(run.code),
      submits: `tasks per segment ${tasksPerProxy(env.sim).join(' ')}`,
      result: `simulator wrote ${oversize?.bytesSent ?? 0} of ${200 * 1024 * 1024} bytes before the client hung up (cap ${cap}); largest file seen outside the frame chunks: ${largest.bytes} bytes (${largest.file || '—'}); cache entries 0; last line "${lastLine(run).slice(0, 160)}"`,
      ok: true,
    };
    rows.push(row);
    check(row, run.code === 1, `exit ${run.code}`);
    check(
      row,
      /more than the \d+ bytes a segment's wav can take/.test(output),
      'the 200 MB result was not refused by size',
    );
    check(row, /claims 1 Hz, outside 8000–192000 Hz/.test(output), 'the 1 Hz wav was not refused');
    check(
      row,
      (oversize?.bytesSent ?? Number.POSITIVE_INFINITY) < 20 * 1024 * 1024,
      `sent ${oversize?.bytesSent}`,
    );
    check(row, largest.bytes <= cap, `a file of ${largest.bytes} bytes was written (${largest.file})`);
    check(
      row,
      tasksPerProxy(env.sim).every((n) => n === 1),
      'a segment was submitted twice',
    );
    check(
      row,
      !existsSync(path.join(env.project.cacheDir, 'audio')) ||
        readdirSync(path.join(env.project.cacheDir, 'audio')).filter((n) => n.endsWith('.wav')).length === 0,
      'something was cached',
    );
  }, 600_000);
});
