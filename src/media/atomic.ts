import {randomBytes} from 'node:crypto';
import {mkdir, rename, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';

/** A temp path next to `target` (same directory, so the final rename is atomic on one filesystem). */
export const tempPathFor = (target: string): string =>
  path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );

/**
 * Writes `data` to `target` through a temp file and a rename: a reader sees the old file or the new
 * one, never a half-written one. The temp file is removed if anything fails.
 */
export const writeFileAtomic = async (target: string, data: string | Uint8Array): Promise<void> => {
  await mkdir(path.dirname(target), {recursive: true});
  const tmp = tempPathFor(target);
  try {
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, {force: true});
    throw err;
  }
};
