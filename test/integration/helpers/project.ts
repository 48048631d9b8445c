import {spawn} from 'node:child_process';
import {cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {bundle} from '@remotion/bundler';
import {runFf} from '../../../src/media/ffmpeg.ts';
import {type AudioData, decodeWav} from '../../../src/wav/wav.ts';

export const ROOT = path.resolve(import.meta.dirname, '../../..');
export const ENTRY = path.join(ROOT, 'remotion/index.ts');
export const BIN = path.join(ROOT, 'bin/remotion-mmaudio.js');

let bundled: Promise<string> | null = null;

/** Bundles the demo project once per test file (the audio pass reuses the bundle, as the pipeline does). */
export const bundleTestProject = (): Promise<string> => {
  bundled ??= bundle({entryPoint: ENTRY, publicDir: path.join(ROOT, 'public')});
  return bundled;
};

export type TempProject = {
  dir: string;
  publicDir: string;
  cacheDir: string;
  /** Daily request counter directory (REMOTION_MMAUDIO_STATE_DIR). */
  stateDir: string;
  cleanup: () => void;
};

/** A throwaway project folder: a copy of public/ (without generated audio), a cache dir and a state dir. */
export const makeTempProject = (): TempProject => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mmaudio-project-'));
  const publicDir = path.join(dir, 'public');
  cpSync(path.join(ROOT, 'public'), publicDir, {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}mmaudio`),
  });
  const cacheDir = path.join(dir, '.mmaudio-cache');
  const stateDir = path.join(dir, 'state');
  mkdirSync(stateDir);
  return {dir, publicDir, cacheDir, stateDir, cleanup: () => rmSync(dir, {recursive: true, force: true})};
};

/** The CLI flags that point a command at a temp project's public folder and cache. */
export const projectDirArgs = (project: Pick<TempProject, 'publicDir' | 'cacheDir'>): string[] => [
  '--public-dir',
  project.publicDir,
  '--cache-dir',
  project.cacheDir,
];

export type TestTimelineProps = {
  durationInSeconds: number;
  fps: number;
  width: number;
  height: number;
  variant: number;
  variantFrom: number;
  variantTo: number;
  ownAudio: boolean;
};

export const testTimelineProps = (overrides: Partial<TestTimelineProps> = {}): TestTimelineProps => ({
  durationInSeconds: 30,
  fps: 5,
  width: 160,
  height: 90,
  variant: 0,
  variantFrom: 0,
  variantTo: 0,
  ownAudio: false,
  ...overrides,
});

/** The audio track of a media file, decoded by the bundled ffmpeg to 48 kHz float channels. */
export const decodeAudio = async (file: string, options: {channels?: number} = {}): Promise<AudioData> => {
  const {stdout} = await runFf('ffmpeg', [
    '-i',
    file,
    '-vn',
    '-ac',
    String(options.channels ?? 1),
    '-ar',
    '48000',
    '-c:a',
    'pcm_s16le',
    '-f',
    'wav',
    '-',
  ]);
  return decodeWav(new Uint8Array(stdout));
};

/** Every file below `dir` with its size: to prove nothing was written. */
export const listFiles = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(`${path.relative(dir, p)}:${statSync(p).size}`);
    }
  };
  walk(dir);
  return out.sort();
};

export type CliRun = {code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string};

/** Runs the real CLI bin in a child process. */
export const runCli = (
  args: string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    onStdout?: (chunk: string) => void;
    timeoutMs?: number;
  } = {},
): {done: Promise<CliRun>; kill: () => void; pid: number | undefined} => {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: {...process.env, ...options.env},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    options.onStdout?.(d.toString());
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => {
    if (child.pid) killTree(child.pid);
  }, options.timeoutMs ?? 600_000);
  const done = new Promise<CliRun>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({code, signal, stdout, stderr});
    });
  });
  return {
    done,
    kill: () => {
      if (child.pid) killTree(child.pid);
    },
    pid: child.pid,
  };
};

/** Pids of every descendant of `pid` (children first found through /proc/<pid>/stat's ppid). */
export const descendantsOf = (pid: number): number[] => {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name (field 2) may contain spaces and parentheses: ppid is the 2nd field after its ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(name), ppid);
    } catch {
      // Exited meanwhile.
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
};

/**
 * SIGKILLs a process and everything it started (the browser, ffmpeg), as a power cut would: nothing gets
 * to clean up.
 */
export const killTree = (pid: number): void => {
  const all = [pid, ...descendantsOf(pid)];
  for (const p of all) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
};
