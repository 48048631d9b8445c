import {createWriteStream} from 'node:fs';
import {mkdir, rename, rm} from 'node:fs/promises';
import path from 'node:path';
import {Readable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {MMAudioError} from '../errors.ts';
import {tempPathFor} from '../media/atomic.ts';

/** One GET of `url` into `destination` (temp file, then rename); returns the bytes written. */
export const downloadOverHttp = async (
  url: string,
  destination: string,
  signal?: AbortSignal,
): Promise<number> => {
  await mkdir(path.dirname(destination), {recursive: true});
  const response = await fetch(url, {signal});
  if (!response.ok || !response.body) {
    throw new MMAudioError(
      `Could not download ${url}: HTTP ${response.status} ${response.statusText}`.trim(),
    );
  }
  const tmp = tempPathFor(destination);
  let bytes = 0;
  try {
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    await pipeline(body, createWriteStream(tmp), {signal});
    const announced = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(announced) && announced !== bytes) {
      throw new MMAudioError(`Download of ${url} was cut short: ${bytes} of ${announced} bytes`);
    }
    await rename(tmp, destination);
    return bytes;
  } finally {
    await rm(tmp, {force: true});
  }
};
