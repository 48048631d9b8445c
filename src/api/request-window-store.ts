import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {type Logger, silentLogger} from '../log.ts';
import {writeFileAtomic} from '../media/atomic.ts';
import {apiKeyDigest, defaultStateDirectory} from './quota.ts';

/**
 * The request window on disk, so that a run started right after another (a CI pipeline, a killed run
 * restarted, `generate` then `render`) starts with the other's recent requests already counted.
 *
 * One small JSON file per API key, beside the daily counter and named the same way (a sha256 prefix of
 * the key; the key itself is never written): `{"version":1,"requests":[t1, t2, …]}`, one entry per request
 * that may still be in the service's window, each the latest moment (ms since the epoch) at which the
 * service may have counted it. The request limiter (create-request-limiter.ts) decides what goes in; this module only
 * reads and writes it.
 *
 * Writes are atomic (temp file + rename) and coalesced: while one write runs, later saves merge into the
 * next one. A missing, corrupt or unreadable file reads as no requests (with a verbose log line), and a
 * failed write is logged, never thrown: the window on disk is an optimisation, the service's 429 and
 * Retry-After remain the backstop.
 *
 * Two processes using one key at the same moment are not coordinated: each reads the file once, when its
 * first request waits for the window, and the last writer wins. Runs one after the other are what this
 * serves; for runs at once, the service's 429 answers (retried after their Retry-After) are the guard.
 */

/** More entries than this are not read: no window the service has is that large. */
const MAX_ENTRIES = 10_000;

export type RequestWindowStoreOptions = {
  apiKey: string;
  /** Default: the state directory of the daily counter (see `defaultStateDirectory`). */
  directory?: string;
  env?: NodeJS.ProcessEnv;
  /** Where load and write problems are reported (verbose level). Default silent. */
  logger?: Logger;
};

export type RequestWindowStore = {
  /** The window file. */
  readonly filePath: string;
  /** The times on disk; `[]` when the file is missing, corrupt or unreadable. Never rejects. */
  load: () => Promise<number[]>;
  /**
   * Writes `times` (replacing what is on disk). Resolves once a write holding these times (or later ones)
   * has ended, whether it succeeded or not; never rejects.
   */
  save: (times: readonly number[]) => Promise<void>;
  /** Resolves when every save made so far has ended. */
  flush: () => Promise<void>;
};

type WindowFile = {version: 1; requests: number[]};

/** File name of a key's request window: `window-<apiKeyDigest>.json`. */
export const requestWindowFileName = (apiKey: string): string => `window-${apiKeyDigest(apiKey)}.json`;

const parseWindowFile = (text: string): number[] | string => {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const file = data as Partial<WindowFile> | null;
  if (typeof file !== 'object' || file === null || file.version !== 1) return 'not a version 1 window file';
  if (!Array.isArray(file.requests)) return 'no "requests" list';
  if (file.requests.length > MAX_ENTRIES) return `more than ${MAX_ENTRIES} entries`;
  if (!file.requests.every((t) => typeof t === 'number' && Number.isFinite(t))) {
    return '"requests" holds something other than times';
  }
  return file.requests;
};

export const createRequestWindowStore = (options: RequestWindowStoreOptions): RequestWindowStore => {
  const directory = options.directory
    ? path.resolve(options.directory)
    : defaultStateDirectory(options.env ?? process.env);
  const filePath = path.join(directory, requestWindowFileName(options.apiKey));
  const logger = options.logger ?? silentLogger();
  /** The times of the latest save not yet written. */
  let pending: readonly number[] | null = null;
  /** The write that will take `pending`, while it has not started. */
  let next: Promise<void> | null = null;
  /** The last write queued: every write runs after the one before. */
  let chain: Promise<void> = Promise.resolve();
  /** Only the first of a run of failed writes is logged. */
  let failing = false;

  const write = async () => {
    next = null;
    const times = pending ?? [];
    pending = null;
    const data: WindowFile = {version: 1, requests: [...times]};
    try {
      await writeFileAtomic(filePath, `${JSON.stringify(data)}\n`);
      failing = false;
    } catch (err) {
      if (!failing) {
        logger.verbose(
          `Could not save the request window to ${filePath} (${err instanceof Error ? err.message : String(err)}); ` +
            'a run started next will not know about these requests.',
        );
      }
      failing = true;
    }
  };

  return {
    filePath,
    load: async () => {
      let text: string;
      try {
        text = await readFile(filePath, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          logger.verbose(
            `The request window ${filePath} is unreadable (${(err as NodeJS.ErrnoException).code ?? String(err)}); ignored.`,
          );
        }
        return [];
      }
      const parsed = parseWindowFile(text);
      if (typeof parsed === 'string') {
        logger.verbose(`The request window ${filePath} is corrupt (${parsed}); ignored.`);
        return [];
      }
      return parsed;
    },
    save: (times) => {
      pending = times;
      if (!next) {
        next = chain.then(write);
        chain = next;
      }
      return next;
    },
    flush: () => chain,
  };
};
