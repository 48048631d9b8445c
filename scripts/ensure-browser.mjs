#!/usr/bin/env node
// Makes sure a browser for Remotion is available before the demo or the tests run.
//
// Remotion normally downloads its own headless Chrome; on a machine without internet that fails. We
// use, in order: REMOTION_BROWSER_EXECUTABLE, a system Chromium on PATH, and — on Debian/Ubuntu as root —
// install Debian's `chromium` package. Otherwise we say what to do and let Remotion try its download.
import {execFileSync, spawnSync} from 'node:child_process';
import {accessSync, constants} from 'node:fs';
import path from 'node:path';

const executable = (file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const onPath = (name) =>
  (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && executable(path.join(dir, name)));

if (process.env.REMOTION_BROWSER_EXECUTABLE && executable(process.env.REMOTION_BROWSER_EXECUTABLE))
  process.exit(0);
if (['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'].some(onPath)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (onPath('apt-get') && isRoot) {
  console.log(
    "No Chromium found: installing Debian's chromium package (Remotion cannot download its browser offline)…",
  );
  const env = {...process.env, DEBIAN_FRONTEND: 'noninteractive'};
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {stdio: 'inherit', env})
      .status === 0;
  if (!install()) {
    execFileSync('apt-get', ['update'], {stdio: 'inherit', env});
    if (!install()) {
      console.error(
        'Could not install chromium with apt-get. Install Chrome/Chromium and set REMOTION_BROWSER_EXECUTABLE.',
      );
      process.exit(1);
    }
  }
  process.exit(0);
}
console.warn(
  'No system Chromium found. Remotion will try to download its own browser; without internet, install ' +
    'Chromium (Debian: sudo apt-get install chromium) or set REMOTION_BROWSER_EXECUTABLE.',
);
