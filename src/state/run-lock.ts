import {randomBytes} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {link, mkdir, open, readFile, rename, rm, stat, utimes} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {MMAudioError} from '../errors.ts';

/**
 * An exclusive lock between processes, as a file created with O_EXCL that names its owner (pid, host,
 * start time, command). Used so that one run at a time uses a cache directory or publishes into a folder,
 * and (held for milliseconds) so that two processes counting requests never lose an increment.
 *
 * A lock is stale, and is taken over, when its owner is a process of this host that no longer exists, or
 * when its file has not been touched for `leaseMs` (the owner touches it every `leaseMs / 4` while it
 * holds it: this covers an owner on another host sharing the folder, and a pid reused after a crash).
 */
export type LockOwner = {
  pid: number;
  host: string;
  /** ISO time the owner took the lock. */
  startedAt: string;
  /** What holds it, for the "waiting for …" line, e.g. `remotion-mmaudio render test-timeline`. */
  command: string;
  /** Unique per acquisition: a release or takeover never removes someone else's lock. */
  token: string;
};

export type HeldLock = {
  readonly lockPath: string;
  readonly owner: LockOwner;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release: () => Promise<void>;
};

export type AcquireLockOptions = {
  lockPath: string;
  /** What the lock guards, in words, for messages: e.g. `the folder public/mmaudio/intro`. */
  what: string;
  /** Longest wait for another owner; then LockTimeoutError (exit code 1). 0: do not wait. */
  timeoutMs: number;
  /** Named in the lock for others' messages. Default: this process's argv, shortened. */
  command?: string;
  /** A lock not touched for this long is stale. Default 120 000 ms. */
  leaseMs?: number;
  /** Touch the lock every leaseMs / 4 while held. Default true; off for locks held a few ms. */
  heartbeat?: boolean;
  /** Between two attempts while waiting (jittered ±50 %). Default 250 ms. */
  pollIntervalMs?: number;
  /** Called once per distinct owner waited for. */
  onWait?: (owner: LockOwner, message: string) => void;
  /** Called when a stale lock is taken over. */
  onStale?: (owner: LockOwner | null, why: string) => void;
  signal?: AbortSignal;
};

export const DEFAULT_LOCK_LEASE_MS = 120_000;

/** The wait for another run ran out. */
export class LockTimeoutError extends MMAudioError {
  readonly owner: LockOwner | null;
  readonly lockPath: string;
  constructor(message: string, lockPath: string, owner: LockOwner | null) {
    super(message);
    this.lockPath = lockPath;
    this.owner = owner;
  }
}

/** True when a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export const isProcessAlive = (pid: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process not yet reaped by its parent (a zombie) still answers signal 0: on Linux, ask /proc.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
};

const defaultCommand = () =>
  ['remotion-mmaudio', ...process.argv.slice(2).filter((a) => !a.startsWith('-'))].join(' ').slice(0, 120);

const readOwner = async (lockPath: string): Promise<LockOwner | null> => {
  try {
    const data = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<LockOwner>;
    if (typeof data.pid !== 'number' || typeof data.host !== 'string' || typeof data.token !== 'string') {
      return null;
    }
    return {
      pid: data.pid,
      host: data.host,
      startedAt: String(data.startedAt ?? ''),
      command: String(data.command ?? 'another run'),
      token: data.token,
    };
  } catch {
    return null;
  }
};

/** Why the lock at `lockPath` (owned by `owner`, or unreadable) may be taken over; null while it is live. */
const staleness = async (
  lockPath: string,
  owner: LockOwner | null,
  leaseMs: number,
): Promise<string | null> => {
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(lockPath)).mtimeMs;
  } catch {
    return null; // Gone: the next attempt creates it.
  }
  const age = Date.now() - mtimeMs;
  if (owner && owner.host === os.hostname() && !isProcessAlive(owner.pid)) {
    return `its owner (pid ${owner.pid}) is no longer running`;
  }
  // An unreadable lock is one being written right now, or the wreck of a crash: give it a moment.
  if (!owner && age > Math.min(leaseMs, 5000)) return 'it is unreadable';
  if (age > leaseMs) return `it was last refreshed ${Math.round(age / 1000)} s ago`;
  return null;
};

/** "Waiting for remotion-mmaudio render intro (pid 4242 on host, started 12:01:07) to finish with …" */
export const describeOwner = (owner: LockOwner): string => {
  const started = Number.isNaN(Date.parse(owner.startedAt))
    ? owner.startedAt
    : new Date(owner.startedAt).toLocaleTimeString('en-GB', {hour12: false});
  const where = owner.host === os.hostname() ? '' : ` on ${owner.host}`;
  return `${owner.command} (pid ${owner.pid}${where}, started ${started})`;
};

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, {once: true});
  });

