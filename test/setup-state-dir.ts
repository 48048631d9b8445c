import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll} from 'vitest';

/**
 * Every test file gets its own state directory (daily request counter and persisted request window), so
 * that no test touches the user's real one and test files running side by side never share a window.
 * A test that needs a particular directory still sets its own.
 */
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'mmaudio-test-state-'));
process.env.REMOTION_MMAUDIO_STATE_DIR = stateDir;
afterAll(() => rmSync(stateDir, {recursive: true, force: true}));
