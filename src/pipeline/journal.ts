import {readdir, readFile, rm} from 'node:fs/promises';
import path from 'node:path';
import {z} from 'zod';
import {writeFileAtomic} from '../media/atomic.ts';

/**
 * The submit journal: what makes a killed run resumable without paying twice.
 *
 * Before a submit the backend records the intent (state `submitting`); as soon as the service answers
 * with a task id it records it (state `submitted`). A later run that finds `submitted` for the same
 * cache key resumes the task by GET and never submits it again. `submitting` without a task id means the
 * process died while the POST was in flight: the task may exist and may be billed, but without its id it
 * cannot be resumed, so the next run says so and submits again. The entry is removed once the audio is
 * in the cache. One small JSON file per cache key, written atomically.
 */
const entrySchema = z.object({
  cacheKey: z.string(),
  state: z.enum(['submitting', 'submitted']),
  taskId: z.string().nullable(),
  /** Base URL of the service the task lives on: a task is only resumed against the same service. */
  baseUrl: z.string(),
  segmentIndex: z.number().int().nonnegative(),
  seed: z.number().int(),
  estimatedTimeSeconds: z.number().nullable(),
  updatedAt: z.string(),
});

export type JournalEntry = z.infer<typeof entrySchema>;

export type SubmitJournal = {
  readonly directory: string;
  get(cacheKey: string): Promise<JournalEntry | null>;
  recordIntent(
    entry: Omit<JournalEntry, 'state' | 'taskId' | 'updatedAt' | 'estimatedTimeSeconds'>,
  ): Promise<void>;
  recordSubmitted(
    entry: Omit<JournalEntry, 'state' | 'updatedAt' | 'taskId'> & {taskId: string},
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
    directory,
    get: (cacheKey) => read(fileOf(cacheKey)),
    recordIntent: (entry) =>
      write({
        ...entry,
        state: 'submitting',
        taskId: null,
        estimatedTimeSeconds: null,
        updatedAt: new Date().toISOString(),
      }),
    recordSubmitted: (entry) => write({...entry, state: 'submitted', updatedAt: new Date().toISOString()}),
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
