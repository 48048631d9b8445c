import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {entrySource} from '../../src/cli/entry-source.ts';
import {parseCliArgs} from '../../src/cli/parse-cli-args.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-fleet-flags-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe('the key’s limits as flags', () => {
  it('--rate-limit N/S and --max-tasks N are parsed, with the expected form in the message otherwise', () => {
    const flags = parseCliArgs(['render', 'e.ts', 'c', '--rate-limit', '10/3', '--max-tasks', '2']).flags;
    expect(flags.rateLimit).toEqual({requests: 10, intervalMs: 3000});
    expect(flags.maxTasks).toBe(2);
    expect(parseCliArgs(['render', 'e.ts', 'c', '--rate-limit', '20/60s']).flags.rateLimit).toEqual({
      requests: 20,
      intervalMs: 60_000,
    });
    for (const bad of ['20', '0/60', '20/0', 'x/60', '20/-1']) {
      expect(() => parseCliArgs(['render', 'e.ts', 'c', '--rate-limit', bad])).toThrow(
        `--rate-limit must be <requests>/<seconds>, e.g. 20/60 (the key's window: 20 requests per minute, polls included), got "${bad}".`,
      );
    }
    expect(() => parseCliArgs(['render', 'e.ts', 'c', '--max-tasks', '0'])).toThrow(
      '--max-tasks must be a positive integer, got "0".',
    );
  });
});

describe('the <entry> argument, as npx remotion render reads it', () => {
  it('a serve URL or a bundle folder is used as it is; anything else is the entry file', () => {
    const bundle = path.join(dir, 'build');
    mkdirSync(bundle);
    writeFileSync(path.join(bundle, 'index.html'), '<html></html>');
    expect(entrySource('https://example.com/sites/abc/index.html')).toEqual({
      serveUrl: 'https://example.com/sites/abc/index.html',
    });
    expect(entrySource(bundle)).toEqual({serveUrl: bundle});
    expect(entrySource('remotion/index.ts')).toEqual({entryPoint: 'remotion/index.ts'});
    // A folder without index.html is not a bundle: the entry check then names it.
    expect(entrySource(dir)).toEqual({entryPoint: dir});
  });
});
