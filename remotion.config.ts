/**
 * Remotion CLI config for the demo project: `npx remotion studio` / `npx remotion render` (entry
 * remotion/index.ts).
 *
 * Browser: the same choice the pipeline makes (src/pipeline/resolve-browser.ts):
 * REMOTION_BROWSER_EXECUTABLE, else a system Chromium on PATH (run in chrome-for-testing mode, which a
 * regular Chromium build supports), else Remotion's own download (which needs internet).
 */
import {Config} from '@remotion/cli/config';
import {resolveBrowser} from './src/pipeline/resolve-browser.ts';

Config.setEntryPoint('remotion/index.ts');

const browser = resolveBrowser({});
if (browser.browserExecutable) {
  Config.setBrowserExecutable(browser.browserExecutable);
  Config.setChromeMode(browser.chromeMode);
}
