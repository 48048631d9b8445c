import {mkdir, mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The run's temporary folders: rendered chunks, segment proxies, downloaded and normalised audio. */
export type WorkDirs = {
  root: string;
  chunks: string;
  proxies: string;
  results: string;
  normalized: string;
};

/** Creates a fresh temporary folder for one run (removed by the run's dispose). */
export const createWorkDirs = async (): Promise<WorkDirs> => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'remotion-mmaudio-'));
  const dirs = {
    chunks: path.join(root, 'chunks'),
    proxies: path.join(root, 'proxies'),
    results: path.join(root, 'results'),
    normalized: path.join(root, 'normalized'),
  };
  try {
    await Promise.all(Object.values(dirs).map((d) => mkdir(d, {recursive: true})));
  } catch (err) {
    await rm(root, {recursive: true, force: true});
    throw err;
  }
  return {root, ...dirs};
};
