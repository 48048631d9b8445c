import {copyFile} from 'node:fs/promises';
import type {AudioCodec} from '@remotion/renderer';
import {runFf} from './ffmpeg.ts';

/** Audio bitrate of the output, as Remotion's default. */
const AUDIO_BITRATE = '320k';

const FFMPEG_AUDIO_ENCODER: Record<AudioCodec, string> = {
  aac: 'libfdk_aac',
  mp3: 'libmp3lame',
  opus: 'libopus',
  'pcm-16': 'pcm_s16le',
};

/**
 * Encodes the final audio (48 kHz stereo 16-bit wav) as Remotion's compressAudio does: the same encoder
 * (libfdk_aac, libmp3lame, libopus), bitrate (default 320k), ADTS and 18 kHz cutoff for AAC; pcm-16 is
 * the wav itself.
 */
export const encodeAudio = async (options: {
  input: string;
  output: string;
  audioCodec: AudioCodec;
  audioBitrate?: string | null;
  signal?: AbortSignal;
}): Promise<void> => {
  if (options.audioCodec === 'pcm-16') {
    await copyFile(options.input, options.output);
    return;
  }
  const aac = options.audioCodec === 'aac';
  await runFf(
    'ffmpeg',
    [
      '-hide_banner',
      '-i',
      options.input,
      '-c:a',
      FFMPEG_AUDIO_ENCODER[options.audioCodec],
      ...(aac ? ['-f', 'adts'] : []),
      '-b:a',
      options.audioBitrate || AUDIO_BITRATE,
      ...(aac ? ['-cutoff', '18000'] : []),
      '-y',
      options.output,
    ],
    {signal: options.signal},
  );
};
