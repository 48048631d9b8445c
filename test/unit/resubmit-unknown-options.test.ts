import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {HELP} from '../../src/cli/main.ts';
import {parseCliArgs} from '../../src/cli/parse-cli-args.ts';
import {UsageError} from '../../src/errors.ts';
import {normalizeGenerateOptions} from '../../src/pipeline/options.ts';

const ENTRY = path.resolve(import.meta.dirname, '../../remotion/index.ts');

describe('--resubmit-unknown', () => {
  it('is a boolean flag, off by default, and documented in --help', () => {
    expect(parseCliArgs(['render', 'a.ts', 'x']).flags.resubmitUnknown).toBe(false);
    expect(parseCliArgs(['render', 'a.ts', 'x', '--resubmit-unknown']).flags.resubmitUnknown).toBe(true);
    expect(HELP).toContain('--resubmit-unknown');
  });

  it('normalises to resubmitUnknown (default false) and refuses a non-boolean', () => {
    expect(normalizeGenerateOptions({entryPoint: ENTRY, compositionId: 'a'}).resubmitUnknown).toBe(false);
    expect(
      normalizeGenerateOptions({entryPoint: ENTRY, compositionId: 'a', resubmitUnknown: true})
        .resubmitUnknown,
    ).toBe(true);
    expect(() =>
      normalizeGenerateOptions({
        entryPoint: ENTRY,
        compositionId: 'a',
        resubmitUnknown: 'yes' as unknown as boolean,
      }),
    ).toThrow(UsageError);
  });
});

describe('a base URL with user:password', () => {
  it('is refused while the options are read (exit 2), before any bundle or request', () => {
    const run = () =>
      normalizeGenerateOptions({
        entryPoint: ENTRY,
        compositionId: 'a',
        backend: 'qubico',
        apiKey: 'k-123456',
        baseUrl: 'https://user:pa55word@api.qubico.ai',
      });
    expect(run).toThrow(UsageError);
    expect(run).toThrow(/user name or password/);
    let message = '';
    try {
      run();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toContain('pa55word');
    // The offline backend never talks to the API: its base URL is not its business.
    expect(() =>
      normalizeGenerateOptions({
        entryPoint: ENTRY,
        compositionId: 'a',
        backend: 'offline',
        baseUrl: 'https://user:pa55word@api.qubico.ai',
      }),
    ).not.toThrow();
  });
});
