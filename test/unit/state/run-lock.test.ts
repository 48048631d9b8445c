import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {createDailyQuota} from '../../../src/api/quota.ts';
import type {MMAudioError} from '../../../src/errors.ts';
import {silentLogger} from '../../../src/log.ts';
import {generateAudio} from '../../../src/pipeline/generate.ts';
import {cacheLockPath, publishLockPath} from '../../../src/pipeline/lock-run.ts';
import {acquireLock, acquireLocks, LockTimeoutError} from '../../../src/state/run-lock.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mmaudio-lock-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

type Child = {
  pid: number;
  stdout: () => string;
  done: Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string}>;
  kill: () => void;
};

/** A real node process running a fixture script (TypeScript through tsx, as in development). */
const runFixture = (script: string, args: string[]): Child => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    pid: child.pid ?? -1,
    stdout: () => stdout,
    done: new Promise((resolve) =>
      child.on('close', (code, signal) => resolve({code, signal, stdout, stderr})),
    ),
    kill: () => child.kill('SIGKILL'),
  };
};

const waitUntil = async (condition: () => boolean, what: string, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

type Interval = {pid: number; start: number; end: number};
const intervalsOf = (logFile: string): Interval[] => {
  const byPid = new Map<number, Partial<Interval>>();
  for (const line of readFileSync(logFile, 'utf8').trim().split('\n')) {
    const [what, pid, at] = line.split(' ');
    const entry = byPid.get(Number(pid)) ?? {pid: Number(pid)};
    entry[what as 'start' | 'end'] = Number(at);
    byPid.set(Number(pid), entry);
  }
  return [...byPid.values()] as Interval[];
};

describe('acquireLock between real processes', () => {
  it('three processes started at once hold the lock one after the other; the waiters say for whom', async () => {
    const lockPath = path.join(dir, 'a', 'run.lock');
    const log = path.join(dir, 'a.log');
    writeFileSync(log, '');
    // Each holds until the release file exists, so the three overlap however slowly they start (tsx on a
    // loaded machine takes seconds): once one holds the lock and the other two wait, let go.
    const release = path.join(dir, 'a.release');
    const children = [0, 1, 2].map(() =>
      runFixture('hold-lock.ts', [lockPath, `until:${release}`, '120000', log]),
    );
    const count = (re: RegExp) => children.filter((c) => re.test(c.stdout())).length;
    await waitUntil(
      () => count(/acquired/) === 1 && count(/Waiting for hold-lock/) === 2,
      'one holder, two waiters',
      120_000,
    );
    writeFileSync(release, '');
    const runs = await Promise.all(children.map((c) => c.done));
    const intervals = intervalsOf(log).sort((a, b) => a.start - b.start);
    console.log(
      'holders (ms from first start):',
      intervals.map((i) => `${i.start - intervals[0].start}–${i.end - intervals[0].start}`).join(', '),
    );
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(intervals).toHaveLength(3);
    for (let i = 1; i < intervals.length; i++) {
      expect(intervals[i].start).toBeGreaterThanOrEqual(intervals[i - 1].end);
    }
    const waited = runs.filter((r) => /Waiting for hold-lock \d+ \(pid \d+, started /.test(r.stdout));
    expect(waited.length).toBeGreaterThanOrEqual(2);
    expect(waited[0].stdout).toContain('to finish with the test folder…');
  }, 150_000);

  it('a holder killed with SIGKILL leaves a stale lock that the next process takes over at once', async () => {
    const lockPath = path.join(dir, 'b', 'run.lock');
    const log = path.join(dir, 'b.log');
    writeFileSync(log, '');
    const holder = runFixture('hold-lock.ts', [lockPath, '60000', '1000', log]);
    await waitUntil(() => holder.stdout().includes('acquired'), 'the first holder');
    holder.kill();
    await holder.done;
    const next = await runFixture('hold-lock.ts', [lockPath, '10', '5000', log]).done;
    console.log('after SIGKILL:', next.stdout.trim().replace(/\n/g, ' | '));
    expect(next.code).toBe(0);
    expect(next.stdout).toContain(
      `stale lock of pid ${holder.pid}: its owner (pid ${holder.pid}) is no longer running`,
    );
  });

  it('a waiter gives up after its time-out with exit 1 and names the holder', async () => {
    const lockPath = path.join(dir, 'c', 'run.lock');
    const log = path.join(dir, 'c.log');
    writeFileSync(log, '');
    const holder = runFixture('hold-lock.ts', [lockPath, '4000', '1000', log]);
    await waitUntil(() => holder.stdout().includes('acquired'), 'the holder');
    const waiter = await runFixture('hold-lock.ts', [lockPath, '10', '300', log]).done;
    await holder.done;
    console.log('time-out message:', waiter.stderr.trim());
    expect(waiter.code).toBe(1);
    expect(waiter.stderr).toMatch(
      new RegExp(`^Gave up after 0\\.3 s waiting for hold-lock ${holder.pid} \\(pid ${holder.pid}, started `),
    );
    expect(waiter.stderr).toContain(`delete ${lockPath}`);
  });
});

describe('acquireLock in one process', () => {
  it('an owner on another host is waited for while its lease runs, and taken over once it is stale', async () => {
    const lockPath = path.join(dir, 'd.lock');
    const foreign = {
      pid: 1,
      host: 'render-box-2',
      startedAt: new Date().toISOString(),
      command: 'x',
      token: 't',
    };
    writeFileSync(lockPath, JSON.stringify(foreign));
    const refused = await acquireLock({lockPath, what: 'd', timeoutMs: 100, leaseMs: 60_000}).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(LockTimeoutError);
    expect((refused as Error).message).toContain('x (pid 1 on render-box-2');
    const old = new Date(Date.now() - 120_000);
    utimesSync(lockPath, old, old);
    const stale: string[] = [];
    const lock = await acquireLock({
      lockPath,
      what: 'd',
      timeoutMs: 100,
      leaseMs: 60_000,
      onStale: (_o, why) => stale.push(why),
    });
    expect(stale[0]).toMatch(/^it was last refreshed 1[12]\d s ago$/);
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.pid);
    await lock.release();
    await lock.release();
  });

  it('a release never removes a lock someone else took over', async () => {
    const lockPath = path.join(dir, 'e.lock');
    const lock = await acquireLock({lockPath, what: 'e', timeoutMs: 0});
    writeFileSync(lockPath, JSON.stringify({...lock.owner, token: 'someone-else'}));
    await lock.release();
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).token).toBe('someone-else');
  });

  it('acquireLocks takes all or none, in one global order', async () => {
    const a = path.join(dir, 'f', 'a.lock');
    const b = path.join(dir, 'f', 'b.lock');
    const other = await acquireLock({lockPath: b, what: 'b', timeoutMs: 0});
    const err = await acquireLocks(
      [
        {lockPath: b, what: 'b'},
        {lockPath: a, what: 'a'},
      ],
      {timeoutMs: 50},
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    // `a` (first in order) was taken, then given back when `b` timed out.
    const again = await acquireLock({lockPath: a, what: 'a', timeoutMs: 0});
    await again.release();
    await other.release();
    const both = await acquireLocks(
      [
        {lockPath: b, what: 'b'},
        {lockPath: a, what: 'a'},
      ],
      {timeoutMs: 0},
    );
    expect(both.map((l) => path.basename(l.lockPath))).toEqual(['a.lock', 'b.lock']);
    await Promise.all(both.map((l) => l.release()));
  });
});

