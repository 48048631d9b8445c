import {mkdirSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createPrng} from '../../src/backends/offline/create-prng.ts';
import type {Manifest} from '../../src/react/manifest.ts';
import {type Simulator, type SimulatorOptions, startSimulator} from '../../src/simulator/index.ts';
import {
  bundleTestProject,
  makeTempProject,
  ROOT,
  type TempProject,
  testTimelineProps,
} from '../integration/helpers/project.ts';
import {
  cpuSeconds,
  findSecrets,
  type Placement,
  placeSegments,
  resultMatch,
  tailIsSilent,
  tasksPerSegment,
} from './helpers/checks.ts';
import {
  cachedEntries,
  freePort,
  gapToNext,
  journalStates,
  onEveryTask,
  seedPublished,
  startEvilServer,
  waitFor,
} from './helpers/fault-env.ts';
import {
  type FaultRow,
  formatFaultTable,
  newRow,
  type RowChecks,
  writeFaultTable,
} from './helpers/fault-table.ts';
import {runKillChain} from './helpers/kill-chain.ts';
import {
  classifyPublished,
  inspectPublished,
  type PublishedState,
  publishedFolder,
  staleWavs,
} from './helpers/published.ts';
import {type CapturedRun, runRenderCaptured} from './helpers/run-render.ts';

/**
 * The fault suite: full `renderWithAudio` runs of a 2-minute composition against the simulator, with
 * the faults real runs meet injected one kind at a time, then all together at random (fixed seed), then
 * the CLI killed with SIGKILL at seeded random points and run again. Every case checks exit codes,
 * tasks per segment (never paid twice), the request window, tasks in flight, what a reader of
 * public/mmaudio/<id>/ sees, where the audio landed in the mp4, and that no secret leaked; the table of
 * all cases is printed at the end and written to test/artifacts/faults-table.md.
 *
 * Faults that do not interfere share a run (a run costs a frame pass, an audio pass and a mux), so the
 * table has one row per fault and says which run it was in.
 */

const KEY = 'fault-suite-key-4e1d9b7c2a6f8035';
const SECRET = 'fault-suite-webhook-secret-b83f61d0c9';
const ID = 'test-timeline';
/** 2 minutes at 1 fps: renders cost per frame and per chunk here, not per second of video. */
const PROPS = testTimelineProps({durationInSeconds: 120, fps: 1});
const SEED = Number(process.env.FAULTS_SEED ?? 20_240_611);
const SCALED = {requestsPerWindow: 20, windowMs: 6000};
const SCALED_LABEL = 'scaled: 20 per 6 s';
const LATENCY_MS = 500;

const rows: FaultRow[] = [];
const projects: TempProject[] = [];
const sims: Simulator[] = [];
let serveUrl = '';
let suiteStart = 0;
let suiteCpu = 0;
const loadAtStart = os.loadavg();
/** L1's public dir: its complete manifest is the "previous" state of later cases. */
let firstPublicDir: string | null = null;

const bundleFolder = () => publishedFolder(path.join(serveUrl, 'public'), ID);

type CaseEnv = {sim: Simulator; project: TempProject; output: string; prompt: string};

const newCase = async (prompt: string, simOptions: SimulatorOptions = {}): Promise<CaseEnv> => {
  const sim = await startSimulator({apiKey: KEY, taskLatencyMs: LATENCY_MS, limits: SCALED, ...simOptions});
  sims.push(sim);
  const project = makeTempProject();
  projects.push(project);
  return {sim, project, output: path.join(project.dir, 'out', 'faults.mp4'), prompt};
};

type RunOverrides = Partial<Parameters<typeof runRenderCaptured>[0]>;

const runLibrary = (env: CaseEnv, overrides: RunOverrides = {}): Promise<CapturedRun> =>
  runRenderCaptured({
    serveUrl,
    compositionId: ID,
    backend: 'qubico',
    apiKey: KEY,
    baseUrl: env.sim.url,
    prompt: env.prompt,
    inputProps: PROPS,
    publicDir: env.project.publicDir,
    cacheDir: env.project.cacheDir,
    outputLocation: env.output,
    ...overrides,
    client: {
      dailyQuota: {directory: env.project.stateDir},
      rateLimit: {requests: SCALED.requestsPerWindow, intervalMs: SCALED.windowMs},
      pollIntervalMs: {min: 250, max: 1000},
      retryBaseDelayMs: 200,
      retryMaxDelayMs: 2000,
      ...overrides.client,
    },
  });

/** What the runs of one case showed, shared by the rows of the faults injected into them. */
type CaseSummary = {
  runs: CapturedRun[];
  manifest: Manifest | null;
  exit: string;
  submits: string;
  tasks: ReturnType<typeof tasksPerSegment> | null;
  maxRequestsInWindow: number;
  maxTasksInFlight: number;
  published: string[];
  finalState: PublishedState;
  /** Unreferenced wavs of no earlier manifest (those of replaced manifests stay for the grace period). */
  staleWavs: string[];
  placements: Placement[];
  matches: number[];
  leaks: string[];
  seconds: string;
};

