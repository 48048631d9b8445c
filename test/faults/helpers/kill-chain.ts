import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {createPrng} from '../../../src/backends/offline/create-prng.ts';
import type {Simulator} from '../../../src/simulator/index.ts';
import {
  type CliRun,
  ENTRY,
  projectDirArgs,
  runCli,
  type TempProject,
  type TestTimelineProps,
} from '../../integration/helpers/project.ts';
import {cpuSeconds, findSecrets, placeSegments, resultMatch, tasksPerSegment} from './checks.ts';
import {journalStates, waitFor} from './fault-env.ts';
import {newRow, type RowChecks} from './fault-table.ts';
import {
  classifyPublished,
  inspectPublished,
  type PublishedState,
  publishedFolder,
  staleWavs,
} from './published.ts';

type ChainRun = {
  label: string;
  run: CliRun;
  wallMs: number;
  cpuSeconds: number;
  /** What was seen when the kill was sent. */
  observed: string;
  state: PublishedState;
  requestsBefore: number;
  requestsAfter: number;
};

const readManifestText = (folder: string): string | null => {
  try {
    return readFileSync(path.join(folder, 'manifest.json'), 'utf8');
  } catch {
    return null;
  }
};

/** The frame-pass chunks the CLI has finished, found in its work directory under TMPDIR. */
const finishedChunks = (tmp: string): number => {
  let count = 0;
  for (const name of readdirSync(tmp)) {
    if (!name.startsWith('remotion-mmaudio-')) continue;
    const dir = path.join(tmp, name, 'chunks');
    if (existsSync(dir)) count += readdirSync(dir).filter((n) => n.endsWith('.mp4')).length;
  }
  return count;
};

/**
 * The CLI (`render`, real client defaults, `--log trace`) killed with SIGKILL — the whole process tree,
 * browser and ffmpeg included — at four seeded random points, each run being the same command again:
 *   1. during the frame pass: a random delay after it starts, at the latest when its first chunk is on
 *      disk (before the first segment can be submitted);
 *   2. after k ∈ {1, 2} submits, once the journal holds their task ids;
 *   3. while downloading: the n-th result download (n ∈ {1, 2}) is held by the simulator, killed then;
 *   4. while publishing: at the m-th (m ∈ 1–4) change of public/mmaudio/<id>/, the CLI in slow motion;
 * then once more to completion. Phases are read from the simulator's records and the files on disk.
 */
