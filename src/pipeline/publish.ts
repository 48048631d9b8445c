import {copyFile, mkdir, readdir, readFile, rename, rm, stat, utimes} from 'node:fs/promises';
import path from 'node:path';
import {type Manifest, manifestFolder, manifestSchema} from '../contract/manifest.ts';
import {tempPathFor, writeFileAtomic} from '../media/atomic.ts';
import {isProcessAlive} from '../state/run-lock.ts';

const MANIFEST_FILE = 'manifest.json';

/**
 * How long the wavs of a replaced manifest stay beside the new one. An open Studio, or an
 * `npx remotion render` that read the previous manifest, still plays those files: they must not vanish
 * under it. The wavs of the manifest just replaced are always kept (their clock starts when they are
 * retired); older ones go once retired for longer than this.
 */
export const PUBLISH_GRACE_MS = 60 * 60_000;

/** A temp file of a run whose process still exists is left alone this long (a pid may be reused). */
const TEMP_FILE_MAX_AGE_MS = 24 * 60 * 60_000;

/** Copies a file into place through a temp file and a rename; skips it when an equal-size file is there (names are content-addressed). */
const placeFile = async (from: string, to: string): Promise<void> => {
  try {
    const [a, b] = await Promise.all([stat(from), stat(to)]);
    if (a.size === b.size) return;
  } catch {
    // Not there yet.
  }
  const tmp = tempPathFor(to);
  try {
    await copyFile(from, tmp);
    await rename(tmp, to);
  } finally {
    await rm(tmp, {force: true});
  }
};

/** Every wav a manifest refers to: each segment's own and those of its takes, once each. */
const manifestSources = (manifest: Manifest): string[] => [
  ...new Set(manifest.segments.flatMap((s) => [s.src, ...(s.takes ?? []).map((t) => t.src)])),
];

/** Names of the wavs the manifest in `dir` refers to (none when there is no readable manifest). */
const wavsOfManifestIn = async (dir: string): Promise<string[]> => {
  try {
    const manifest = manifestSchema.parse(JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')));
    return manifestSources(manifest).map((src) => path.basename(src));
  } catch {
    return [];
  }
};

/** The pid in a temp file's name (`.<name>.<pid>.<hex>.tmp`, see tempPathFor), or null. */
export const tempFileOwner = (name: string): number | null => {
  const match = /\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
  return match ? Number(match[1]) : null;
};

/**
 * Removes a temp file only when the run that wrote it is gone: its pid (in the name) no longer runs, or
 * the file is older than a day. A temp file of a live run (another process publishing) is never touched.
 */
const removeIfOrphaned = async (file: string, now: number): Promise<void> => {
  const pid = tempFileOwner(path.basename(file));
  if (pid !== null && pid !== process.pid && !isProcessAlive(pid)) {
    await rm(file, {force: true});
    return;
  }
  try {
    if (now - (await stat(file)).mtimeMs > TEMP_FILE_MAX_AGE_MS) await rm(file, {force: true});
  } catch {
    // Gone meanwhile.
  }
};

/**
 * Publishes a manifest and its wavs into `<publicDir>/mmaudio/<id>/`, so that a reader at any moment sees
 * either the previous complete manifest or the new complete one: wav names are content-addressed, so new
 * wavs land beside the old ones without replacing any; then the manifest is renamed into place. The wavs
 * of the manifest it replaced are kept (see PUBLISH_GRACE_MS) so a reader that loaded it keeps playing;
 * only wavs retired longer ago, and temp files of runs that are gone, are removed.
 */
export const publishManifest = async (options: {
  publicDirs: string[];
  manifest: Manifest;
  /** Source file of each segment's `src` and of each of its takes'. */
  files: Map<string, string>;
  /** Default PUBLISH_GRACE_MS. */
  graceMs?: number;
}): Promise<void> => {
  const manifest = manifestSchema.parse(options.manifest);
  const graceMs = options.graceMs ?? PUBLISH_GRACE_MS;
  const folder = manifestFolder(manifest.compositionId);
  const sources = manifestSources(manifest);
  for (const publicDir of options.publicDirs) {
    const dir = path.join(publicDir, folder);
    await mkdir(dir, {recursive: true});
    for (const src of sources) {
      const from = options.files.get(src);
      if (!from) throw new Error(`No file for ${src}`);
      await placeFile(from, path.join(publicDir, src));
    }
    const previous = await wavsOfManifestIn(dir);
    await writeFileAtomic(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    const keep = new Set([MANIFEST_FILE, ...sources.map((src) => path.basename(src))]);
    const now = Date.now();
    // The replaced manifest's wavs are retired now: their grace period starts with this publication.
    const retiredAt = new Date(now);
    for (const name of previous) {
      if (!keep.has(name)) await utimes(path.join(dir, name), retiredAt, retiredAt).catch(() => undefined);
    }
    for (const name of await readdir(dir)) {
      if (keep.has(name)) continue;
      const file = path.join(dir, name);
      if (name.endsWith('.tmp')) {
        await removeIfOrphaned(file, now);
      } else if (name.endsWith('.wav')) {
        try {
          if (now - (await stat(file)).mtimeMs > graceMs) await rm(file, {force: true});
        } catch {
          // Gone meanwhile.
        }
      }
    }
  }
};

/** Removes temp files that runs which are gone left beside a manifest (never a live run's, never a complete file). */
export const cleanStaleTempFiles = async (publicDir: string, compositionId: string): Promise<void> => {
  const dir = path.join(publicDir, manifestFolder(compositionId));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const now = Date.now();
  await Promise.all(
    names.filter((n) => n.endsWith('.tmp')).map((n) => removeIfOrphaned(path.join(dir, n), now)),
  );
};