const summarize = async (
  env: CaseEnv,
  runs: CapturedRun[],
  states: PublishedState[],
  previousText: string | null,
): Promise<CaseSummary> => {
  const last = runs[runs.length - 1];
  const manifest = last.result?.manifest ?? null;
  const tasks = manifest ? tasksPerSegment(env.sim, manifest) : null;
  const placements =
    manifest && last.result ? await placeSegments(env.output, manifest, env.project.publicDir) : [];
  const matches = manifest
    ? manifest.segments.map((s) => {
        const task = env.sim.tasks.get(s.taskId);
        return task ? resultMatch(env.project.publicDir, s, manifest.fps, task) : 0;
      })
    : [];
  const texts: Record<string, string> = {};
  runs.forEach((r, i) => {
    texts[`run ${i + 1} log (trace)`] = r.log;
    texts[`run ${i + 1} console`] = r.console;
    texts[`run ${i + 1} error`] = r.errorText;
  });
  const wall = runs.reduce((s, r) => s + r.wallMs, 0) / 1000;
  const cpu = runs.reduce((s, r) => s + r.cpuSeconds, 0);
  return {
    runs,
    manifest,
    exit: runs.map((r) => r.exitCode).join(' → '),
    submits: tasks ? tasks.perSegment.join(' ') : '?',
    tasks,
    maxRequestsInWindow: env.sim.maxRequestsInWindow(SCALED.windowMs),
    maxTasksInFlight: env.sim.maxConcurrentTasksSeen,
    published: states.map((s) => classifyPublished(s, {previousText, next: manifest})),
    finalState: states[states.length - 1],
    staleWavs: staleWavs(states[states.length - 1], [previousText, ...runs.map((r) => r.result?.manifest)]),
    placements,
    matches,
    leaks: findSecrets([KEY, SECRET], texts, [env.project.dir, bundleFolder()]),
    seconds: `${wall.toFixed(1)} (${cpu.toFixed(1)})`,
  };
};

const placementText = (placements: Placement[]) => {
  if (placements.length === 0) return '—';
  const worst = placements.reduce((a, b) => (Math.abs(b.offsetFrames) > Math.abs(a.offsetFrames) ? b : a));
  const minCorrelation = Math.min(...placements.map((p) => p.correlation));
  return `≤ ${Math.abs(worst.offsetFrames).toFixed(3)} frame (${Math.abs(worst.offsetMs).toFixed(1)} ms), r ≥ ${minCorrelation.toFixed(3)}`;
};

/** Rows for the faults of one case, with the checks every case makes. */
const rowsFor = (
  summary: CaseSummary,
  faults: {case: string; detail: string}[],
  meta: {run: string; expectedExits: number[]; expectedPublished: string[]; window?: string},
): RowChecks[] =>
  faults.map((f) => {
    const rc = newRow({
      case: f.case,
      run: meta.run,
      window: meta.window ?? SCALED_LABEL,
      exit: summary.exit,
      submits: summary.submits,
      maxRequestsInWindow: summary.maxRequestsInWindow,
      maxTasksInFlight: summary.maxTasksInFlight,
      published: summary.published.join(' → '),
      placement: placementText(summary.placements),
      secrets: summary.leaks.length === 0 ? 'none found' : `LEAKED in ${summary.leaks.join(', ')}`,
      detail: f.detail,
      seconds: summary.seconds,
    });
    const {check} = rc;
    check(
      summary.exit === meta.expectedExits.join(' → '),
      `exit codes ${summary.exit}, expected ${meta.expectedExits.join(' → ')}`,
    );
    check(
      summary.published.join(' → ') === meta.expectedPublished.join(' → '),
      `public/ states ${summary.published.join(' → ')}, expected ${meta.expectedPublished.join(' → ')}`,
    );
    check(summary.maxRequestsInWindow <= 20, `${summary.maxRequestsInWindow} requests in one window`);
    check(summary.maxTasksInFlight <= 5, `${summary.maxTasksInFlight} tasks in flight`);
    check(summary.leaks.length === 0, `secret found in ${summary.leaks.join(', ')}`);
    if (meta.expectedExits[meta.expectedExits.length - 1] === 0) {
      const t = summary.tasks;
      check(t !== null && t.unmapped === 0, `tasks for no segment: ${t?.unmapped}`);
      check(
        t?.perSegment.every((n, i) => n - t.failedPerSegment[i] === 1) === true,
        `tasks per segment ${summary.submits}, failed ${t?.failedPerSegment.join(' ')}: more than 1 + failures`,
      );
      check(
        summary.finalState.hiddenTemps.length === 0,
        `temp files left: ${summary.finalState.hiddenTemps.join(', ')}`,
      );
      check(summary.staleWavs.length === 0, `stale wavs left: ${summary.staleWavs.join(', ')}`);
      check(
        summary.placements.length > 0 &&
          summary.placements.every((p) => Math.abs(p.offsetFrames) <= 1 && p.correlation > 0.9),
        `placement ${JSON.stringify(summary.placements)}`,
      );
      check(
        summary.matches.length > 0 && summary.matches.every((m) => m > 0.9),
        `published audio is not the service's result: r = ${summary.matches.map((m) => m.toFixed(3)).join(' ')}`,
      );
    }
    return rc;
  });

