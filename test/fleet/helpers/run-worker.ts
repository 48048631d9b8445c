import {type ChildProcess, spawn} from 'node:child_process';
import path from 'node:path';
import type {FleetJob} from './fleet-worker.ts';

export type WorkerLine = {
  ready?: boolean;
  cacheKey?: string;
  taskId?: string;
  submits?: number;
  billedSeconds?: number;
  error?: string;
};

export type RunningWorker = {
  child: ChildProcess;
  lines: WorkerLine[];
  /** Resolves with the exit code (null when killed by a signal) once the process is gone. */
  exited: Promise<number | null>;
  stderr: () => string;
};

const WORKER = path.join(import.meta.dirname, 'fleet-worker.ts');

/** Starts one fleet worker as its own Node process (tsx loads the TypeScript sources). */
export const runWorker = (job: FleetJob): RunningWorker => {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: WorkerLine[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    buffer += String(d);
    let i = buffer.indexOf('\n');
    while (i >= 0) {
      const line = buffer.slice(0, i).trim();
      buffer = buffer.slice(i + 1);
      if (line) lines.push(JSON.parse(line) as WorkerLine);
      i = buffer.indexOf('\n');
    }
  });
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {child, lines, exited, stderr: () => stderr};
};