export const runKillChain = async (o: {
  sim: Simulator;
  project: TempProject;
  previousText: string | null;
  seed: number;
  key: string;
  secret: string;
  props: TestTimelineProps;
  compositionId: string;
  /** Where each run's output, journal and the simulator's tasks are written, for a failing CI run. */
  logDir?: string;
}): Promise<RowChecks[]> => {
  const {sim, project, compositionId} = o;
  const rand = createPrng(o.seed, 2);
  const tmp = path.join(project.dir, 'tmp');
  mkdirSync(tmp, {recursive: true});
  const folder = publishedFolder(project.publicDir, compositionId);
  mkdirSync(folder, {recursive: true});
  const seededNames = new Set(readdirSync(folder));
  const output = path.join(project.dir, 'out', 'faults.mp4');
  const args = [
    'render',
    ENTRY,
    compositionId,
    output,
    '--props',
    JSON.stringify(o.props),
    '--prompt',
    'glass shatters, then a long silence',
    ...projectDirArgs(project),
    '--backend',
    'qubico',
    '--log',
    'trace',
  ];
  const env = {
    QUBICO_API_KEY: o.key,
    QUBICO_BASE_URL: sim.url,
    QUBICO_WEBHOOK_SECRET: o.secret,
    REMOTION_MMAUDIO_STATE_DIR: project.stateDir,
    // The CLI's work directory (frame-pass chunks) lands here, where the phases can be read.
    TMPDIR: tmp,
  };
  const d1 = Math.floor(rand() * 2000);
  const k = 1 + Math.floor(rand() * 2);
  const n = 1 + Math.floor(rand() * 2);
  const m = 1 + Math.floor(rand() * 4);

  const runs: ChainRun[] = [];
  const step = async (
    label: string,
    before: () => void,
    killWhen: ((cli: ReturnType<typeof runCli>, out: {stdout: string}) => Promise<string>) | null,
  ) => {
    before();
    const requestsBefore = sim.requests.length;
    const t0 = Date.now();
    const cpu0 = cpuSeconds();
    const out = {stdout: ''};
    const cli = runCli(args, {cwd: project.dir, env, onStdout: (s) => (out.stdout += s), timeoutMs: 600_000});
    let observed = 'ran to the end';
    if (killWhen) {
      try {
        observed = await killWhen(cli, out);
      } catch (err) {
        observed = `not killed: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    const run = await cli.done;
    if (o.logDir) {
      mkdirSync(o.logDir, {recursive: true});
      const journal = path.join(project.cacheDir, 'journal');
      const journalText = existsSync(journal)
        ? readdirSync(journal)
            .map((n) => readFileSync(path.join(journal, n), 'utf8'))
            .join('\n')
        : '';
      const proxies = readdirSync(tmp)
        .filter((n) => n.startsWith('remotion-mmaudio-') && existsSync(path.join(tmp, n, 'proxies')))
        .flatMap((n) =>
          readdirSync(path.join(tmp, n, 'proxies')).map(
            (p) =>
              `${n}/${p} ${createHash('sha256')
                .update(readFileSync(path.join(tmp, n, 'proxies', p)))
                .digest('hex')
                .slice(0, 12)}`,
          ),
        )
        .join('\n');
      const tasksText = [...sim.tasks.values()]
        .map((t) => `${t.taskId} ${t.videoSha256.slice(0, 12)} ${t.status} ${t.durationInSeconds}`)
        .join('\n');
      writeFileSync(
        path.join(o.logDir, `kill-chain-${runs.length + 1}-${label.replace(/\W+/g, '-')}.log`),
        `# ${observed}\n# exit ${run.code} ${run.signal}\n## journal\n${journalText}\n## tasks\n${tasksText}\n## proxies\n${proxies}\n## stdout\n${run.stdout}\n## stderr\n${run.stderr}\n`,
      );
    }
    runs.push({
      label,
      run,
      wallMs: Date.now() - t0,
      cpuSeconds: cpuSeconds() - cpu0,
      observed,
      state: inspectPublished(project.publicDir, compositionId),
      requestsBefore,
      requestsAfter: sim.requests.length,
    });
  };

  // 1. During the frame pass.
  await step(
    'frame pass',
    () => undefined,
    async (cli, out) => {
      await waitFor(() => out.stdout.includes('Rendering frames'), 'the frame pass', {until: cli.done});
      const started = Date.now();
      await waitFor(() => Date.now() - started >= d1 || finishedChunks(tmp) > 0, 'the kill point', {
        until: cli.done,
      });
      const chunks = finishedChunks(tmp);
      const requests = sim.requests.length;
      cli.kill();
      return `${Date.now() - started} ms into the frame pass (drawn ${d1} ms), ${chunks} chunk(s) done, ${requests} request(s) sent`;
    },
  );
  // 2. After k submits, once they are journalled.
  await step(
    'after submits',
    () => undefined,
    async (cli) => {
      const from = sim.tasks.size;
      // No POST on the wire at the kill: a submit killed in flight has an unknown outcome, which stops
      // the next run until --resubmit-unknown (its own case in unknown-outcome-faults.test.ts).
      await waitFor(
        () =>
          sim.tasks.size - from >= k &&
          journalStates(project.cacheDir).filter((s) => s === 'submitted').length >= k &&
          !sim.requests.some((r) => r.kind === 'submit' && r.status === 0),
        `${k} journalled submit(s)`,
        {until: cli.done},
      );
      const inFlight = sim.requests.filter((r) => r.kind === 'submit' && r.status === 0).length;
      cli.kill();
      return `after ${sim.tasks.size - from} submit(s) (drawn k = ${k}), journal: ${journalStates(project.cacheDir).join(', ')}, POSTs in flight: ${inFlight}`;
    },
  );
  // 3. While downloading: the n-th download is held by the simulator.
  await step(
    'while downloading',
    () => sim.faults.delayNext(n, 4000, {kind: 'result'}),
    async (cli) => {
      const from = sim.requests.length;
      const held = () => sim.requests.slice(from).filter((r) => r.kind === 'result' && r.fault === 'delay');
      await waitFor(
        () => held().length >= n && !sim.requests.some((r) => r.kind === 'submit' && r.status === 0),
        `download ${n}, no POST on the wire`,
        {until: cli.done},
      );
      const done = sim.requests.slice(from).filter((r) => r.kind === 'result' && r.status === 200).length;
      cli.kill();
      return `during download ${n} (drawn n = ${n}; ${done} download(s) finished before)`;
    },
  );
  // 4. While publishing. Publishing takes milliseconds, far less than a watcher's latency on a busy
  // machine, so once the frame pass is over the CLI runs in slow motion: 1 ms slices between SIGSTOP and
  // SIGCONT. Between slices the folder is read as a reader would (each view must be the previous or the
  // new manifest, complete), and at the m-th change of the folder the CLI is killed while stopped.
  const views: PublishedState[] = [];
  await step(
    'while publishing',
    () => undefined,
    async (cli, out) => {
      await waitFor(() => out.stdout.includes('Generating audio'), 'the end of the frame pass', {
        until: cli.done,
      });
      const pid = cli.pid!;
      let exited = false;
      cli.done.then(() => (exited = true));
      const seen = new Set(seededNames);
      const changes: string[] = [];
      let lastManifest = readManifestText(folder);
      const tick = new Int32Array(new SharedArrayBuffer(4));
      process.kill(pid, 'SIGSTOP');
      try {
        for (let slice = 0; slice < 200_000 && !exited; slice++) {
          const names = readdirSync(folder);
          const fresh = names.filter((n) => !seen.has(n));
          const manifestText = readManifestText(folder);
          if (fresh.length > 0 || manifestText !== lastManifest) {
            for (const name of fresh) seen.add(name);
            changes.push(...fresh, ...(manifestText !== lastManifest ? ['manifest.json replaced'] : []));
            lastManifest = manifestText;
            views.push(inspectPublished(project.publicDir, compositionId));
            if (changes.length >= m) {
              cli.kill();
              return `stopped at change ${changes.length} of the published folder (drawn m = ${m}): ${changes.join(', ')}`;
            }
          }
          process.kill(pid, 'SIGCONT');
          Atomics.wait(tick, 0, 0, 1);
          process.kill(pid, 'SIGSTOP');
          // Let the event loop see the child's output and exit.
          if (slice % 10 === 0) await new Promise((r) => setImmediate(r));
        }
        throw new Error(`the run ended after ${changes.length} change(s) of the published folder`);
      } finally {
        if (!exited) {
          try {
            process.kill(pid, 'SIGCONT');
          } catch {
            // Already gone.
          }
        }
      }
    },
  );
  // 5. The same command, to the end.
  await step('to the end', () => undefined, null);

  // Checks over the chain.
  const final = runs[runs.length - 1];
  const manifest = final.state.manifest;
  const tasks = manifest ? tasksPerSegment(sim, manifest) : null;
  const placements =
    manifest && final.run.code === 0 ? await placeSegments(output, manifest, project.publicDir) : [];
  const matches = manifest
    ? manifest.segments.map((s) => {
        const task = sim.tasks.get(s.taskId);
        return task ? resultMatch(project.publicDir, s, manifest.fps, task) : 0;
      })
    : [];
  const published = runs.map((r) =>
    classifyPublished(r.state, {previousText: o.previousText, next: manifest}),
  );
  const texts: Record<string, string> = {};
  for (const r of runs) {
    texts[`${r.label} stdout`] = r.run.stdout;
    texts[`${r.label} stderr`] = r.run.stderr;
  }
  const leaks = findSecrets([o.key, o.secret], texts, [project.dir]);
  const resumedIn = (r: ChainRun) => (r.run.stdout.match(/resuming task/g) ?? []).length;
  const exit = runs.map((r) => (r.run.signal === 'SIGKILL' ? 'KILL' : String(r.run.code))).join(' → ');
  const maxWindow = sim.maxRequestsInWindow(60_000);
  const wall = runs.reduce((s, r) => s + r.wallMs, 0) / 1000;
  const cpu = runs.reduce((s, r) => s + r.cpuSeconds, 0);
  const worst = placements.reduce((a, p) => Math.max(a, Math.abs(p.offsetFrames)), 0);
  const previousOrNone = o.previousText === null ? 'none' : 'previous';
  const viewStates = views.map((v) => classifyPublished(v, {previousText: o.previousText, next: manifest}));

  const shared = {
    window: 'real: 20 per 60 s',
    exit,
    submits: tasks ? tasks.perSegment.join(' ') : '?',
    maxRequestsInWindow: maxWindow,
    maxTasksInFlight: sim.maxConcurrentTasksSeen,
    published: published.join(' → '),
    placement: placements.length
      ? `≤ ${worst.toFixed(3)} frame (${((worst / manifest!.fps) * 1000).toFixed(1)} ms), r ≥ ${Math.min(...placements.map((p) => p.correlation)).toFixed(3)}`
      : '—',
    secrets: leaks.length === 0 ? 'none found' : `LEAKED in ${leaks.join(', ')}`,
    seconds: `${wall.toFixed(1)} (${cpu.toFixed(1)})`,
  };
  const [k1, k2, k3, k4] = runs;
  const out = [
    newRow({
      ...shared,
      case: 'SIGKILL during the frame pass, run again',
      run: 'K1 (CLI)',
      detail: `${k1.observed}; public/ ${published[0]}, files ${k1.state.names.length === seededNames.size ? 'untouched' : 'changed'}`,
    }),
    newRow({
      ...shared,
      case: 'SIGKILL after submits, run again',
      run: 'K2 (CLI)',
      detail: `${k2.observed}; next run resumed ${resumedIn(runs[2])} task(s), created ${sim.requests.slice(k3.requestsBefore, k3.requestsAfter).filter((r) => r.kind === 'submit' && r.status === 202).length}`,
    }),
    newRow({
      ...shared,
      case: 'SIGKILL while downloading, run again',
      run: 'K3 (CLI)',
      detail: `${k3.observed}; next run resumed ${resumedIn(runs[3])} task(s)`,
    }),
    newRow({
      ...shared,
      case: 'SIGKILL while writing the manifest, run again (to the end)',
      run: 'K4 + K5 (CLI)',
      detail: `${k4.observed}; a reader saw ${viewStates.join(', ') || 'nothing'} meanwhile; public/ then: ${published[3]} (${k4.state.hiddenTemps.length} hidden temp, ${k4.state.unreferencedWavs.length} unreferenced wav); last run: ${final.requestsAfter - final.requestsBefore} request(s)`,
    }),
  ];
  for (const {check} of out) {
    check(
      exit === 'KILL → KILL → KILL → KILL → 0',
      `exits ${exit}; last stderr: ${final.run.stderr.slice(-300)}`,
    );
    check(
      tasks !== null && tasks.unmapped === 0 && tasks.perSegment.every((x) => x === 1),
      `tasks per segment ${shared.submits}`,
    );
    check(maxWindow <= 20, `${maxWindow} requests in 60 s`);
    check(sim.maxConcurrentTasksSeen <= 5, `${sim.maxConcurrentTasksSeen} tasks in flight`);
    check(
      published.every((p) => p !== 'INVALID'),
      `public/ states ${published.join(' → ')}`,
    );
    check(published[published.length - 1] === 'new', 'the last run did not publish');
    check(leaks.length === 0, `secret found in ${leaks.join(', ')}`);
    check(
      placements.length > 0 && placements.every((p) => Math.abs(p.offsetFrames) <= 1 && p.correlation > 0.9),
      `placement ${JSON.stringify(placements)}`,
    );
    check(matches.length > 0 && matches.every((x) => x > 0.9), `published audio r = ${matches.join(' ')}`);
    check(
      final.state.hiddenTemps.length === 0 &&
        staleWavs(final.state, [o.previousText, ...runs.map((r) => r.state.manifest)]).length === 0,
      'files left over after the last run',
    );
  }
  out[0].check(
    k1.requestsAfter === k1.requestsBefore,
    `${k1.requestsAfter - k1.requestsBefore} requests before the kill`,
  );
  out[0].check(
    published[0] === previousOrNone && k1.state.names.length === seededNames.size,
    'public/ changed',
  );
  out[1].check(
    !k2.observed.startsWith('not killed') && published[1] === previousOrNone,
    `kill 2: ${k2.observed}`,
  );
  out[1].check(resumedIn(runs[2]) >= k, `the next run resumed ${resumedIn(runs[2])} of ${k} tasks`);
  out[2].check(
    !k3.observed.startsWith('not killed') && published[2] === previousOrNone,
    `kill 3: ${k3.observed}`,
  );
  out[2].check(resumedIn(runs[3]) >= 1, 'the next run resumed nothing');
  out[3].check(!k4.observed.startsWith('not killed'), `kill 4: ${k4.observed}`);
  out[3].check(
    published[3] === previousOrNone || published[3] === 'new',
    `public/ after kill 4: ${published[3]}`,
  );
  out[3].check(
    views.length > 0 && viewStates.every((v) => v === previousOrNone || v === 'new'),
    `a reader saw ${viewStates.join(', ')} while publishing`,
  );
  out[3].check(
    final.requestsAfter === final.requestsBefore,
    'the last run sent requests although every segment was cached',
  );
  return out;
};