const afterRun = (env: CaseEnv, states: PublishedState[]) => {
  states.push(inspectPublished(env.project.publicDir, ID));
};

const recorded = async (names: string[], fn: () => Promise<RowChecks[]>) => {
  let out: RowChecks[] = [];
  try {
    out = await fn();
  } catch (err) {
    for (const name of names) {
      const rc = newRow({case: name, run: '?', window: '?'});
      rc.row.failures.push(`case crashed: ${err instanceof Error ? err.message : String(err)}`);
      out.push(rc);
    }
    throw err;
  } finally {
    rows.push(...out.map((r) => r.row));
  }
};

beforeAll(async () => {
  suiteStart = Date.now();
  suiteCpu = cpuSeconds();
  serveUrl = await bundleTestProject();
});

afterAll(async () => {
  for (const sim of sims) await sim.close();
  const wall = (Date.now() - suiteStart) / 1000;
  const cpu = cpuSeconds() - suiteCpu;
  const footer = [
    `Composition: ${ID}, ${PROPS.durationInSeconds} s at ${PROPS.fps} fps, ${PROPS.width}×${PROPS.height}. Seed ${SEED} (FAULTS_SEED).`,
    'Library runs: client and simulator windows scaled down to 20 requests per 6 s (20/min in the service). CLI runs: real client defaults, 20 requests per 60 s.',
    'Tasks/segment: tasks the service created per segment over all runs of the case; each must be 1 + the tasks the fault failed.',
    'public/mmaudio: what a reader saw after each run: previous (the exact earlier manifest), new (complete new one), none. Never a mix.',
    `Suite: ${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} CPU s (this process and its reaped children), load average ${loadAtStart
      .map((l) => l.toFixed(1))
      .join(' ')} at start, ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} at end, ${os.cpus().length} cores.`,
  ];
  if (rows.length > 0) {
    const table = formatFaultTable(rows, footer);
    console.log(table);
    writeFaultTable(path.join(ROOT, 'test/artifacts/faults-table.md'), table);
  }
  for (const project of projects) project.cleanup();
});

