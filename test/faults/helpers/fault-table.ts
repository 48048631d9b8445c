import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {expect} from 'vitest';

/** One row of the fault table: one listed fault, and what the run(s) it was injected into showed. */
export type FaultRow = {
  case: string;
  /** Which run(s): several faults that do not interfere share a run to keep the suite short. */
  run: string;
  /** `scaled 20/6 s` (client and simulator window scaled down) or `real 20/60 s` (CLI defaults). */
  window: string;
  /** Exit code per run, e.g. `1 → 0`. */
  exit: string;
  /** Tasks created per segment over the case's runs, e.g. `1 2 1`. */
  submits: string;
  maxRequestsInWindow: number | null;
  maxTasksInFlight: number | null;
  /** What public/mmaudio/<id>/ held after each run: previous, new, none (never INVALID). */
  published: string;
  /** Largest |offset| of a segment in the final mp4, in frames (and ms), or — when no run succeeded. */
  placement: string;
  secrets: string;
  /** What this fault specifically showed. */
  detail: string;
  seconds: string;
  failures: string[];
};

export type RowChecks = {
  row: FaultRow;
  /** A soft assertion that also marks the row: every check runs, and the table says which failed. */
  check: (ok: boolean, what: string) => void;
};

export const newRow = (init: Partial<FaultRow> & Pick<FaultRow, 'case' | 'run' | 'window'>): RowChecks => {
  const row: FaultRow = {
    exit: '',
    submits: '',
    maxRequestsInWindow: null,
    maxTasksInFlight: null,
    published: '',
    placement: '—',
    secrets: '',
    detail: '',
    seconds: '',
    failures: [],
    ...init,
  };
  return {
    row,
    check: (ok, what) => {
      if (!ok) row.failures.push(what);
      expect.soft(ok, `${row.case}: ${what}`).toBe(true);
    },
  };
};

const cell = (value: unknown) =>
  String(value ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');

export const formatFaultTable = (rows: FaultRow[], footer: string[]): string => {
  const header = [
    '#',
    'Case',
    'Run',
    'Window',
    'Exit',
    'Tasks/segment',
    'Max req/window',
    'Max in flight',
    'public/mmaudio',
    'Placement',
    'Secrets',
    'Detail',
    'Wall s (CPU s)',
    'Result',
  ];
  const lines = [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map(
      (r, i) =>
        `| ${[
          i + 1,
          r.case,
          r.run,
          r.window,
          r.exit,
          r.submits,
          r.maxRequestsInWindow ?? '—',
          r.maxTasksInFlight ?? '—',
          r.published,
          r.placement,
          r.secrets,
          r.detail,
          r.seconds,
          r.failures.length === 0 ? 'ok' : `FAILED: ${r.failures.join('; ')}`,
        ]
          .map(cell)
          .join(' | ')} |`,
    ),
  ];
  return `# Fault suite\n\n${lines.join('\n')}\n\n${footer.map((f) => `- ${f}`).join('\n')}\n`;
};

export const writeFaultTable = (file: string, text: string): void => {
  mkdirSync(path.dirname(file), {recursive: true});
  writeFileSync(file, text);
};
