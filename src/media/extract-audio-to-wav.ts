import {readFile} from 'node:fs/promises';
import {parseWavHeader} from '../wav/wav.ts';
import {runFf} from './ffmpeg.ts';

/** The ffmpeg stderr line of an input without any audio stream. */
const NO_AUDIO = /matches no streams|does not contain any stream|Output file .* does not contain/i;

/** A file whose audio ends well before the length its container declares: cut off in transfer. */
export class TruncatedAudioError extends Error {
  constructor(decodedSeconds: number, declaredSeconds: number) {
    super(
      `its audio ends after ${decodedSeconds.toFixed(2)} s of the ${declaredSeconds.toFixed(2)} s its header declares (truncated)`,
    );
    this.name = 'TruncatedAudioError';
  }
}

/** Decoded audio may fall short of the declared length by encoder padding only: 0.1 s, or 2 %. */
const shortBy = (declared: number) => Math.max(0.1, declared * 0.02);

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
 * caller's limits then refuse what is still too long). Absolute paths; `output` is overwritten. A file
 * cut off in transfer throws TruncatedAudioError: its audio ends well before the duration its container
 * declares (an mp3's Xing header, the audio track's length in an mp4's moov), so a half-downloaded file
 * does not pass for a short result (which would be padded with silence).
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
  const declared = Math.min(await declaredSeconds(input, options.signal), options.maxSeconds);
  const format = parseWavHeader(new Uint8Array(await readFile(output)));
  const decoded = format.frames / format.sampleRate;
  if (Number.isFinite(declared) && decoded < declared - shortBy(declared)) {
    throw new TruncatedAudioError(decoded, declared);
  }
};

/** The duration `input`'s container declares for its first audio stream (NaN when it declares none). */
const declaredSeconds = async (input: string, signal?: AbortSignal): Promise<number> => {
  const {stdout} = await runFf(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=duration', '-of', 'csv=p=0', input],
    {signal},
  );
  return Number.parseFloat(stdout.toString().trim());
};
