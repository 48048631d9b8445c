import {existsSync, statSync} from 'node:fs';
import path from 'node:path';

/**
 * What the `<entry>` argument names, as `npx remotion render` reads it: a serve URL (http/https, e.g. a
 * deployed site), a folder holding a bundle (it has an `index.html`: the output of `npx remotion bundle`
 * or @remotion/bundler's `bundle()`), or else the entry file that calls registerRoot(). A bundle is used
 * as it is, so many runs (a CI fleet) can share one bundle instead of bundling each time.
 */
export const entrySource = (entry: string): {entryPoint: string} | {serveUrl: string} => {
  if (/^https?:\/\//i.test(entry)) return {serveUrl: entry};
  const resolved = path.resolve(entry);
  if (
    existsSync(resolved) &&
    statSync(resolved).isDirectory() &&
    existsSync(path.join(resolved, 'index.html'))
  ) {
    return {serveUrl: resolved};
  }
  return {entryPoint: entry};
};
