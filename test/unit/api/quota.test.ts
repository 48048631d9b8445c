import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {QuotaExceededError} from '../../../src/api/errors.ts';
import {createDailyQuota, defaultStateDirectory, quotaFileName} from '../../../src/api/quota.ts';

const KEY = 'qk-test-secret-value-123';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-quota-'));
});
afterEach(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('createDailyQuota', () => {
  it('counts, persists across instances, and refuses past the limit', async () => {
    const now = () => Date.UTC(2025, 4, 1, 10);
    const a = createDailyQuota({apiKey: KEY, limit: 5, directory: dir, now});
    expect(await a.used()).toBe(0);
    await a.consume();
    await a.consume(2);
    expect(await a.used()).toBe(3);
    const b = createDailyQuota({apiKey: KEY, limit: 5, directory: dir, now});
    expect(await b.used()).toBe(3);
    expect(await b.remaining()).toBe(2);
    await b.ensureAvailable(2);
    const refused = await b.ensureAvailable(3).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QuotaExceededError);
    expect((refused as QuotaExceededError).exitCode).toBe(2);
    expect((refused as QuotaExceededError).message).toContain('3 of the daily 5');
    await b.consume(2);
    const over = await b.consume(1).catch((e: unknown) => e);
    expect(over).toBeInstanceOf(QuotaExceededError);
    expect((over as QuotaExceededError).exitCode).toBe(1);
    expect(await b.used()).toBe(5);
  });

  it('names the file by a hash of the key and never writes the key', async () => {
    const quota = createDailyQuota({apiKey: KEY, directory: dir});
    await quota.consume();
    const files = await readdir(dir);
    expect(files).toEqual([quotaFileName(KEY)]);
    expect(quotaFileName(KEY)).toMatch(/^quota-[0-9a-f]{16}\.json$/);
    expect(files.join()).not.toContain(KEY);
    expect(await readFile(path.join(dir, files[0]), 'utf8')).not.toContain(KEY);
    expect(quotaFileName('another-key')).not.toBe(quotaFileName(KEY));
  });

  it('starts again at 0 on a new UTC day', async () => {
    let t = Date.UTC(2025, 4, 1, 23, 59, 59);
    const quota = createDailyQuota({apiKey: KEY, limit: 2, directory: dir, now: () => t});
    await quota.consume(2);
    expect(await quota.remaining()).toBe(0);
    t = Date.UTC(2025, 4, 2, 0, 0, 0);
    expect(await quota.used()).toBe(0);
    await quota.consume(1);
    expect(JSON.parse(await readFile(quota.filePath, 'utf8'))).toEqual({
      version: 1,
      day: '2025-05-02',
      used: 1,
    });
  });

  it('serialises concurrent increments within a process', async () => {
    const quota = createDailyQuota({apiKey: KEY, limit: 500, directory: dir});
    await Promise.all(Array.from({length: 25}, () => quota.consume()));
    expect(await quota.used()).toBe(25);
  });

  it('treats an unreadable counter as 0 and leaves no temp file', async () => {
    const quota = createDailyQuota({apiKey: KEY, directory: dir});
    await writeFile(quota.filePath, '{not json');
    expect(await quota.used()).toBe(0);
    await quota.consume();
    expect(await quota.used()).toBe(1);
    expect(await readdir(dir)).toEqual([quotaFileName(KEY)]);
  });
});

describe('defaultStateDirectory', () => {
  it('prefers REMOTION_MMAUDIO_STATE_DIR, then XDG_STATE_HOME, then ~/.local/state', () => {
    expect(defaultStateDirectory({REMOTION_MMAUDIO_STATE_DIR: '/s', XDG_STATE_HOME: '/x'})).toBe('/s');
    expect(defaultStateDirectory({XDG_STATE_HOME: '/x'})).toBe('/x/remotion-mmaudio');
    expect(defaultStateDirectory({})).toBe(path.join(os.homedir(), '.local/state/remotion-mmaudio'));
  });
});
