import {spawn} from 'node:child_process';
import path from 'node:path';
import {RenderInternals} from '@remotion/renderer';
import {MMAudioError} from '../errors.ts';
import {childEnv} from './child-env.ts';

export type FfmpegResult = {stdout: Buffer; stderr: string};

/** Absolute path of Remotion's bundled ffmpeg or ffprobe. */
export const ffExecutablePath = (
  bin: 'ffmpeg' | 'ffprobe',
  binariesDirectory: string | null = null,
): string =>
  RenderInternals.getExecutablePath({type: bin, indent: false, logLevel: 'error', binariesDirectory});

export class FfmpegError extends MMAudioError {
  readonly stderr: string;
  constructor(bin: string, code: number | null, stderr: string) {
    const tail = stderr.trim().split('\n').slice(-5).join('\n');
    super(`${bin} exited with code ${code}: ${tail}`);
    this.stderr = stderr;
  }
}

/**
 * Runs Remotion's bundled ffmpeg/ffprobe (from @remotion/compositor-*), so no system ffmpeg is needed.
 * Paths in `args` must be absolute: the binary runs in its own directory.
 * Resolves with all of stdout as a Buffer (use small outputs, or raw frames at low resolution), unless
 * `onStdout` consumes it as it streams.
 */
export const runFf = (
  bin: 'ffmpeg' | 'ffprobe',
  args: string[],
  options: {
    signal?: AbortSignal;
    binariesDirectory?: string | null;
    /** Consume stdout as it comes (e.g. to hash raw frames) instead of buffering it; `stdout` is then empty. */
    onStdout?: (chunk: Buffer) => void;
  } = {},
): Promise<FfmpegResult> => {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(options.signal.reason ?? new Error('Aborted'));
      return;
    }
    const executable = ffExecutablePath(bin, options.binariesDirectory ?? null);
    const cwd = path.dirname(executable);
    const child = spawn(
      executable,
      bin === 'ffmpeg' ? ['-hide_banner', '-nostdin', ...args] : ['-hide_banner', ...args],
      {
        cwd,
        env: {...childEnv(), LD_LIBRARY_PATH: [cwd, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':')},
      },
    );
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => (options.onStdout ? options.onStdout(d) : out.push(d)));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.length > 200_000) err = err.slice(-100_000);
    });
    const onAbort = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', onAbort, {once: true});
    child.on('error', (e) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('close', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (options.signal?.aborted) {
        reject(options.signal.reason ?? new Error('Aborted'));
        return;
      }
      if (code !== 0) {
        reject(new FfmpegError(bin, code, err));
        return;
      }
      resolve({stdout: Buffer.concat(out), stderr: err});
    });
  });
};
