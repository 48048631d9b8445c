import path from 'node:path';
import {manifestFolder} from '../contract/manifest.ts';
import {acquireLocks, type HeldLock} from '../state/run-lock.ts';
import type {NormalizedGenerateOptions} from './options.ts';

/** The lock of a published folder: beside it (`<publicDir>/mmaudio/.<id>.lock`), never inside it where readers look. */
export const publishLockPath = (publicDir: string, compositionId: string): string => {
  const folder = path.join(publicDir, manifestFolder(compositionId));
  return path.join(path.dirname(folder), `.${path.basename(folder)}.lock`);
};

/** The lock of a cache directory (its audio, seeds and submit journal). */
export const cacheLockPath = (cacheDir: string): string => path.join(cacheDir, 'run.lock');

const shown = (p: string) => {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : p;
};

/** What the lock says holds it: `remotion-mmaudio render of "intro"` for the CLI. */
const commandOf = (compositionId: string): string => {
  const script = process.argv[1] ?? '';
  const verb = process.argv[2];
  const cli = /remotion-mmaudio(\.js)?$/.test(script) && (verb === 'render' || verb === 'generate');
  return `${cli ? `remotion-mmaudio ${verb}` : 'a remotion-mmaudio run'} of "${compositionId}"`;
};

/**
 * One run at a time per cache directory and per published folder, across processes: waits (saying for
 * whom) until both are free, then holds both until released. Two runs of one project therefore never
 * both miss the cache and pay for the same segment, and never publish into one folder at once.
 */
export const lockRun = async (
  o: Pick<NormalizedGenerateOptions, 'cacheDir' | 'publicDir' | 'compositionId' | 'lockTimeoutMs' | 'logger'>,
  signal: AbortSignal,
): Promise<HeldLock[]> =>
  acquireLocks(
    [
      {lockPath: cacheLockPath(o.cacheDir), what: `the cache ${shown(o.cacheDir)}`},
      {
        lockPath: publishLockPath(o.publicDir, o.compositionId),
        what: `${shown(path.join(o.publicDir, manifestFolder(o.compositionId)))}`,
      },
    ],
    {
      timeoutMs: o.lockTimeoutMs,
      command: commandOf(o.compositionId),
      signal,
      onWait: (_owner, message) => o.logger.info(message),
      onStale: (owner, why) =>
        o.logger.verbose(
          `Taking over a lock left by ${owner ? `pid ${owner.pid}` : 'a crashed run'}: ${why}.`,
        ),
    },
  );
