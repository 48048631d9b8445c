import type {Dispatcher} from 'undici';
import {InvalidResponseError, type ResponseHeaders} from './errors.ts';

/** Error bodies are read up to this size; the rest is drained and dropped. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

export const flattenHeaders = (headers: Dispatcher.ResponseData['headers']): ResponseHeaders => {
  const out: ResponseHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
};

/** Reads a body as text, refusing it as soon as it passes `limit` bytes (declared or counted). */
export const readTextCapped = async (
  response: Dispatcher.ResponseData,
  limit: number,
  what: string,
): Promise<string> => {
  const tooLarge = (bytes: string) =>
    new InvalidResponseError(`${what}: the answer is ${bytes} bytes, more than the ${limit} a task can take`);
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(String(declared));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw tooLarge(`over ${size}`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
};

/** Reads the first `limit` bytes of a body as text and drains the rest. */
export const readTextLimited = async (
  body: Dispatcher.ResponseData['body'],
  limit: number,
): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    if (size < limit) chunks.push(buf.subarray(0, limit - size));
    size += buf.length;
  }
  return Buffer.concat(chunks).toString('utf8');
};

/** The first error code in an error, its aggregated errors or its causes (undici nests them). */
export const errorCode = (err: unknown): string | null => {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as {code?: unknown; errors?: unknown[]; cause?: unknown};
  if (typeof e.code === 'string') return e.code;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const code = errorCode(inner);
      if (code) return code;
    }
  }
  return e.cause ? errorCode(e.cause) : null;
};

/** What may be printed of a URL: origin and path, never a query (signed URLs carry tokens there). */
export const displayUrl = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
};

export const pathOf = (url: string): string => {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
};
