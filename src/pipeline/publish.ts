import {copyFile, mkdir, readdir, rename, rm, stat} from 'node:fs/promises';
import path from 'node:path';
import {tempPathFor, writeFileAtomic} from '../media/atomic.ts';
import {type Manifest, manifestFolder, manifestSchema} from '../react/manifest.ts';

const MANIFEST_FILE = 'manifest.json';

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

/**
 * Publishes a manifest and its wavs into `<publicDir>/mmaudio/<id>/`, so that a reader at any moment sees
 * either the previous complete manifest or the new complete one: wav names are content-addressed, so new
 * wavs land beside the old ones without replacing any; then the manifest is renamed into place; only then
 * are files no manifest refers to (and temp files of interrupted runs) removed.
 */
export const publishManifest = async (options: {
  publicDirs: string[];
  manifest: Manifest;
  /** Source file of each segment's `src`. */
  files: Map<string, string>;
}): Promise<void> => {
  const manifest = manifestSchema.parse(options.manifest);
  const folder = manifestFolder(manifest.compositionId);
  for (const publicDir of options.publicDirs) {
    const dir = path.join(publicDir, folder);
    await mkdir(dir, {recursive: true});
    for (const segment of manifest.segments) {
      const from = options.files.get(segment.src);
      if (!from) throw new Error(`No file for ${segment.src}`);
      await placeFile(from, path.join(publicDir, segment.src));
    }
    await writeFileAtomic(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    const keep = new Set([MANIFEST_FILE, ...manifest.segments.map((s) => path.basename(s.src))]);
    for (const name of await readdir(dir)) {
      if (keep.has(name)) continue;
      if (name.endsWith('.wav') || name.endsWith('.tmp')) await rm(path.join(dir, name), {force: true});
    }
  }
};

/** Removes temp files an interrupted run may have left beside a manifest (never a complete file). */
export const cleanStaleTempFiles = async (publicDir: string, compositionId: string): Promise<void> => {
  const dir = path.join(publicDir, manifestFolder(compositionId));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(names.filter((n) => n.endsWith('.tmp')).map((n) => rm(path.join(dir, n), {force: true})));
};