describe('generateAudio and the run locks', () => {
  it('a run whose published folder is busy waits, says for whom, and gives up after lockTimeoutMs with exit 1, before bundling anything', async () => {
    const publicDir = path.join(dir, 'project', 'public');
    const cacheDir = path.join(dir, 'project', 'cache');
    const held = await acquireLock({
      lockPath: publishLockPath(publicDir, 'intro'),
      what: 'x',
      timeoutMs: 0,
      command: 'remotion-mmaudio render of "intro"',
    });
    const lines: string[] = [];
    const log = (s: unknown) => lines.push(String(s));
    const t = Date.now();
    const err = await generateAudio({
      entryPoint: path.join(import.meta.dirname, '../../../remotion/index.ts'),
      compositionId: 'intro',
      backend: 'offline',
      publicDir,
      cacheDir,
      lockTimeoutMs: 300,
      logger: {...silentLogger(), info: log, warn: log, error: log},
    }).catch((e: unknown) => e);
    const ms = Date.now() - t;
    await held.release();
    console.log(`gave up after ${ms} ms: ${(err as Error).message}`);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as MMAudioError).exitCode).toBe(1);
    expect(lines.join('\n')).toMatch(
      /^Waiting for remotion-mmaudio render of "intro" \(pid \d+, started [\d:]+\) to finish with .*public\/mmaudio\/intro…$/,
    );
    // The cache lock (taken first, in path order) was given back.
    expect(existsSync(cacheLockPath(cacheDir))).toBe(false);
  });
});

describe('the daily request counter between processes', () => {
  it('two processes counting 150 requests each at the same time add up to exactly 300', async () => {
    const stateDir = path.join(dir, 'state');
    const runs = await Promise.all([0, 1].map(() => runFixture('count-requests.ts', [stateDir, '150']).done));
    const used = await createDailyQuota({
      apiKey: 'concurrency-test-key',
      limit: 1_000_000,
      directory: stateDir,
    }).used();
    console.log(`daily counter after 2 × 150 concurrent requests: ${used}`);
    expect(runs.map((r) => `${r.code} ${r.stderr}`)).toEqual(['0 ', '0 ']);
    expect(used).toBe(300);
  });
});
