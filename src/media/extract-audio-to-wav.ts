import {runFf} from './ffmpeg.ts';

/** The ffmpeg stderr line of an input without any audio stream. */
const NO_AUDIO = /matches no streams|does not contain any stream|Output file .* does not contain/i;

export class NoAudioStreamError extends Error {
  constructor() {
    super('it has no audio stream');
    this.name = 'NoAudioStreamError';
  }
}

/**
 * Decodes the first audio stream of `input` (an mp4 with AAC, an mp3, a flac, …) to a 24-bit PCM wav (the encoders Remotion's ffmpeg has: 16 and 24-bit PCM) at
 * its own rate and channels, with Remotion's bundled ffmpeg; the picture, subtitles and metadata are
 * dropped. At most `maxSeconds` are decoded, so a small file claiming hours cannot blow up on disk (the
 * caller's limits then refuse what is still too long). Absolute paths; `output` is overwritten.
 */
export const extractAudioToWav = async (
  input: string,
  output: string,
  options: {maxSeconds: number; signal?: AbortSignal},
): Promise<void> => {
  try {
    await runFf(
      'ffmpeg',
      [
        '-v',
        'error',
        '-y',
        '-i',
        input,
        '-map',
        '0:a:0',
        '-vn',
        '-sn',
        '-dn',
        '-map_metadata',
        '-1',
        '-t',
        String(options.maxSeconds),
        '-c:a',
        'pcm_s24le',
        '-fflags',
        '+bitexact',
        '-flags:a',
        '+bitexact',
        '-f',
        'wav',
        output,
      ],
      {signal: options.signal},
    );
  } catch (err) {
    if (err instanceof Error && 'stderr' in err && NO_AUDIO.test(String(err.stderr))) {
      throw new NoAudioStreamError();
    }
    throw err;
  }
};