describe('fault suite: full render runs against the simulator', () => {
  it('the checks themselves catch what they look for: a planted key, a manifest naming a missing wav, a visible temp file', () => {
    const project = makeTempProject();
    projects.push(project);
    writeFileSync(path.join(project.stateDir, 'planted.txt'), `x-api-key: ${KEY}`);
    expect(findSecrets([KEY, SECRET], {log: `secret=${SECRET}`, clean: 'nothing'}, [project.dir])).toEqual([
      'log',
      path.join(project.stateDir, 'planted.txt'),
    ]);
    const folder = publishedFolder(project.publicDir, ID);
    mkdirSync(folder, {recursive: true});
    const manifest = {
      version: 1,
      compositionId: ID,
      fps: 1,
      durationInFrames: 10,
      backend: 'qubico',
      createdAt: new Date().toISOString(),
      segments: [
        {
          index: 0,
          startFrame: 0,
          endFrame: 10,
          src: `mmaudio/${ID}/segment-001-missing.wav`,
          durationInSeconds: 10,
          sampleRate: 48_000,
          channels: 1,
          fadeInFrames: 0,
          fadeOutFrames: 0,
          prompt: 'p',
          negativePrompt: null,
          steps: 25,
          seed: 1,
          taskId: 't',
          cacheKey: 'k',
        },
      ],
    };
    const text = JSON.stringify(manifest);
    writeFileSync(path.join(folder, 'manifest.json'), text);
    const missing = inspectPublished(project.publicDir, ID);
    expect(missing.problems).toEqual([`mmaudio/${ID}/segment-001-missing.wav is missing`]);
    expect(classifyPublished(missing, {previousText: text, next: null})).toBe('INVALID');
    rmSync(folder, {recursive: true});
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'segment-001.wav.tmp'), '');
    expect(inspectPublished(project.publicDir, ID).problems).toEqual([
      'stray file visible to readers: segment-001.wav.tmp',
    ]);
  });

  it('429 bursts with and without Retry-After, 5xx and resets on GET, a task failing once, a task always failing: exit 1 naming it, then the next run submits only that one', async () => {
    await recorded(
      [
        '429 burst with Retry-After',
        '429 burst without Retry-After',
        '500/502/503 on GET',
        'connection reset on GET',
        'task fails once',
        'task always fails',
      ],
      async () => {
        const env = await newCase('rain on a tin roof, distant thunder');
        const f = env.sim.faults;
        // Per request kind, no more consecutive failures than the client's 5 retries of one request.
        f.failNext(2, 429, {kind: 'submit', retryAfter: '1'});
        f.failNext(3, 429, {kind: 'poll'});
        f.failNext(1, 500, {kind: 'poll'});
        f.dropNext(1, {kind: 'poll'});
        f.failNext(1, 429, {kind: 'result', retryAfter: '1'});
        f.failNext(1, 502, {kind: 'result'});
        f.failNext(1, 503, {kind: 'result'});
        f.dropNext(1, {kind: 'result'});
        // The segment of the first task created always fails (while `failing`); the first task of
        // another segment fails once.
        let failing = true;
        let target: string | null = null;
        let failedOnce: string | null = null;
        onEveryTask(env.sim, (task) => {
          target ??= task.videoSha256;
          if (task.videoSha256 === target) return failing;
          if (failedOnce === null) {
            failedOnce = task.videoSha256;
            return true;
          }
          return false;
        });
        const states: PublishedState[] = [];
        const first = await runLibrary(env);
        afterRun(env, states);
        const cachedAfterFirst = cachedEntries(env.project.cacheDir);
        const tasksBefore = env.sim.tasks.size;
        failing = false;
        const second = await runLibrary(env);
        afterRun(env, states);
        firstPublicDir = env.project.publicDir;
        const summary = await summarize(env, [first, second], states, null);
        const requests = env.sim.requests;
        const injected = (kind: string, status: number) =>
          requests.filter((r) => r.kind === kind && r.fault === 'fail' && r.status === status);
        const raGaps = [...injected('submit', 429), ...injected('result', 429)].map((r) =>
          gapToNext(env.sim, r.seq),
        );
        const noRaGaps = injected('poll', 429).map((r) => gapToNext(env.sim, r.seq));
        const fivexx = [...injected('poll', 500), ...injected('result', 502), ...injected('result', 503)];
        const drops = requests.filter((r) => r.fault === 'drop');
        const tasks = [...env.sim.tasks.values()];
        const newTasks = tasks.filter((_, i) => i >= tasksBefore);
        const segmentOf = (video: string | null) =>
          summary.manifest?.segments.find((s) => env.sim.tasks.get(s.taskId)?.videoSha256 === video);
        const failedSegment = segmentOf(target);
        const onceSegment = segmentOf(failedOnce);
        const label = failedSegment ? `Segment ${failedSegment.index + 1}` : 'Segment ?';
        const message = first.error instanceof Error ? first.error.message : String(first.error);
        const segments = summary.manifest?.segments.length ?? 0;
        const submitsAnswered429 = injected('submit', 429).length;
        const fmt = (gaps: (number | null)[]) => gaps.map((g) => (g === null ? '∞' : `${g}`)).join(', ');
        const out = rowsFor(
          summary,
          [
            {
              case: '429 burst with Retry-After: 1 (2× POST, 1× result GET)',
              detail: `retries came ${fmt(raGaps)} ms later; POST retried after 429 without a second task`,
            },
            {
              case: '429 burst without Retry-After (3× poll)',
              detail: `backoff before retries: ${fmt(noRaGaps)} ms`,
            },
            {
              case: '500 (poll), 502 and 503 (result GET)',
              detail: `${fivexx.length} answered, each retried: ${fivexx.map((r) => `${r.kind} ${r.status} → next ${gapToNext(env.sim, r.seq)} ms`).join('; ')}`,
            },
            {
              case: 'connection reset (dropNext) on GET: poll and result',
              detail: `${drops.length} dropped (${drops.map((d) => d.kind).join(', ')}), retried: ${fmt(drops.map((d) => gapToNext(env.sim, d.seq)))} ms`,
            },
            {
              case: 'task fails once (resubmitted)',
              detail: `segment ${onceSegment ? onceSegment.index + 1 : '?'}: ${tasks.filter((t) => t.videoSha256 === failedOnce).length} tasks, 1 failed`,
            },
            {
              case: 'task always fails (failTasksWhere), then the same run again',
              detail: `run 1: "${message.slice(0, 140)}"; ${cachedAfterFirst}/${segments} segments cached; run 2 submitted ${newTasks.length} task(s)`,
            },
          ],
          {run: 'L1 ×2', expectedExits: [1, 0], expectedPublished: ['none', 'new']},
        );
        const [ra, noRa, fiveRow, dropRow, failOnce, always] = out;
        ra.check(
          raGaps.length === 3 && raGaps.every((g) => g !== null && g >= 995),
          `Retry-After not honoured: ${fmt(raGaps)}`,
        );
        ra.check(submitsAnswered429 === 2, `${submitsAnswered429} POSTs answered 429`);
        noRa.check(
          noRaGaps.length === 3 && noRaGaps.every((g) => g !== null && g >= 95),
          `no backoff: ${fmt(noRaGaps)}`,
        );
        fiveRow.check(
          fivexx.length === 3 && fivexx.every((r) => gapToNext(env.sim, r.seq) !== null),
          '5xx not all injected and retried',
        );
        dropRow.check(
          drops.length === 2 && drops.every((d) => d.status === 0 && gapToNext(env.sim, d.seq) !== null),
          'resets not all injected and retried',
        );
        failOnce.check(
          onceSegment !== undefined &&
            tasks.filter((t) => t.videoSha256 === failedOnce && t.status === 'failed').length === 1,
          'no segment failed exactly once',
        );
        always.check(message.includes(label), `run 1's error does not name ${label}: ${message}`);
        always.check(/run again/.test(message), `run 1's error does not say what to do: ${message}`);
        always.check(
          cachedAfterFirst === segments - 1,
          `${cachedAfterFirst} of ${segments} segments cached after run 1`,
        );
        always.check(
          newTasks.length === 1 && newTasks[0].videoSha256 === target,
          `run 2 created ${newTasks.length} tasks, expected 1 for the failed segment`,
        );
        always.check(
          states[0].names.length === 0,
          `run 1 left files in public/: ${states[0].names.join(', ')}`,
        );
        return out;
      },
    );
  }, 900_000);

  it('webhooks duplicated, forged and never arriving: wake-ups only, polling stays the truth', async () => {
    await recorded(['webhook duplicated', 'webhook forged', 'webhook never arrives'], async () => {
      const env = await newCase('footsteps on gravel, a door creaks', {taskLatencyMs: 300});
      const port = await freePort();
      const evil = await startEvilServer();
      const POLL_MAX = 2500;
      // Task 1's call comes twice, task 2's with a wrong secret, task 3's never. The knobs are read when
      // a task finishes (300 ms after its submit); segments are submitted seconds apart.
      const knobs = [{duplicate: true}, {wrongSecret: true}, {drop: true}];
      onEveryTask(env.sim, (_task, n) => {
        env.sim.faults.webhook = knobs[Math.min(n, knobs.length - 1)];
        return false;
      });
      const states: PublishedState[] = [];
      const running = runLibrary(env, {
        webhook: {url: `http://127.0.0.1:${port}/`, listen: `127.0.0.1:${port}`, secret: SECRET},
        client: {pollIntervalMs: {min: 250, max: POLL_MAX}},
      });
      // Forged calls to the receiver as soon as there is a task to lie about: a completed task with a
      // result on another server, once with a wrong secret and once with none.
      await waitFor(() => env.sim.tasks.size > 0, 'the first task', {until: running});
      const target = [...env.sim.tasks.values()][0];
      const forgedBody = JSON.stringify({
        task_id: target.taskId,
        status: 'completed',
        model: 'Qubico/mmaudio',
        created_at: new Date().toISOString(),
        results: [{url: evil.url, duration: 40, format: 'wav', sample_rate: 48_000, channels: 1}],
      });
      const forged = [] as number[];
      const forgedHeaders: Record<string, string>[] = [
        {'x-webhook-secret': `forged-${SECRET.slice(0, 3)}`},
        {},
      ];
      for (const headers of forgedHeaders) {
        const res = await fetch(`http://127.0.0.1:${port}/`, {
          method: 'POST',
          headers: {'content-type': 'application/json', ...headers},
          body: forgedBody,
        });
        forged.push(res.status);
        await res.body?.cancel();
      }
      const run = await running;
      afterRun(env, states);
      await evil.close();
      const summary = await summarize(env, [run], states, null);
      const tasks = [...env.sim.tasks.values()].sort((a, b) => a.createdAt - b.createdAt);
      const deliveries = env.sim.webhookDeliveries;
      const pollsOf = (taskId: string) =>
        env.sim.requests.filter((r) => r.kind === 'poll' && r.taskId === taskId);
      const byTask = tasks.map((t) => {
        const d = deliveries.filter((x) => x.taskId === t.taskId);
        const polls = pollsOf(t.taskId);
        const kind = d.some((x) => x.dropped)
          ? 'dropped'
          : d.some((x) => x.wrongSecret)
            ? 'wrong secret'
            : d.length >= 2
              ? 'duplicated'
              : d.length === 1
                ? 'delivered'
                : 'none';
        return {
          task: t,
          kind,
          statuses: d.map((x) => x.status),
          polls: polls.length,
          firstPollAfterMs: polls.length ? polls[0].at - t.createdAt : null,
        };
      });
      const describeTask = (b: (typeof byTask)[number]) =>
        `${b.kind}: calls answered ${b.statuses.join('/') || '—'}, ${b.polls} poll(s), first ${b.firstPollAfterMs} ms after submit`;
      const dup = byTask.find((b) => b.kind === 'duplicated');
      const wrong = byTask.find((b) => b.kind === 'wrong secret');
      const dropped = byTask.find((b) => b.kind === 'dropped');
      const out = rowsFor(
        summary,
        [
          {
            case: 'webhook duplicated (the service calls twice)',
            detail: dup ? describeTask(dup) : 'not observed',
          },
          {
            case: 'webhook forged: POSTs with a wrong / no secret, claiming a result elsewhere; the service calling with a wrong secret',
            detail: `forged POSTs answered ${forged.join(', ')}; fetches of the forged result: ${evil.hits()}; ${wrong ? describeTask(wrong) : 'wrong-secret call not observed'}`,
          },
          {
            case: 'webhook never arrives (fallback to polling)',
            detail: dropped ? describeTask(dropped) : 'not observed',
          },
        ],
        {run: 'L2', expectedExits: [0], expectedPublished: ['new']},
      );
      const [dupRow, forgedRow, dropRow] = out;
      dupRow.check(dup?.statuses.every((s) => s === 200) === true, 'no duplicated call answered 200');
      // A wake-up polls at once (well before the fallback), and a second call costs at most one more poll.
      dupRow.check(
        dup !== undefined && dup.polls <= 2 && (dup.firstPollAfterMs ?? Infinity) < POLL_MAX - 1000,
        `duplicate: ${dup ? describeTask(dup) : '—'}`,
      );
      forgedRow.check(
        forged.every((s) => s === 401),
        `forged POSTs answered ${forged.join(', ')}`,
      );
      forgedRow.check(evil.hits() === 0, `the forged result URL was fetched ${evil.hits()} times`);
      forgedRow.check(
        wrong?.statuses.every((s) => s === 401) === true && (wrong.firstPollAfterMs ?? 0) >= POLL_MAX - 50,
        `wrong-secret call: ${wrong ? describeTask(wrong) : '—'}`,
      );
      dropRow.check(
        dropped !== undefined && (dropped.firstPollAfterMs ?? 0) >= POLL_MAX - 50 && dropped.polls >= 1,
        `dropped call: ${dropped ? describeTask(dropped) : '—'}`,
      );
      return out;
    });
  }, 900_000);

  it('a reset POST, slow tasks past the overall timeout, then results of the wrong shape, a 404 and a truncated wav', async () => {
    await recorded(
      [
        'connection reset on POST',
        'slow tasks past the timeout',
        'result shorter',
        'result longer',
        '44.1 kHz stereo',
        'two results',
        '404 on result',
        'truncated wav',
      ],
      async () => {
        const env = await newCase('wind through pine trees, birds', {taskLatencyMs: 5000});
        const previousText = firstPublicDir ? seedPublished(firstPublicDir, env.project.publicDir, ID) : null;
        const f = env.sim.faults;
        // The first POST (segment 1) is read in full, then its connection is reset: the task may exist.
        f.dropNext(1, {kind: 'submit'});
        // Result shapes, fixed at submit: tasks are created in order (segment 2, segment 3, then segment
        // 1 in the next run); each task's knobs are set when the one before it is created.
        const shapes = [
          {resultDuration: {scale: 0.8}, resultFormat: {sampleRate: 44_100, channels: 2}, resultCount: 1},
          {resultDuration: {offsetSeconds: 2.5}, resultFormat: null, resultCount: 2},
          {resultDuration: {}, resultFormat: {sampleRate: 16_000, channels: 1}, resultCount: 1},
        ];
        const applyShape = (n: number) => {
          const s = shapes[Math.min(n, shapes.length - 1)];
          f.resultDuration = s.resultDuration;
          f.resultFormat = s.resultFormat;
          f.resultCount = s.resultCount;
        };
        applyShape(0);
        onEveryTask(env.sim, (_task, n) => {
          applyShape(n + 1);
          return false;
        });
        const states: PublishedState[] = [];
        const TIMEOUT_MS = 1500;
        const first = await runLibrary(env, {taskTimeoutMs: TIMEOUT_MS});
        afterRun(env, states);
        const journalAfterFirst = journalStates(env.project.cacheDir).sort();
        const tasksBefore = env.sim.tasks.size;
        const submitsBefore = env.sim.requests.filter((r) => r.kind === 'submit').length;
        f.setTaskLatency(LATENCY_MS);
        f.result404Next(1);
        f.truncateResultNext(1);
        // The reset POST left segment 1's outcome unknown: it is submitted again only when asked.
        const second = await runLibrary(env, {resubmitUnknown: true});
        afterRun(env, states);
        const summary = await summarize(env, [first, second], states, previousText);
        const manifest = summary.manifest;
        const tasks = [...env.sim.tasks.values()];
        const newTasks = tasks.filter((_, i) => i >= tasksBefore);
        const message = first.error instanceof Error ? first.error.message : String(first.error);
        const allErrors = `${message}\n${first.log}`;
        const resumed = (second.log.match(/resuming task/g) ?? []).length;
        const posts = env.sim.requests.filter((r) => r.kind === 'submit');
        const segOf = (taskId: string) => manifest?.segments.find((s) => s.taskId === taskId);
        const shapeOf = (pred: (t: (typeof tasks)[number]) => boolean) => {
          const task = tasks.find((t) => t.status === 'completed' && pred(t) && segOf(t.taskId));
          const segment = task ? segOf(task.taskId) : undefined;
          return {task, segment};
        };
        const shorter = shapeOf((t) => t.resultSpec.durationInSeconds < t.durationInSeconds - 1);
        const longer = shapeOf((t) => t.resultSpec.durationInSeconds > t.durationInSeconds + 1);
        const stereo44 = shapeOf((t) => t.resultSpec.sampleRate === 44_100 && t.resultSpec.channels === 2);
        const two = shapeOf((t) => t.resultSpec.count === 2);
        const describe = (x: ReturnType<typeof shapeOf>) =>
          x.task && x.segment
            ? `segment ${x.segment.index + 1}: result ${x.task.resultSpec.durationInSeconds.toFixed(2)} s ${x.task.resultSpec.sampleRate} Hz ×${x.task.resultSpec.channels}, ${x.task.resultSpec.count} result(s), for ${x.segment.durationInSeconds.toFixed(2)} s; published ${x.segment.sampleRate} Hz ×${x.segment.channels}, r = ${resultMatch(env.project.publicDir, x.segment, manifest!.fps, x.task).toFixed(3)}`
            : 'not observed';
        const result404 = env.sim.requests.filter((r) => r.fault === 'result404');
        const truncated = env.sim.requests.filter((r) => r.fault === 'truncate');
        const out = rowsFor(
          summary,
          [
            {
              case: 'connection reset (dropNext) on POST',
              detail: `run 1: "${message.slice(0, 160)}"; POSTs ${posts.length} (${posts.map((p) => p.status).join(', ')}); run 2 submitted ${newTasks.length} task(s)`,
            },
            {
              case: `slow tasks past the overall timeout (taskTimeoutMs ${TIMEOUT_MS}, tasks take 5 s)`,
              detail: `journal after run 1: ${journalAfterFirst.join(', ')}; run 2 resumed ${resumed} task(s) without a new submit`,
            },
            {case: 'result shorter (×0.8): padded with silence', detail: describe(shorter)},
            {case: 'result longer (+2.5 s): trimmed', detail: describe(longer)},
            {case: 'result 44.1 kHz stereo: resampled', detail: describe(stereo44)},
            {case: 'two results: the first is used', detail: describe(two)},
            {
              case: '404 on the result URL',
              detail: `${result404.length} answered 404; task read again, download retried`,
            },
            {
              case: 'truncated wav (cut in its data chunk)',
              detail: `${truncated.length} truncated; refused as incomplete, download retried`,
            },
          ],
          {
            run: 'L4 ×2',
            expectedExits: [1, 0],
            expectedPublished: [previousText ? 'previous' : 'none', 'new'],
          },
        );
        const [postRow, slowRow, shorterRow, longerRow, stereoRow, twoRow, notFoundRow, truncRow] = out;
        postRow.check(/segment 1\b/i.test(message), `run 1's error does not name the segment: ${message}`);
        postRow.check(
          /unknown/.test(message) && /--resubmit-unknown/.test(message),
          'the error does not say the outcome is unknown and how to submit again',
        );
        postRow.check(
          posts.length === submitsBefore + 1 && posts[0].status === 0,
          `POSTs: ${posts.map((p) => p.status).join(', ')}`,
        );
        postRow.check(
          newTasks.length === 1 && segOf(newTasks[0].taskId)?.index === 0,
          `run 2 created ${newTasks.length} tasks, expected 1 for segment 1`,
        );
        postRow.check(
          /submitting again as asked \(--resubmit-unknown\)/.test(second.log),
          'run 2 (--resubmit-unknown) did not warn about the unknown submit',
        );
        slowRow.check(
          journalAfterFirst.filter((s) => s === 'submitted').length === 2,
          `journal after run 1: ${journalAfterFirst.join(', ')}`,
        );
        slowRow.check(/did not complete within/.test(allErrors), 'no timeout reported in run 1');
        slowRow.check(
          /Segment [23]: .*did not complete/.test(allErrors),
          'the timeout error does not name its segment',
        );
        slowRow.check(resumed === 2, `run 2 resumed ${resumed} tasks`);
        for (const [r, x] of [
          [shorterRow, shorter],
          [longerRow, longer],
          [stereoRow, stereo44],
          [twoRow, two],
        ] as const) {
          r.check(x.task !== undefined && x.segment !== undefined, 'shape not exercised');
        }
        if (shorter.task && shorter.segment) {
          shorterRow.check(
            tailIsSilent(env.project.publicDir, shorter.segment, shorter.task),
            'tail not silent',
          );
        }
        if (two.task && two.segment) {
          const second2 = resultMatch(env.project.publicDir, two.segment, manifest!.fps, two.task, 1);
          twoRow.check(Math.abs(second2) < 0.2, `the second result was used too (r = ${second2.toFixed(3)})`);
        }
        stereoRow.check(stereo44.segment?.sampleRate === 48_000, 'not resampled to 48 kHz');
        notFoundRow.check(result404.length === 1, `${result404.length} 404s`);
        truncRow.check(truncated.length === 1, `${truncated.length} truncations`);
        for (const r of [notFoundRow, truncRow]) {
          r.check(/download failed/.test(second.log), 'no retried download in the log');
        }
        return out;
      },
    );
  }, 900_000);

  it(`all faults together at random (seed ${SEED})`, async () => {
    await recorded(['all at random'], async () => {
      const env = await newCase('a busy street market, voices, carts');
      const rand = createPrng(SEED, 1);
      const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
      const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
      const f = env.sim.faults;
      type Queued = () => void;
      const queued: {what: string; arm: Queued}[] = [];
      const add = (what: string, arm: Queued) => queued.push({what, arm});
      // Per kind at most 5 failures in a row (the client's retries of one request).
      for (let i = int(0, 2); i > 0; i--) {
        const ra = pick(['1', null]);
        add(`429${ra ? '+RA' : ''} POST`, () =>
          f.failNext(1, 429, {kind: 'submit', ...(ra ? {retryAfter: ra} : {})}),
        );
      }
      let polls = 0;
      let results = 0;
      for (let i = int(1, 3); i > 0; i--, polls++) {
        const ra = pick(['1', null]);
        add(`429${ra ? '+RA' : ''} poll`, () =>
          f.failNext(1, 429, {kind: 'poll', ...(ra ? {retryAfter: ra} : {})}),
        );
      }
      for (let i = int(1, 2); i > 0; i--) {
        const status = pick([500, 502, 503]);
        const kind = polls < 5 && rand() < 0.5 ? 'poll' : 'result';
        if (kind === 'poll') polls++;
        else results++;
        add(`${status} ${kind}`, () => f.failNext(1, status, {kind}));
      }
      for (const kind of ['poll', 'result'] as const) {
        if (rand() < 0.6 && (kind === 'poll' ? polls : results) < 4)
          add(`reset ${kind}`, () => f.dropNext(1, {kind}));
      }
      for (let i = queued.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [queued[i], queued[j]] = [queued[j], queued[i]];
      }
      for (const q of queued) q.arm();
      const extra: string[] = [];
      const n404 = int(0, 1);
      const nTrunc = int(0, 1);
      f.result404Next(n404);
      f.truncateResultNext(nTrunc);
      if (n404) extra.push('404 result');
      if (nTrunc) extra.push('truncated wav');
      let failuresLeft = int(1, 2);
      const failedVideos = new Set<string>();
      const shapes = [
        'normal',
        'shorter ×0.85',
        'longer +2 s',
        '44.1 kHz stereo',
        '16 kHz mono',
        'two results',
      ] as const;
      const webhookKnobs = [{}, {duplicate: true}, {wrongSecret: true}, {drop: true}];
      const applied: string[] = [];
      const setShape = () => {
        const shape = pick(shapes);
        applied.push(shape);
        f.resultDuration =
          shape === 'shorter ×0.85' ? {scale: 0.85} : shape === 'longer +2 s' ? {offsetSeconds: 2} : {};
        f.resultFormat =
          shape === '44.1 kHz stereo'
            ? {sampleRate: 44_100, channels: 2}
            : shape === '16 kHz mono'
              ? {sampleRate: 16_000, channels: 1}
              : null;
        f.resultCount = shape === 'two results' ? 2 : 1;
        f.setTaskLatency(int(4000, 8000));
        f.webhook = pick(webhookKnobs);
      };
      setShape();
      onEveryTask(env.sim, (task) => {
        setShape();
        if (failuresLeft > 0 && !failedVideos.has(task.videoSha256) && rand() < 0.4) {
          failuresLeft--;
          failedVideos.add(task.videoSha256);
          return true;
        }
        return false;
      });
      const port = await freePort();
      const states: PublishedState[] = [];
      const run = await runLibrary(env, {
        maxSegmentSeconds: 20,
        webhook: {url: `http://127.0.0.1:${port}/`, listen: `127.0.0.1:${port}`, secret: SECRET},
        client: {pollIntervalMs: {min: 250, max: 2000}},
      });
      afterRun(env, states);
      const summary = await summarize(env, [run], states, null);
      const consumed = env.sim.requests.filter((r) => r.fault).map((r) => `${r.fault} ${r.kind}`);
      const deliveries = env.sim.webhookDeliveries;
      const [row] = rowsFor(
        summary,
        [
          {
            case: `all together at random (seed ${SEED}), 7 segments, webhooks on, task latency 4–8 s`,
            detail:
              `queued: ${queued.map((q) => q.what).join(', ')}${extra.length ? `, ${extra.join(', ')}` : ''}; ` +
              `injected: ${consumed.length} request faults, ${failedVideos.size} task failure(s); shapes: ${applied.join(', ')}; ` +
              `webhook calls: ${deliveries.filter((d) => !d.dropped && !d.wrongSecret).length} delivered, ${deliveries.filter((d) => d.wrongSecret).length} wrong secret, ${deliveries.filter((d) => d.dropped).length} dropped`,
          },
        ],
        {run: 'L5', expectedExits: [0], expectedPublished: ['new']},
      );
      row.check(
        consumed.length === queued.length + n404 + nTrunc,
        `${consumed.length} faults injected of ${queued.length + n404 + nTrunc} queued`,
      );
      row.check(
        (summary.manifest?.segments.length ?? 0) === 7,
        `${summary.manifest?.segments.length} segments`,
      );
      return [row];
    });
  }, 900_000);

  it('SIGKILL at seeded random points (frame pass, after submits, while downloading, while publishing), then the same command again', async () => {
    await recorded(['SIGKILL chain'], async () => {
      const sim = await startSimulator({apiKey: KEY, taskLatencyMs: 800});
      sims.push(sim);
      const project = makeTempProject();
      projects.push(project);
      mkdirSync(path.join(project.dir, 'tmp'));
      const previousText = firstPublicDir ? seedPublished(firstPublicDir, project.publicDir, ID) : null;
      const chain = await runKillChain({
        sim,
        project,
        previousText,
        seed: SEED,
        key: KEY,
        secret: SECRET,
        props: PROPS,
        compositionId: ID,
        logDir: path.join(ROOT, 'test/artifacts/faults-logs'),
      });
      return chain;
    });
  }, 1_500_000);
});
