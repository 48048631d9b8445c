import {readdir, readFile, rm} from 'node:fs/promises';
import path from 'node:path';
import {z} from 'zod';
import {writeFileAtomic} from '../media/atomic.ts';

/**
 * The submit journal: what makes a killed run resumable without paying twice.
 *
 * Before a submit the backend records the intent (state `submitting`); as soon as the service answers
 * with a task id it records it (state `submitted`). A later run that finds `submitted` for the same
 * cache key resumes the task by GET and never submits it again.
 *
 * A submit whose outcome is not known — its answer was lost (5xx, timeout, reset after the body was
 * sent), the run was cancelled while it was on the wire, or the service no longer knows a resumed task
 * (404) — is recorded as `unknown`, with when that submit was made: the task may exist and be billed. A
 * `submitting` entry found by a later run means the process died with the POST in flight: the same. Such
 * a segment is not submitted again unless the user asks (`--resubmit-unknown`). A refusal that is
 * certain (4xx, 429, nothing sent) removes the entry. The entry is removed once the audio is in the
 * cache. One small JSON file per cache key, written atomically.
 */
const entrySchema = z.object({
  cacheKey: z.string(),
  state: z.enum(['submitting', 'submitted', 'unknown']),
  taskId: z.string().nullable(),
  /** Base URL of the service the task lives on: a task is only resumed against the same service. */
  baseUrl: z.string(),
  segmentIndex: z.number().int().nonnegative(),
  seed: z.number().int(),
  estimatedTimeSeconds: z.number().nullable(),
  updatedAt: z.string(),
  /** When the submit was sent (ISO); older entries lack it and fall back to `updatedAt`. */
  submittedAt: z.string().optional(),
  /** The segment's place, so a run can find its unknown submits before its frame pass. */
  compositionId: z.string().optional(),
  startFrame: z.number().int().nonnegative().optional(),
  endFrame: z.number().int().nonnegative().optional(),
  /** Why the outcome is unknown (state `unknown`). */
  reason: z.string().optional(),
});

export type JournalEntry = z.infer<typeof entrySchema>;

/** What every record of a segment carries. */
export type JournalBase = Omit<
  JournalEntry,
  'state' | 'taskId' | 'updatedAt' | 'estimatedTimeSeconds' | 'submittedAt' | 'reason'
>;

/** When the submit of an entry was made (entries of older versions have only `updatedAt`). */
export const submittedAtOf = (entry: JournalEntry): string => entry.submittedAt ?? entry.updatedAt;

/** A submit with an unknown outcome: `unknown`, or `submitting` left by a run that died mid-POST. */
export const isUnknownOutcome = (entry: JournalEntry): boolean =>
  entry.state === 'unknown' || entry.state === 'submitting';

export type SubmitJournal = {
  get(cacheKey: string): Promise<JournalEntry | null>;
  /** Before the POST; returns the time recorded as `submittedAt`. */
  recordIntent(entry: JournalBase): Promise<string>;
  recordSubmitted(
    entry: JournalBase & {taskId: string; estimatedTimeSeconds: number | null; submittedAt?: string},
  ): Promise<void>;
  recordUnknown(
    entry: JournalBase & {taskId: string | null; submittedAt: string; reason: string},
  ): Promise<void>;
  remove(cacheKey: string): Promise<void>;
  list(): Promise<JournalEntry[]>;
};

export const createSubmitJournal = (directory: string): SubmitJournal => {
  const fileOf = (key: string) => path.join(directory, `${key}.json`);
  const write = (entry: JournalEntry) =>
    writeFileAtomic(fileOf(entry.cacheKey), `${JSON.stringify(entry, null, 2)}\n`);
  const read = async (file: string): Promise<JournalEntry | null> => {
    try {
      return entrySchema.parse(JSON.parse(await readFile(file, 'utf8')));
    } catch {
      return null;
    }
  };
  return {
    get: (cacheKey) => read(fileOf(cacheKey)),
    recordIntent: async (entry) => {
      const now = new Date().toISOString();
      await write({
        ...entry,
        state: 'submitting',
        taskId: null,
        estimatedTimeSeconds: null,
        updatedAt: now,
        submittedAt: now,
      });
      return now;
    },
    recordSubmitted: (entry) => write({...entry, state: 'submitted', updatedAt: new Date().toISOString()}),
    recordUnknown: (entry) =>
      write({
        ...entry,
        state: 'unknown',
        estimatedTimeSeconds: null,
        updatedAt: new Date().toISOString(),
      }),
    remove: (cacheKey) => rm(fileOf(cacheKey), {force: true}),
    async list() {
      let names: string[];
      try {
        names = await readdir(directory);
      } catch {
        return [];
      }
      const entries = await Promise.all(
        names.filter((n) => n.endsWith('.json')).map((n) => read(path.join(directory, n))),
      );
      return entries.filter((e): e is JournalEntry => e !== null);
    },
  };
};

/** A segment of this run whose earlier submit has an unknown outcome. */
export type UnknownSubmit = {segmentIndex: number; submittedAt: string; cacheKey: string};

/**
 * The unknown submits of a composition against one service whose segment (same first and last frame) is
 * in `segments`: found before the frame pass, when the cache keys (which hash the picture) are not
 * known yet.
 */
export const findUnknownSubmits = async (
  journal: SubmitJournal,
  scope: {
    baseUrl: string;
    compositionId: string;
    segments: readonly {index: number; startFrame: number; endFrame: number}[];
  },
): Promise<UnknownSubmit[]> => {
  const out: UnknownSubmit[] = [];
  for (const entry of await journal.list()) {
    if (!isUnknownOutcome(entry) || entry.baseUrl !== scope.baseUrl) continue;
    if (entry.compositionId !== scope.compositionId) continue;
    const segment = scope.segments.find(
      (s) => s.startFrame === entry.startFrame && s.endFrame === entry.endFrame,
    );
    if (segment) {
      out.push({segmentIndex: segment.index, submittedAt: submittedAtOf(entry), cacheKey: entry.cacheKey});
    }
  }
  return out.sort((a, b) => a.segmentIndex - b.segmentIndex);
};
