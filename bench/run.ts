// `npm run bench`: what generated sound costs beyond the render users already pay for.
// See bench/README.md for what is measured and how to read it.
import {randomBytes} from 'node:crypto';
import {cpSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {bundle} from '@remotion/bundler';
import {MMAudioError} from '../src/errors.ts';
import {createLogger} from '../src/log.ts';
import type {GenerateProgress} from '../src/pipeline/options.ts';
import {renderWithAudio} from '../src/pipeline/render/render-with-audio.ts';
import {defaultExtensionFor} from '../src/pipeline/render-settings.ts';
import {resolveBrowser} from '../src/pipeline/resolve-browser.ts';
import {manifestFolder} from '../src/react/manifest.ts';
import {type Simulator, startSimulator} from '../src/simulator/index.ts';
import {type BenchComposition, benchCompositions} from './bench-compositions.ts';
import {BENCH_USAGE, type BenchArgs, parseBenchArgs} from './parse-bench-args.ts';
import {AUDIO_TRACK_RATE, bestLag, differenceRms, readAudioTrack, rms} from './read-audio-track.ts';
import {readMachineInfo} from './read-machine-info.ts';
import {renderNaive} from './render-naive.ts';
import {renderPlain} from './render-plain.ts';
import {type ProcessTreeSampler, sampleProcessTree} from './sample-process-tree.ts';
import {type Summary, summarizeTree} from './summarize-runs.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const ENTRY = path.join(ROOT, 'remotion/index.ts');

type VariantName = 'bare' | 'plain' | 'cold' | 'warm' | 'naive';

type Measured = {
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
  peakProcesses: number;
  /** Average cores busy with other work on the machine during the variant (noise). */
  otherCores: number;
  details: Record<string, unknown>;
  error?: string;
};

type CompositionRun = {
  run: number;
  variants: Partial<Record<VariantName, Measured>>;
  ratios: Record<string, number>;
  /** Flat numbers per run, summarised over runs (min, median). */
  measures: Record<string, Record<string, number>>;
};

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** Runs one variant inside a measurement window: wall time, CPU of the process tree, peak RSS, noise. */
const measure = async (
  sampler: ProcessTreeSampler,
  label: string,
  fn: (markStage: (stage: string) => void) => Promise<Record<string, unknown>>,
): Promise<Measured> => {
  log(`${label}: start`);
  const window = sampler.begin();
  const t0 = performance.now();
  // CPU time of the process tree per stage: wall time per stage is at the mercy of other work.
  const marks: {stage: string; cpuMs: number}[] = [];
  const markStage = (stage: string) => {
    if (marks.at(-1)?.stage !== stage) marks.push({stage, cpuMs: sampler.cpuMs()});
  };
  let details: Record<string, unknown> = {};
  let error: string | undefined;
  try {
    details = await fn(markStage);
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  const wallMs = Math.round(performance.now() - t0);
  const endCpu = sampler.cpuMs();
  const w = window.end();
  if (marks.length > 0) {
    const stageCpuMs: Record<string, number> = {};
    marks.forEach((m, i) => {
      const next = marks[i + 1]?.cpuMs ?? endCpu;
      stageCpuMs[m.stage] = (stageCpuMs[m.stage] ?? 0) + Math.round(next - m.cpuMs);
    });
    details.stageCpuMs = stageCpuMs;
  }
  const measured: Measured = {
    wallMs,
    cpuMs: w.cpuMs,
    peakRssMb: w.peakRssMb,
    peakProcesses: w.peakProcesses,
    otherCores: round(w.otherCpuMs / Math.max(1, wallMs), 2),
    details,
    ...(error ? {error} : {}),
  };
  log(
    `${label}: ${error ? `FAILED (${error})` : 'done'} in ${seconds(wallMs)}, CPU ${seconds(w.cpuMs)}, peak ${w.peakRssMb} MB, other work ${measured.otherCores} cores`,
  );
  return measured;
};

/** Logs stage changes of a renderWithAudio run, so a long run can be followed. */
const progressLogger = (label: string, markStage: (stage: string) => void) => {
  let stage = '';
  let tenth = -1;
  return (p: GenerateProgress) => {
    markStage(p.stage);
    const t = p.totalFrames ? Math.floor((10 * p.renderedFrames) / p.totalFrames) : 0;
    if (p.stage !== stage || (p.stage === 'rendering' && t !== tenth)) {
      stage = p.stage;
      tenth = t;
      log(
        `${label}: ${p.stage}, ${p.renderedFrames}/${p.totalFrames} frames, ${p.segmentsDone}/${p.segmentsTotal} segments`,
      );
    }
  };
};

/** Logs every tenth of a render's frames. */
const framesLogger = (label: string) => {
  const last = new Map<string, number>();
  return (pass: string, renderedFrames: number, totalFrames: number) => {
    const tenth = totalFrames ? Math.floor((10 * renderedFrames) / totalFrames) : 0;
    if (last.get(pass) === tenth) return;
    last.set(pass, tenth);
    log(`${label}: ${pass} ${renderedFrames}/${totalFrames} frames`);
  };
};

const makeProject = (dir: string) => {
  const publicDir = path.join(dir, 'public');
  cpSync(path.join(ROOT, 'public'), publicDir, {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}mmaudio`),
  });
  const stateDir = path.join(dir, 'state');
  const outDir = path.join(dir, 'out');
  mkdirSync(stateDir);
  mkdirSync(outDir);
  return {publicDir, stateDir, outDir};
};

const simulatorStats = (sim: Simulator) => ({
  requests: sim.requests.length,
  submits: sim.requests.filter((r) => r.kind === 'submit').length,
  rateLimited: sim.requests.filter((r) => r.status === 429).length,
});

/**
 * A sanity check on the outputs, not a speed measure: the RMS of each output's audio, and how far it is
 * from the plain render's. `bare` has no generated layer, `plain` and ours play the same layers (close),
 * `naive` plays other wavs (its proxies differ). Without it, a baseline that silently lost its layers
 * would look like a fine baseline.
 */
const compareAudio = async (
  variants: CompositionRun['variants'],
  outDir: string,
  extension: string,
): Promise<void> => {
  const tracks = new Map<string, Float32Array>();
  for (const [name, m] of Object.entries(variants)) {
    if (!m || m.error) continue;
    try {
      tracks.set(name, await readAudioTrack(path.join(outDir, `${name}.${extension}`)));
    } catch (err) {
      log(
        `could not read the audio of ${name}.${extension}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  const plain = tracks.get('plain');
  for (const [name, track] of tracks) {
    const m = variants[name as VariantName]!;
    const lag = plain && name !== 'plain' ? bestLag(track, plain) : 0;
    m.details.audio = {
      seconds: round(track.length / AUDIO_TRACK_RATE, 3),
      rms: round(rms(track), 4),
      ...(plain && name !== 'plain'
        ? {
            lagVsPlainMs: round((1000 * lag) / AUDIO_TRACK_RATE, 2),
            differenceRmsVsPlain: round(differenceRms(track, plain, lag), 4),
          }
        : {}),
    };
  }
};

const measureComposition = async (options: {
  comp: BenchComposition;
  run: number;
  args: BenchArgs;
  serveUrl: string;
  workDir: string;
  sampler: ProcessTreeSampler;
  apiKey: string;
}): Promise<CompositionRun> => {
  const {comp, run, args, serveUrl, sampler, apiKey} = options;
  const dir = path.join(options.workDir, `${comp.name}-run${run}`);
  mkdirSync(dir, {recursive: true});
  const project = makeProject(dir);
  const bundlePublicDir = path.join(serveUrl, 'public');
  const cacheDir = path.join(dir, 'cache');
  const variants: CompositionRun['variants'] = {};
  const label = (v: VariantName) => `${comp.name} run ${run} ${v}`;
  const plainOptions = (v: VariantName) => {
    const frames = framesLogger(label(v));
    return {
      serveUrl,
      compositionId: comp.compositionId,
      inputProps: comp.inputProps,
      outputLocation: path.join(project.outDir, `${v}.${defaultExtensionFor(args.codec, null)}`),
      concurrency: args.concurrency,
      codec: args.codec,
      scale: args.scale,
      onProgress: (rendered: number, total: number) => frames('render', rendered, total),
    };
  };
  // The API's address is part of every cache key (the service that made the audio): the warm run's
  // simulator listens where the cold run's did, or none of its segments would be found in the cache.
  let simulatorPort = 0;
  const ours = async (v: 'cold' | 'warm') => {
    const sim = await startSimulator({apiKey, taskLatencyMs: args.latencyMs, port: simulatorPort});
    simulatorPort = Number(new URL(sim.url).port);
    try {
      const measured = await measure(sampler, label(v), async (markStage) => {
        const result = await renderWithAudio({
          serveUrl,
          compositionId: comp.compositionId,
          inputProps: comp.inputProps,
          ...(comp.prompt ? {prompt: comp.prompt} : {}),
          ...(comp.maxSegmentSeconds ? {maxSegmentSeconds: comp.maxSegmentSeconds} : {}),
          backend: 'qubico',
          apiKey,
          baseUrl: sim.url,
          publicDir: project.publicDir,
          cacheDir,
          client: {dailyQuota: {directory: project.stateDir}},
          concurrency: args.concurrency,
          codec: args.codec,
          scale: args.scale,
          outputLocation: path.join(project.outDir, `${v}.${defaultExtensionFor(args.codec, null)}`),
          logger: createLogger({level: 'warn'}),
          onProgress: progressLogger(label(v), markStage),
        });
        return {
          timings: result.timings,
          proxyBytesPerSecond: Math.round(result.proxyBytesPerSecond),
          renderedFrames: result.renderedFrames,
          segments: result.segments.length,
          cachedSegments: result.segments.filter((s) => s.cached).length,
          billedSeconds: round(result.billedSeconds),
          outputBytes: statSync(result.outputLocation).size,
          audioMode: result.audioMode,
          audioPassReason: result.audioPassReason,
        };
      });
      measured.details.simulator = simulatorStats(sim);
      return measured;
    } finally {
      await sim.close();
    }
  };

  if (comp.bareBaselinePossible) {
    // No manifest in the bundle: the plain render has no generated layer at all.
    rmSync(path.join(bundlePublicDir, manifestFolder(comp.compositionId)), {recursive: true, force: true});
    variants.bare = await measure(sampler, label('bare'), async (markStage) => ({
      ...(await renderPlain({...plainOptions('bare'), onStage: markStage})),
    }));
  }
  variants.cold = await ours('cold');
  if (!variants.cold.error) {
    // The manifest of the cold run is now in the bundle: the plain render plays its layers.
    variants.plain = await measure(sampler, label('plain'), async (markStage) => ({
      ...(await renderPlain({...plainOptions('plain'), readManifestFromBundle: true, onStage: markStage})),
    }));
    variants.warm = await ours('warm');
    const {segments, cachedSegments} = variants.warm.details as {segments?: number; cachedSegments?: number};
    if (!variants.warm.error && cachedSegments !== segments) {
      log(
        `${label('warm')}: only ${cachedSegments} of ${segments} segments came from the cache: not a warm run`,
      );
    }
  }
  const sim = args.skipNaive ? null : await startSimulator({apiKey, taskLatencyMs: args.latencyMs});
  if (sim) {
    try {
      variants.naive = await measure(sampler, label('naive'), async (markStage) => ({
        ...(await renderNaive({
          onStage: markStage,
          ...plainOptions('naive'),
          onProgress: framesLogger(label('naive')),
          bundlePublicDir,
          publicDir: project.publicDir,
          prompt: comp.prompt,
          maxSegmentSeconds: comp.maxSegmentSeconds,
          apiKey,
          baseUrl: sim.url,
          cacheDir: path.join(dir, 'naive-cache'),
          stateDir: project.stateDir,
          workDir: dir,
        })),
      }));
      variants.naive.details.simulator = simulatorStats(sim);
    } finally {
      await sim.close();
    }
  }
  await compareAudio(variants, project.outDir, defaultExtensionFor(args.codec, null));
  rmSync(dir, {recursive: true, force: true});

  const ok = (v: VariantName) => (variants[v] && !variants[v].error ? variants[v] : undefined);
  const ratios: Record<string, number> = {};
  const ratio = (name: string, a: VariantName, b: VariantName, key: 'wallMs' | 'cpuMs') => {
    const x = ok(a);
    const y = ok(b);
    if (x && y) ratios[name] = round(x[key] / y[key]);
  };
  ratio('coldVsPlain', 'cold', 'plain', 'wallMs');
  ratio('warmVsPlain', 'warm', 'plain', 'wallMs');
  ratio('naiveVsPlain', 'naive', 'plain', 'wallMs');
  ratio('plainVsBare', 'plain', 'bare', 'wallMs');
  ratio('coldVsBare', 'cold', 'bare', 'wallMs');
  ratio('warmVsBare', 'warm', 'bare', 'wallMs');
  ratio('coldVsPlainCpu', 'cold', 'plain', 'cpuMs');
  ratio('warmVsPlainCpu', 'warm', 'plain', 'cpuMs');
  ratio('naiveVsPlainCpu', 'naive', 'plain', 'cpuMs');

  const measures: CompositionRun['measures'] = {ratios};
  for (const [name, m] of Object.entries(variants) as [VariantName, Measured][]) {
    if (m.error) continue;
    const audio = m.details.audio as
      | {rms: number; differenceRmsVsPlain?: number; lagVsPlainMs?: number}
      | undefined;
    measures[name] = {
      wallMs: m.wallMs,
      cpuMs: m.cpuMs,
      peakRssMb: m.peakRssMb,
      otherCores: m.otherCores,
      ...(audio ? {audioRms: audio.rms} : {}),
      ...(audio?.differenceRmsVsPlain !== undefined
        ? {audioDifferenceRmsVsPlain: audio.differenceRmsVsPlain}
        : {}),
    };
    const t = m.details.timings as Record<string, number> | undefined;
    if ((name === 'cold' || name === 'warm') && t) {
      const staged = t.bundleMs + t.framePassMs + t.waitAfterFramesMs + t.publishMs + t.audioPassMs + t.muxMs;
      measures[`${name}Profile`] = {
        openMs: t.bundleMs,
        framePassMs: t.framePassMs,
        waitAfterFramesMs: t.waitAfterFramesMs,
        publishMs: t.publishMs,
        audioPassMs: t.audioPassMs,
        muxMs: t.muxMs,
        otherMs: m.wallMs - staged,
      };
      measures[name].proxyKBPerSecond = round((m.details.proxyBytesPerSecond as number) / 1000, 1);
    }
    if (name === 'naive' && t) {
      measures.naiveProfile = {...t};
      measures.naive.proxyKBPerSecond = round((m.details.proxyBytesPerSecond as number) / 1000, 1);
    }
    const cpu = m.details.stageCpuMs as Record<string, number> | undefined;
    if (cpu) {
      // renderWithAudio's progress stages, named as in its timings.
      const ourStages: Record<string, string> = {
        bundling: 'openMs',
        rendering: 'framePassMs',
        generating: 'waitAfterFramesMs',
        publishing: 'publishMs',
        audio: 'audioPassMs',
        muxing: 'muxMs',
        done: 'otherMs',
      };
      const named: Record<string, number> = {};
      for (const [stage, ms] of Object.entries(cpu)) {
        const key = name === 'cold' || name === 'warm' ? (ourStages[stage] ?? `${stage}Ms`) : `${stage}Ms`;
        named[key] = (named[key] ?? 0) + ms;
      }
      measures[`${name}StageCpu`] = named;
    }
  }
  return {run, variants, ratios, measures};
};

type CompositionResult = {
  name: string;
  compositionId: string;
  inputProps: Record<string, unknown>;
  runs: CompositionRun[];
  summary: Record<string, unknown>;
};

const fmt = (s: Summary | undefined, scale = 1, digits = 2) =>
  s ? `${(s.min / scale).toFixed(digits)} / ${(s.median / scale).toFixed(digits)}` : '—';

const printTable = (comp: CompositionResult, args: BenchArgs) => {
  const s = comp.summary as Record<string, Record<string, Summary>>;
  const runs = comp.runs.length;
  const lines: string[] = [];
  const row = (name: string, value: string) => lines.push(`  ${name.padEnd(44)}${value}`);
  lines.push('');
  const cold = comp.runs.find((run) => run.variants.cold && !run.variants.cold.error)?.variants.cold?.details;
  const shape = cold ? `, ${cold.renderedFrames} frames, ${cold.segments} segments` : '';
  lines.push(
    `${comp.name} (${comp.compositionId}${shape}), ${runs} run${runs === 1 ? '' : 's'}, API latency ${args.latencyMs} ms — min / median`,
  );
  const r = s.ratios ?? {};
  row('(2) ours cold / (1) plain', fmt(r.coldVsPlain));
  row('(2) ours warm / (1) plain', fmt(r.warmVsPlain));
  row('(3) naive / (1) plain', fmt(r.naiveVsPlain));
  if (r.plainVsBare) {
    row('plain with layers / bare plain', fmt(r.plainVsBare));
    row('ours cold / bare plain', fmt(r.coldVsBare));
    row('ours warm / bare plain', fmt(r.warmVsBare));
  }
  row(
    'CPU time: cold / warm / naive vs plain',
    `${fmt(r.coldVsPlainCpu)}  |  ${fmt(r.warmVsPlainCpu)}  |  ${fmt(r.naiveVsPlainCpu)}`,
  );
  row(
    'wait not hidden, cold / warm (s)',
    `${fmt(s.coldProfile?.waitAfterFramesMs, 1000, 1)}  |  ${fmt(s.warmProfile?.waitAfterFramesMs, 1000, 1)}`,
  );
  row('naive generation wait (s)', fmt(s.naiveProfile?.generationMs, 1000, 1));
  row('proxy kB per video-second (ours)', fmt(s.cold?.proxyKBPerSecond, 1, 1));
  const variants: VariantName[] = ['bare', 'plain', 'cold', 'warm', 'naive'];
  for (const [title, key, scale, digits] of [
    ['wall (s)', 'wallMs', 1000, 1],
    ['peak RSS of the process tree (MB)', 'peakRssMb', 1, 0],
    ['CPU time of the process tree (s)', 'cpuMs', 1000, 1],
    ['other work on the machine (cores)', 'otherCores', 1, 2],
    ['audio RMS (sanity: generated layers present)', 'audioRms', 1, 4],
    ['audio RMS of the difference to plain (aligned)', 'audioDifferenceRmsVsPlain', 1, 4],
    ['plain render audio later than this by (ms)', 'audioLagVsPlainMs', 1, 1],
  ] as const) {
    lines.push(`  ${title}`);
    for (const v of variants) if (s[v]?.[key]) row(`    ${v}`, fmt(s[v][key], scale, digits));
  }
  for (const [title, wallKey, cpuKey] of [
    ['stage profile, ours cold: wall s  |  CPU s', 'coldProfile', 'coldStageCpu'],
    ['stage profile, ours warm: wall s  |  CPU s', 'warmProfile', 'warmStageCpu'],
    ['stage profile, naive: wall s  |  CPU s', 'naiveProfile', 'naiveStageCpu'],
    ['stage profile, plain: CPU s', null, 'plainStageCpu'],
    ['stage profile, bare: CPU s', null, 'bareStageCpu'],
  ] as const) {
    const wall = wallKey ? s[wallKey] : undefined;
    const cpu = s[cpuKey];
    if (!wall && !cpu) continue;
    lines.push(`  ${title}`);
    for (const stage of new Set([...Object.keys(wall ?? {}), ...Object.keys(cpu ?? {})])) {
      const cpuText = fmt(cpu?.[stage], 1000, 1);
      row(
        `    ${stage.replace(/Ms$/, '')}`,
        wallKey ? `${fmt(wall?.[stage], 1000, 1)}  |  ${cpuText}` : cpuText,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
};

const main = async (): Promise<number> => {
  // The fleet bench is its own experiment (many CLI processes, one key): bench/fleet.ts.
  if (process.argv.includes('--fleet'))
    return (await import('./fleet.ts')).runFleetBench(process.argv.slice(2));
  const args = parseBenchArgs(process.argv.slice(2), {output: path.join(ROOT, 'bench/results.json')});
  if (args.help) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return 0;
  }
  const comps = args.only
    ? benchCompositions.filter((c) => c.name === args.only)
    : benchCompositions.filter((c) => c.quick === args.quick);
  if (comps.length === 0) {
    throw new MMAudioError(
      `--only ${args.only}: no such composition. Choose one of ${benchCompositions.map((c) => c.name).join(', ')}.`,
    );
  }
  const browser = resolveBrowser({});
  const machine = readMachineInfo({root: ROOT, browserExecutable: browser.browserExecutable});
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'mmaudio-bench-'));
  const onSignal = () => {
    rmSync(workDir, {recursive: true, force: true});
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const sampler = sampleProcessTree({intervalMs: 200});
  // A throwaway key for the local simulator; never printed.
  const apiKey = `bench-${randomBytes(16).toString('hex')}`;
  const startedAt = new Date().toISOString();
  try {
    log(
      `machine: ${machine.cpus} CPUs, node ${machine.node}, ${machine.chromium ?? 'no system Chromium'}, load ${machine.loadAverageAtStart.join(' ')}`,
    );
    const publicSource = makeProject(path.join(workDir, 'bundle-project')).publicDir;
    const tBundle = Date.now();
    const serveUrl = await bundle({entryPoint: ENTRY, publicDir: publicSource});
    const bundleMs = Date.now() - tBundle;
    log(`bundled in ${seconds(bundleMs)}`);
    for (const comp of comps) {
      // Untimed: brings Chromium, the bundle and the encoder into memory so the first variant is not penalised.
      await renderPlain({
        serveUrl,
        compositionId: comp.compositionId,
        inputProps: comp.inputProps,
        outputLocation: path.join(workDir, 'warm-up.mp4'),
        concurrency: args.concurrency,
        warmUp: true,
      });
    }
    log('warmed up');

    const results: CompositionResult[] = comps.map((c) => ({
      name: c.name,
      compositionId: c.compositionId,
      inputProps: c.inputProps,
      runs: [],
      summary: {},
    }));
    const write = (finishedAt: string | null) => {
      for (const r of results) r.summary = summarizeTree(r.runs.map((run) => run.measures));
      writeFileSync(
        args.output,
        `${JSON.stringify(
          {
            version: 1,
            startedAt,
            finishedAt,
            machine,
            options: {
              runs: args.runs,
              quick: args.quick,
              only: args.only,
              latencyMs: args.latencyMs,
              concurrency: args.concurrency,
              codec: args.codec,
              scale: args.scale,
            },
            bundleMs,
            compositions: results,
          },
          null,
          2,
        )}\n`,
      );
    };
    // Variants interleaved within each run (and compositions within a run), so drift affects all alike.
    for (let run = 1; run <= args.runs; run++) {
      for (const [i, comp] of comps.entries()) {
        results[i].runs.push(await measureComposition({comp, run, args, serveUrl, workDir, sampler, apiKey}));
        write(null);
      }
    }
    write(new Date().toISOString());
    process.stdout.write(
      `\nremotion-mmaudio bench — ${machine.date}, ${machine.cpus} CPUs (${machine.cpuModel}), node ${machine.node}, ${machine.chromium}, Remotion ${machine.remotion}\n`,
    );
    for (const r of results) printTable(r, args);
    process.stdout.write(`\nFull results: ${path.relative(process.cwd(), args.output) || args.output}\n`);
    const failed = results.flatMap((r) =>
      r.runs.flatMap((run) => Object.values(run.variants).filter((v) => v?.error)),
    );
    return failed.length > 0 ? 1 : 0;
  } finally {
    sampler.stop();
    rmSync(workDir, {recursive: true, force: true});
  }
};

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof MMAudioError ? err.exitCode : 1);
  },
);
