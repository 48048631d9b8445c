export type Summary = {min: number; median: number; values: number[]};

export const summarize = (values: number[]): Summary | null => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return {min: sorted[0], median, values};
};

type Tree = {[key: string]: number | Tree | undefined};

/**
 * Summarises every number found at the same path in several records (runs): `{a: {b: 1}}` and
 * `{a: {b: 3}}` give `{a: {b: {min: 1, median: 2, values: [1, 3]}}}`. Paths missing from a run are skipped
 * for that run.
 */
export const summarizeTree = (records: Tree[]): Record<string, unknown> => {
  const keys = new Set(records.flatMap((r) => Object.keys(r)));
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const present = records.map((r) => r[key]).filter((v) => v !== undefined);
    if (present.every((v) => typeof v === 'number')) {
      const summary = summarize(present as number[]);
      if (summary) out[key] = summary;
    } else {
      out[key] = summarizeTree(present.filter((v): v is Tree => typeof v === 'object'));
    }
  }
  return out;
};
