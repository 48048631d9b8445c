import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {apiKeyDigest, quotaFileName} from '../../../src/api/quota.ts';
import {createRequestWindowStore, requestWindowFileName} from '../../../src/api/request-window-store.ts';
import {createLogger} from '../../../src/log.ts';

const KEY = 'qk-window-secret-value-456';
let dir: string;
let lines: string[];
const logger = () => {
  lines = [];
  const sink = {write: (chunk: string) => lines.push(chunk)};
  return createLogger({level: 'verbose', stdout: sink, stderr: sink, secrets: [KEY]});
};

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-window-'));
});
afterEach(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('createRequestWindowStore', () => {
  it('round-trips the times through one file named by a hash of the key', async () => {
    const store = createRequestWindowStore({apiKey: KEY, directory: dir});
    expect(await store.load()).toEqual([]);
    await store.save([1_000, 2_000, 2_500]);
    expect(await readdir(dir)).toEqual([requestWindowFileName(KEY)]);
    expect(requestWindowFileName(KEY)).toBe(`window-${apiKeyDigest(KEY)}.json`);
    expect(requestWindowFileName(KEY)).toMatch(/^window-[0-9a-f]{16}\.json$/);
    expect(quotaFileName(KEY)).toBe(`quota-${apiKeyDigest(KEY)}.json`);
    const text = await readFile(store.filePath, 'utf8');
    expect(text).not.toContain(KEY);
    expect(JSON.parse(text)).toEqual({version: 1, requests: [1_000, 2_000, 2_500]});
    const other = createRequestWindowStore({apiKey: KEY, directory: dir});
    expect(await other.load()).toEqual([1_000, 2_000, 2_500]);
    expect(await createRequestWindowStore({apiKey: 'another-key', directory: dir}).load()).toEqual([]);
  });

  it('defaults to the state directory of the daily counter', () => {
    const store = createRequestWindowStore({apiKey: KEY, env: {REMOTION_MMAUDIO_STATE_DIR: dir}});
    expect(store.filePath).toBe(path.join(dir, requestWindowFileName(KEY)));
  });

  it('coalesces saves: those made together share one write, the last times win, every save resolves', async () => {
    const store = createRequestWindowStore({apiKey: KEY, directory: dir});
    const first = store.save([0]);
    // Let the first write start: saves from now on go to the next write.
    await new Promise((resolve) => setImmediate(resolve));
    const later = Array.from({length: 39}, (_, i) => store.save([i + 1]));
    expect(new Set(later).size).toBe(1);
    expect(later[0]).not.toBe(first);
    await Promise.all([first, ...later]);
    expect(await store.load()).toEqual([39]);
    await store.flush();
    expect(await readdir(dir)).toEqual([requestWindowFileName(KEY)]);
  });

  it.each([
    ['not JSON', '{"version":1,"requests":[1,'],
    ['not a version 1 window file', '{"version":2,"requests":[1]}'],
    ['not a version 1 window file', 'null'],
    ['no "requests" list', '{"version":1,"requests":"1,2"}'],
    ['"requests" holds something other than times', '{"version":1,"requests":[1,"2",null]}'],
  ])('ignores a corrupt file (%s) with a verbose line, then overwrites it', async (reason, content) => {
    const store = createRequestWindowStore({apiKey: KEY, directory: dir, logger: logger()});
    await writeFile(store.filePath, content);
    expect(await store.load()).toEqual([]);
    expect(lines.join('')).toContain(`The request window ${store.filePath} is corrupt (${reason}); ignored.`);
    await store.save([5]);
    expect(await store.load()).toEqual([5]);
  });

  it('ignores an unreadable file, and a failed write is logged once, never thrown', async () => {
    const store = createRequestWindowStore({apiKey: KEY, directory: dir, logger: logger()});
    // A directory where the file should be: reading fails (EISDIR), so does the rename over it.
    await mkdir(store.filePath);
    expect(await store.load()).toEqual([]);
    expect(lines.join('')).toContain('is unreadable (EISDIR); ignored.');
    await store.save([1]);
    await store.save([2]);
    const failures = lines.filter((l) => l.includes('Could not save the request window'));
    expect(failures).toHaveLength(1);
    // No temp file is left behind.
    expect(await readdir(dir)).toEqual([requestWindowFileName(KEY)]);
    expect(lines.join('')).not.toContain(KEY);
  });

  it('a missing file is an empty window, silently', async () => {
    const store = createRequestWindowStore({
      apiKey: KEY,
      directory: path.join(dir, 'not-yet'),
      logger: logger(),
    });
    expect(await store.load()).toEqual([]);
    expect(lines).toEqual([]);
  });
});
