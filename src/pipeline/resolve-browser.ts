import {accessSync, constants} from 'node:fs';
import path from 'node:path';
import type {ChromeMode} from '@remotion/renderer';
import {UsageError} from '../errors.ts';

export type ResolvedBrowser = {
  /** null: let Remotion use (or download) its own browser. */
  browserExecutable: string | null;
  chromeMode: ChromeMode;
  /** Where the choice came from, for `--log verbose`. */
  source: 'option' | 'env' | 'path' | 'remotion';
};

const SYSTEM_CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** First executable called `name` on PATH, or null. */
export const findOnPath = (name: string, envPath = process.env.PATH ?? ''): string | null => {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
};

/**
 * Picks the browser for renders, in the order DESIGN.md gives: an explicit `--browser-executable`, then
 * `REMOTION_BROWSER_EXECUTABLE`, then a system Chromium on PATH (run in `chrome-for-testing` mode: a
 * system Chromium is a full browser, not a headless shell), else Remotion's own download. An explicit
 * `chromeMode` always wins.
 */
export const resolveBrowser = (options: {
  browserExecutable?: string | null;
  chromeMode?: ChromeMode | null;
  env?: NodeJS.ProcessEnv;
}): ResolvedBrowser => {
  const env = options.env ?? process.env;
  const pick = (browserExecutable: string | null, source: ResolvedBrowser['source']): ResolvedBrowser => ({
    browserExecutable,
    source,
    chromeMode: options.chromeMode ?? (browserExecutable ? 'chrome-for-testing' : 'headless-shell'),
  });
  if (options.browserExecutable) {
    const file = path.resolve(options.browserExecutable);
    if (!isExecutable(file)) {
      throw new UsageError(
        `--browser-executable ${options.browserExecutable} is not an executable file. Pass the path of a Chrome or Chromium binary, e.g. /usr/bin/chromium.`,
      );
    }
    return pick(file, 'option');
  }
  const fromEnv = env.REMOTION_BROWSER_EXECUTABLE;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new UsageError(
        `REMOTION_BROWSER_EXECUTABLE=${fromEnv} is not an executable file. Unset it or point it at a Chrome or Chromium binary.`,
      );
    }
    return pick(fromEnv, 'env');
  }
  for (const name of SYSTEM_CHROMIUM_NAMES) {
    const found = findOnPath(name, env.PATH ?? '');
    if (found) return pick(found, 'path');
  }
  return pick(null, 'remotion');
};
