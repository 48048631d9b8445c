import {readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import type {Manifest} from '../../../src/react/manifest.ts';
import type {SimulatedTask, Simulator} from '../../../src/simulator/index.ts';
import {simulatedSignal} from '../../../src/simulator/index.ts';
import {locate, readSegmentWav, SAMPLE_RATE} from '../../integration/helpers/audio-analysis.ts';
import {decodeAudio} from '../../integration/helpers/project.ts';

/** Where any of `secrets` occurs: in the given texts (by label) or in any file below `dirs`. */
export const findSecrets = (secrets: string[], texts: Record<string, string>, dirs: string[]): string[] => {
  const found: string[] = [];
  const needles = secrets.filter((s) => s.length > 0).map((s) => Buffer.from(s));
  for (const [label, text] of Object.entries(texts)) {
    for (const needle of needles) if (text.includes(needle.toString())) found.push(label);
  }
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      let stat: ReturnType<typeof statSync>;
      try {
        stat = statSync(file);
      } catch {
        continue;
      }
      if (stat.isDirectory()) walk(file);
      else if (stat.isFile()) {
        const bytes = readFileSync(file);
        for (const needle of needles) if (bytes.includes(needle)) found.push(file);
      }
    }
  };
  for (const dir of dirs) walk(dir);
  return [...new Set(found)];
};

/** CPU seconds this process and its reaped children (browser, ffmpeg, CLI runs) have used so far. */
export const cpuSeconds = (): number => {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3, utime/stime/cutime/cstime are fields 14–17 (1-based).
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks / 100;
};

export type SegmentTasks = {
  /** Tasks the service created for each segment (index = segment index), over every run so far. */
  perSegment: number[];
  /** Of those, how many ended `failed`. */
  failedPerSegment: number[];
  /** Tasks whose video belongs to no segment of the manifest. */
  unmapped: number;
};

/**
 * Groups the simulator's tasks by the segment they were for. A segment's proxy is the same video in
 * every run, so the video hash of the task the manifest names identifies all tasks of that segment.
 */
export const tasksPerSegment = (sim: Simulator, manifest: Manifest): SegmentTasks => {
  const tasks = [...sim.tasks.values()];
  const byId = new Map(tasks.map((t) => [t.taskId, t]));
  const segmentOfVideo = new Map<string, number>();
  for (const segment of manifest.segments) {
    const task = byId.get(segment.taskId);
    if (task) segmentOfVideo.set(task.videoSha256, segment.index);
  }
  const perSegment = manifest.segments.map(() => 0);
  const failedPerSegment = manifest.segments.map(() => 0);
  let unmapped = 0;
  for (const task of tasks) {
    const index = segmentOfVideo.get(task.videoSha256);
    if (index === undefined) {
      unmapped++;
      continue;
    }
    perSegment[index]++;
    if (task.status === 'failed') failedPerSegment[index]++;
  }
  return {perSegment, failedPerSegment, unmapped};
};

/** The task of `sim` a manifest segment names. */
export const taskOf = (sim: Simulator, taskId: string): SimulatedTask | undefined => sim.tasks.get(taskId);

const correlation = (a: Float32Array, b: Float32Array, from: number, to: number): number => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = from; i < to; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
};

/**
 * How well a published wav matches the result the service made for its task (result `variant`, default
 * the first), over the part of the segment the result covered, fades excluded.
 */
export const resultMatch = (
  publicDir: string,
  segment: Manifest['segments'][number],
  fps: number,
  task: SimulatedTask,
  variant = 0,
): number => {
  const wav = readSegmentWav(publicDir, segment.src);
  const expected = simulatedSignal({
    videoSha256: task.videoSha256,
    prompt: task.prompt,
    seed: task.seed,
    variant,
    durationInSeconds: segment.durationInSeconds,
    sweepSeconds: task.durationInSeconds,
    sampleRate: SAMPLE_RATE,
    channels: 1,
  }).channels[0];
  const covered = Math.min(segment.durationInSeconds, task.resultSpec.durationInSeconds);
  const from = Math.round((segment.fadeInFrames / fps) * SAMPLE_RATE);
  const to = Math.round((covered - segment.fadeOutFrames / fps) * SAMPLE_RATE);
  return correlation(wav, expected, from, Math.min(to, wav.length, expected.length));
};

/** Samples past a result's end that must be silent (a shorter result is padded, never stretched). */
export const tailIsSilent = (
  publicDir: string,
  segment: Manifest['segments'][number],
  task: SimulatedTask,
): boolean => {
  const wav = readSegmentWav(publicDir, segment.src);
  const from = Math.ceil(task.resultSpec.durationInSeconds * SAMPLE_RATE) + 1;
  for (let i = from; i < wav.length; i++) if (wav[i] !== 0) return false;
  return true;
};

export type Placement = {index: number; offsetFrames: number; offsetMs: number; correlation: number};

/**
 * Finds each segment of the manifest in the final mp4's audio, as `segmentPlacements` of the integration
 * helpers does, with a shorter excerpt (0.25 s) and a search of ±1.5 frames: at 1 fps its ±3-frame
 * search of a 1 s excerpt costs seconds per segment. A segment misplaced by a frame or more has its
 * true peak outside the search and shows a low correlation, so "offset ≤ 1 frame and correlation
 * > 0.9" still proves placement within one frame.
 */
export const placeSegments = async (
  mp4: string,
  manifest: Manifest,
  publicDir: string,
): Promise<Placement[]> => {
  const mix = (await decodeAudio(mp4)).channels[0];
  const samplesPerFrame = SAMPLE_RATE / manifest.fps;
  return manifest.segments.map((segment) => {
    const wav = readSegmentWav(publicDir, segment.src);
    const start = Math.round((segment.startFrame / manifest.fps) * SAMPLE_RATE);
    const from = Math.round(segment.fadeInFrames * samplesPerFrame + SAMPLE_RATE / 4);
    const excerpt = wav.subarray(from, from + SAMPLE_RATE / 4);
    const found = locate(mix, excerpt, start + from, Math.ceil(1.5 * samplesPerFrame));
    return {
      index: segment.index,
      offsetFrames: found.offset / samplesPerFrame,
      offsetMs: (found.offset / SAMPLE_RATE) * 1000,
      correlation: found.correlation,
    };
  });
};
