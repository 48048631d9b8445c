import {existsSync, readFileSync} from 'node:fs';
import {UsageError} from '../errors.ts';

export const toNumber = (flag: string, value: string | undefined, integer = false): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${flag} must be ${integer ? 'an integer' : 'a number'}, got "${value}".`);
  }
  return n;
};

export const positiveInteger = (flag: string, value: string | undefined): number | undefined => {
  const n = toNumber(flag, value, true);
  if (n !== undefined && n < 1) throw new UsageError(`--${flag} must be a positive integer, got "${value}".`);
  return n;
};

/** `--rate-limit N/S`: N requests per S seconds, every request counted (polls too), as the key allows. */
export const parseRateLimitFlag = (value: string): {requests: number; intervalMs: number} => {
  const m = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*s?\s*$/.exec(value);
  const requests = m ? Number(m[1]) : Number.NaN;
  const seconds = m ? Number(m[2]) : Number.NaN;
  if (!m || requests < 1 || !(seconds > 0)) {
    throw new UsageError(
      `--rate-limit must be <requests>/<seconds>, e.g. 20/60 (the key's window: 20 requests per minute, polls included), got "${value}".`,
    );
  }
  return {requests, intervalMs: Math.round(seconds * 1000)};
};

/** `--props` takes a JSON string or the path of a JSON file, as Remotion's does. */
export const parsePropsFlag = (value: string): Record<string, unknown> => {
  let text = value;
  let source = 'JSON';
  if (!value.trim().startsWith('{') && existsSync(value)) {
    text = readFileSync(value, 'utf8');
    source = `the file ${value}`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `--props must be a JSON object or the path of a JSON file; could not parse ${source}: ${
        err instanceof Error ? err.message : String(err)
      }`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(
      `--props must be a JSON object, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}.`,
    );
  }
  return parsed as Record<string, unknown>;
};
