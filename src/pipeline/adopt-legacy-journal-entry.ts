import {readFile, rm} from 'node:fs/promises';
import path from 'node:path';
import {writeFileAtomic} from '../media/atomic.ts';

/**
 * Moves a submit journal entry written under a segment's format-1 cache key (before the key named the
 * service) to its current key, when it was made against this same service: a task submitted (and
 * billed) by an older version is then resumed by GET, not submitted again. Entries of another service
 * are left alone. Returns whether an entry was adopted.
 */
export const adoptLegacyJournalEntry = async (
  journalDir: string,
  legacyKey: string,
  cacheKey: string,
  baseUrl: string,
): Promise<boolean> => {
  const from = path.join(journalDir, `${legacyKey}.json`);
  const to = path.join(journalDir, `${cacheKey}.json`);
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(await readFile(from, 'utf8')) as Record<string, unknown>;
  } catch {
    return false;
  }
  if (entry.baseUrl !== baseUrl) return false;
  try {
    await readFile(to);
    return false; // The current key already has its own entry.
  } catch {
    // None yet: adopt.
  }
  await writeFileAtomic(to, `${JSON.stringify({...entry, cacheKey}, null, 2)}\n`);
  await rm(from, {force: true});
  return true;
};
