import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import type {RenderedChunk} from '../frame-pass.ts';

/** The concat demuxer's list of the chunks, in order, beside them. */
export const writeConcatList = async (chunks: RenderedChunk[]): Promise<string> => {
  const sorted = chunks.slice().sort((a, b) => a.startFrame - b.startFrame);
  const list = path.join(path.dirname(sorted[0].file), 'chunks.txt');
  await writeFile(list, sorted.map((c) => `file '${c.file.replace(/'/g, "'\\''")}'`).join('\n'));
  return list;
};
