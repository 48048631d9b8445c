import path from 'node:path';
import {runFf} from '../../media/ffmpeg.ts';
import type {RenderedChunk} from '../frame-pass.ts';
import {writeConcatList} from './write-concat-list.ts';

/**
 * Joins the chunks' video into one file beside them, without re-encoding, as Remotion joins its own
 * chunks (`-r fps -f concat -c:v copy`). The mux then only adds the audio (`-c copy`), and checks it all.
 */
export const joinChunks = async (options: {
  chunks: RenderedChunk[];
  fps: number;
  signal?: AbortSignal;
}): Promise<string> => {
  const list = await writeConcatList(options.chunks);
  const output = path.join(path.dirname(list), `joined${path.extname(options.chunks[0].file)}`);
  await runFf(
    'ffmpeg',
    [
      '-y',
      '-r',
      String(options.fps),
      '-f',
      'concat',
      '-safe',
      '0',
      '-i',
      list,
      '-map',
      '0:v:0',
      '-c:v',
      'copy',
      output,
    ],
    {signal: options.signal},
  );
  return output;
};
