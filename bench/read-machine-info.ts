import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type MachineInfo = {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryMb: number;
  platform: string;
  kernel: string;
  node: string;
  chromium: string | null;
  remotion: string;
  /** 1, 5 and 15 minute load averages when the bench started: other work on the machine. */
  loadAverageAtStart: number[];
};

const chromiumVersion = (executable: string | null): string | null => {
  if (!executable) return null;
  try {
    // Debian's wrapper script may print shell warnings on stderr; the version is on stdout.
    return execFileSync(executable, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
};

export const readMachineInfo = (options: {root: string; browserExecutable: string | null}): MachineInfo => {
  const cpus = os.cpus();
  const remotion = JSON.parse(
    readFileSync(path.join(options.root, 'node_modules/remotion/package.json'), 'utf8'),
  ) as {version: string};
  return {
    date: new Date().toISOString(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryMb: Math.round(os.totalmem() / 1e6),
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    node: process.version,
    chromium: chromiumVersion(options.browserExecutable),
    remotion: remotion.version,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
};
