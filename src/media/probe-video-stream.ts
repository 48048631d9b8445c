import {runFf} from './ffmpeg.ts';

/** Counts the video packets (= frames, no B-frame reordering matters for a count) and reads the duration. */
export const probeVideoStream = async (
  file: string,
  signal?: AbortSignal,
): Promise<{frames: number; durationInSeconds: number}> => {
  const {stdout} = await runFf(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-count_packets',
      '-show_entries',
      'stream=nb_read_packets,duration:format=duration',
      '-of',
      'json',
      file,
    ],
    {signal},
  );
  const parsed = JSON.parse(stdout.toString()) as {
    streams?: {nb_read_packets?: string; duration?: string}[];
    format?: {duration?: string};
  };
  const stream = parsed.streams?.[0];
  // Matroska/WebM keep the duration on the container, not the stream.
  return {
    frames: Number(stream?.nb_read_packets ?? 0),
    durationInSeconds: Number(stream?.duration ?? parsed.format?.duration ?? 0),
  };
};
