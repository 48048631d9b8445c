import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {runFf} from '../media/ffmpeg.ts';

/** What a host's result file is: the simulated wav as is, or turned into its host's format. */
export type ResultFileFormat = 'wav' | 'mp4' | 'mp3' | 'm4a';

export const RESULT_CONTENT_TYPES: Readonly<Record<ResultFileFormat, string>> = {
  wav: 'audio/wav',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
};

const SIDE = 16;

/** `frames` black frames of SIDE×SIDE 8-bit gray, the picture of a result mp4. */
const blackFrames = (frames: number): Buffer => Buffer.alloc(SIDE * SIDE * frames, 0);

/**
 * Encodes the simulated wav as a host returns it, with Remotion's bundled ffmpeg: `mp4` is a tiny black
 * H.264 picture (1 fps, at least as long as the audio) with the audio as AAC at the wav's rate and channels
 * (fal, Replicate); `mp3` (libmp3lame) and `m4a` (AAC) are PiAPI's undocumented-format variants.
 */
export const encodeResultFile = async (
  wav: Uint8Array,
  format: ResultFileFormat,
  durationInSeconds: number,
): Promise<Uint8Array> => {
  if (format === 'wav') return wav;
  const dir = await mkdtemp(path.join(tmpdir(), 'mmaudio-sim-'));
  try {
    const audio = path.join(dir, 'audio.wav');
    const out = path.join(dir, `out.${format}`);
    await writeFile(audio, wav);
    const aac = ['-c:a', 'aac', '-b:a', '128k'];
    let args: string[];
    if (format === 'mp4') {
      const picture = path.join(dir, 'black.yuv');
      await writeFile(picture, blackFrames(Math.max(1, Math.ceil(durationInSeconds))));
      args = [
        // No rawvideo demuxer in this ffmpeg build: image2pipe with a fixed frame size reads raw frames.
        ...['-f', 'image2pipe', '-frame_size', String(SIDE * SIDE), '-c:v', 'rawvideo', '-pix_fmt', 'gray'],
        ...['-video_size', `${SIDE}x${SIDE}`, '-framerate', '1', '-i', picture],
        ...['-i', audio, '-map', '0:v:0', '-map', '1:a:0'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ...aac],
        ...['-movflags', '+faststart', '-f', 'mp4', out],
      ];
    } else if (format === 'mp3') {
      args = ['-i', audio, '-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3', out];
    } else {
      args = ['-i', audio, ...aac, '-movflags', '+faststart', '-f', 'mp4', out];
    }
    await runFf('ffmpeg', ['-y', '-loglevel', 'error', ...args]);
    return await readFile(out);
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
};
