/**
 * Remotion CLI config for the demo project: `npx remotion studio` / `npx remotion render` (entry
 * remotion/index.ts).
 *
 * Browser, in order: REMOTION_BROWSER_EXECUTABLE, a system Chromium on PATH (run in chrome-for-testing
 * mode, which a regular Chromium build supports), else Remotion's own download (which needs internet).
 */
import {accessSync, constants} from 'node:fs';
import path from 'node:path';
import {Config} from '@remotion/cli/config';

const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const findSystemChromium = (): string | null => {
  if (isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium';
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of ['chromium', 'chromium-browser']) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return null;
};

Config.setEntryPoint('remotion/index.ts');

const explicit = process.env.REMOTION_BROWSER_EXECUTABLE;
const browser = explicit || findSystemChromium();
if (browser) {
  Config.setBrowserExecutable(browser);
  // A full Chromium build runs in chrome-for-testing mode; only Remotion's headless shell runs in the
  // default mode.
  if (!/headless/i.test(path.basename(browser))) Config.setChromeMode('chrome-for-testing');
}