/**
 * Moves a stale lock aside, but only the one judged stale: if another waiter replaced it meanwhile (its
 * token differs), it is put back.
 */
const takeOver = async (lockPath: string, stale: LockOwner | null): Promise<void> => {
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // Someone else moved it first.
  }
  const moved = await readOwner(aside);
  if (stale && moved && moved.token !== stale.token) {
    await link(aside, lockPath).catch(() => undefined);
  }
  await rm(aside, {force: true});
};

/** Waits for and takes the lock. Throws LockTimeoutError after `timeoutMs`, or the signal's reason. */
export const acquireLock = async (options: AcquireLockOptions): Promise<HeldLock> => {
  const {lockPath, timeoutMs} = options;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new TypeError(`timeoutMs must be a number of ms ≥ 0, got ${timeoutMs}`);
  }
  const leaseMs = options.leaseMs ?? DEFAULT_LOCK_LEASE_MS;
  const poll = options.pollIntervalMs ?? 250;
  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    command: options.command ?? defaultCommand(),
    token: randomBytes(12).toString('hex'),
  };
  await mkdir(path.dirname(lockPath), {recursive: true});
  const deadline = Date.now() + timeoutMs;
  let announced: string | null = null;
  let lastOther: LockOwner | null = null;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(owner)}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const other = await readOwner(lockPath);
    const why = await staleness(lockPath, other, leaseMs);
    if (why) {
      options.onStale?.(other, why);
      await takeOver(lockPath, other);
      continue;
    }
    if (other) lastOther = other;
    if (other && announced !== other.token) {
      announced = other.token;
      options.onWait?.(other, `Waiting for ${describeOwner(other)} to finish with ${options.what}…`);
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const who = lastOther ? describeOwner(lastOther) : 'another run';
      throw new LockTimeoutError(
        `Gave up after ${formatWait(timeoutMs)} waiting for ${who} to finish with ${options.what}. ` +
          `Run again when it is done, or raise --lock-timeout. If no such run is alive, delete ${lockPath}.`,
        lockPath,
        lastOther,
      );
    }
    await sleep(Math.min(left, poll * (0.5 + Math.random())), options.signal ?? undefined);
  }

  let released = false;
  let timer: NodeJS.Timeout | null = null;
  if (options.heartbeat ?? true) {
    timer = setInterval(() => {
      const now = new Date();
      utimes(lockPath, now, now).catch(() => undefined);
    }, leaseMs / 4);
    timer.unref();
  }
  return {
    lockPath,
    owner,
    release: async () => {
      if (released) return;
      released = true;
      if (timer) clearInterval(timer);
      const current = await readOwner(lockPath);
      if (current?.token === owner.token) await rm(lockPath, {force: true});
    },
  };
};

const formatWait = (ms: number) =>
  ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 100) / 10} s`;

/** Runs `fn` holding the lock (short critical sections: no heartbeat, fast polling). */
export const withLock = async <T>(
  options: Omit<AcquireLockOptions, 'heartbeat'>,
  fn: () => Promise<T>,
): Promise<T> => {
  const lock = await acquireLock({pollIntervalMs: 5, ...options, heartbeat: false});
  try {
    return await fn();
  } finally {
    await lock.release();
  }
};

/**
 * Takes several locks in one global order (sorted paths), so two runs that need overlapping sets can
 * never hold one each and wait for the other. All or nothing: on failure the ones taken are released.
 */
export const acquireLocks = async (
  locks: Omit<AcquireLockOptions, 'signal' | 'timeoutMs' | 'command' | 'onWait' | 'onStale'>[],
  common: Pick<AcquireLockOptions, 'signal' | 'timeoutMs' | 'command' | 'onWait' | 'onStale'>,
): Promise<HeldLock[]> => {
  const unique = [...new Map(locks.map((l) => [path.resolve(l.lockPath), l])).values()].sort((a, b) =>
    path.resolve(a.lockPath) < path.resolve(b.lockPath) ? -1 : 1,
  );
  const held: HeldLock[] = [];
  const deadline = Date.now() + common.timeoutMs;
  try {
    for (const l of unique) {
      held.push(await acquireLock({...l, ...common, timeoutMs: Math.max(0, deadline - Date.now())}));
    }
    return held;
  } catch (err) {
    await Promise.all(held.map((h) => h.release()));
    throw err;
  }
};
