import type {Dispatcher} from 'undici';
import {InvalidResponseError} from '../api/errors.ts';
import {readTextCapped} from '../api/http-body.ts';
import {MAX_TASK_JSON_BYTES} from '../api/result-limits.ts';

/** An answer's body as JSON: capped in size (a task is a few kB), and JSON, else InvalidResponseError. */
export const readJson = async (
  response: Dispatcher.ResponseData,
  what: string,
  redact: (text: string) => string,
): Promise<unknown> => {
  const text = await readTextCapped(response, MAX_TASK_JSON_BYTES, what);
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidResponseError(
      `${what}: the answer is not JSON (${redact(text.slice(0, 120)) || 'empty body'})`,
    );
  }
};

/** The first problems of a failed schema parse, for a message. */
export const describeIssues = (issues: readonly {path: PropertyKey[]; message: string}[]): string =>
  issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`)
    .join('; ');
