import {cpSync, existsSync, readdirSync, readFileSync} from 'node:fs';
import http from 'node:http';
import net, {type AddressInfo} from 'node:net';
import path from 'node:path';
import type {SimulatedTask, Simulator} from '../../../src/simulator/index.ts';
import {encodeWav} from '../../../src/wav/wav.ts';
import {publishedFolder} from './published.ts';

/** Resolves once `condition()` is true; rejects after `timeoutMs` naming `what`. */
export const waitFor = async (
  condition: () => boolean,
  what: string,
  options: {timeoutMs?: number; intervalMs?: number; until?: Promise<unknown>} = {},
): Promise<void> => {
  const deadline = Date.now() + (options.timeoutMs ?? 240_000);
  let settled = false;
  options.until?.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!condition()) {
    if (settled) throw new Error(`The run ended before ${what}`);
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 10));
  }
};

/** A port that was free a moment ago, for a webhook receiver whose URL must be known in advance. */
export const freePort = async (): Promise<number> => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

/** A server that a forged webhook points to: if anything ever fetches from it, the forgery worked. */
export const startEvilServer = async (): Promise<{
  url: string;
  hits: () => number;
  close: () => Promise<void>;
}> => {
  let hits = 0;
  const wav = encodeWav({sampleRate: 48_000, channels: [new Float32Array(48_000).fill(0.9)]});
  const server = http.createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(200, {'content-type': 'audio/wav', 'content-length': wav.byteLength});
    res.end(wav);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/injected.wav`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};

/**
 * Calls `fn` for every task the simulator creates, in order, failing the task when `fn` returns true.
 * Built on `failTasksWhere`, whose predicate runs synchronously inside the submit that creates the
 * task, after its latency and result shape were fixed: knobs changed here apply to the next task.
 * (Predicates are skipped for tasks that a counted `failTasks(n)` already fails: do not mix the two.)
 */
export const onEveryTask = (sim: Simulator, fn: (task: SimulatedTask, n: number) => boolean | undefined) => {
  let n = 0;
  sim.faults.failTasksWhere((task) => Boolean(fn(task, n++)));
};

/** Copies a published folder (manifest + wavs) into another public dir: the "previous" state. */
export const seedPublished = (
  fromPublicDir: string,
  toPublicDir: string,
  compositionId: string,
): string | null => {
  const from = publishedFolder(fromPublicDir, compositionId);
  if (!existsSync(path.join(from, 'manifest.json'))) return null;
  cpSync(from, publishedFolder(toPublicDir, compositionId), {recursive: true});
  return readFileSync(path.join(from, 'manifest.json'), 'utf8');
};

/** Entries of the submit journal, by state. */
export const journalStates = (cacheDir: string): string[] => {
  const dir = path.join(cacheDir, 'journal');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .map((n) => {
      try {
        return (JSON.parse(readFileSync(path.join(dir, n), 'utf8')) as {state: string}).state;
      } catch {
        return 'unreadable';
      }
    });
};

/** Cached segment entries (metadata files) in the audio cache. */
export const cachedEntries = (cacheDir: string): number => {
  const dir = path.join(cacheDir, 'audio');
  if (!existsSync(dir)) return 0;
  return readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.')).length;
};

/** Times between a request and the next one of the same kind for the same task (the client's retry). */
export const gapToNext = (sim: Simulator, seq: number): number | null => {
  const r = sim.requests.find((x) => x.seq === seq);
  if (!r) return null;
  const next = sim.requests.find(
    (x) => x.seq > seq && x.kind === r.kind && (r.kind === 'submit' || x.path === r.path),
  );
  return next ? next.at - r.at : null;
};
