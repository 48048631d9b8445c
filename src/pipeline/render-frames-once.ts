import {type ChildProcess, spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import type {FfmpegOverrideFn} from '@remotion/renderer';
import {childEnv} from '../media/child-env.ts';
import {ffExecutablePath} from '../media/ffmpeg.ts';
import type {RemotionSession, SessionRenderOptions} from './remotion-session.ts';
import {createImageStreamSplitter, type PipedImageFormat} from './split-image-stream.ts';

/** Thrown (inside Remotion's render) when the frames did not go through a pre-stitcher: no single render. */
export class NoPreStitcherError extends Error {
  constructor() {
    super('Remotion encoded this render without piping frames to a pre-stitcher (parallel encoding is off)');
  }
}

export type OnceChunk = {
  index: number;
  startFrame: number;
  endFrame: number;
  file: string;
  /** sha256 of the chunk's images as the browser made them, before any encoder (see RenderedChunk). */
  imagesSha256: string;
};

/**
 * All of the frame pass's chunks from ONE `renderMedia` call, each still its own encode.
 *
 * Why: every `renderMedia` pays a start-up (a server, a page that loads the bundle, an encoder, the audio
 * mix) that a plain render pays once; on a short video, one per chunk is what the frames-once pipeline
 * cost beyond a plain render. But each chunk must stay a separate encode (see render-chunks.ts: a segment's
 * cache key hashes frames decoded from its own chunks, which must not depend on the neighbours' pictures).
 *
 * How: Remotion pipes every rendered frame, in order, to its pre-stitcher ffmpeg (`-f image2pipe -i -`,
 * then the codec's arguments). Its arguments are rewritten (`ffmpegOverride`) to copy the images, as they
 * are, to a local socket (and to encode one frame into the file Remotion muxes, which is thrown away).
 * Here the stream is cut back into images and each chunk's images are piped into an ffmpeg of its own
 * with exactly the pre-stitcher's input and encoder arguments: the same images through the same
 * encoder settings give the same stream a render of that chunk alone gives (a chunk render's output is
 * its pre-stitcher's stream, muxed with `-c:v copy`). A chunk is done (`onChunk`) as soon as its encoder
 * exits, while the render goes on.
 *
 * The own audio comes out of the same render over the whole range (`separateAudioTo`): Remotion mixes it
 * once, as a plain render of the range does.
 *
 * Returns null when Remotion did not use a pre-stitcher (it encodes from image files on disk when memory
 * is short, or for codecs without parallel encoding); the caller then renders chunk by chunk.
 */
export const renderFramesOnce = async (options: {
  session: RemotionSession;
  chunks: {startFrame: number; endFrame: number}[];
  directory: string;
  extension: string;
  renderOptions: Omit<
    SessionRenderOptions,
    'ffmpegOverride' | 'frameRange' | 'outputLocation' | 'onProgress'
  >;
  signal?: AbortSignal;
  onChunk: (chunk: OnceChunk) => void;
  onProgress?: (renderedFrames: number) => void;
}): Promise<{renderedFrames: number; audioFile: string} | null> => {
  const {chunks} = options;
  const first = chunks[0].startFrame;
  const last = chunks[chunks.length - 1].endFrame - 1;
  for (let k = 1; k < chunks.length; k++) {
    if (chunks[k].startFrame !== chunks[k - 1].endFrame) throw new Error('chunks must be contiguous');
  }
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  options.signal?.addEventListener('abort', onOuterAbort, {once: true});

  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const {port} = server.address() as net.AddressInfo;

  let tee: {inputArgs: string[]; encoderArgs: string[]; format: PipedImageFormat} | null = null;
  let failure: unknown = null;
  const fail = (err: unknown) => {
    if (failure === null) failure = err;
    controller.abort(err);
  };
  const encoders: ChildProcess[] = [];
  // Each chunk's encoder, in order; resolves when its file is complete.
  const done: Promise<void>[] = [];
  let delivered = Promise.resolve();

  const ffmpeg = ffExecutablePath('ffmpeg');
  const startEncoder = (index: number): {write: (image: Buffer) => Promise<void>; end: () => void} => {
    const chunk = chunks[index];
    const file = path.join(options.directory, `chunk-${String(index).padStart(3, '0')}.${options.extension}`);
    const cwd = path.dirname(ffmpeg);
    const child = spawn(ffmpeg, [...tee!.inputArgs, '-i', '-', ...tee!.encoderArgs, '-y', file].map(String), {
      cwd,
      env: {...childEnv(), LD_LIBRARY_PATH: [cwd, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':')},
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    encoders.push(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.stdin?.on('error', () => undefined);
    const exited = new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, sig) => {
        if (code === 0) resolve();
        else
          reject(
            new Error(
              `the encoder of chunk ${index} exited with ${code ?? sig}: ${stderr.trim().split('\n').slice(-3).join('\n')}`,
            ),
          );
      });
    });
    exited.catch(fail);
    done.push(exited);
    // Chunks are reported in order, each once its file is complete.
    const images = createHash('sha256');
    delivered = delivered.then(() =>
      exited.then(() =>
        options.onChunk({
          index,
          startFrame: chunk.startFrame,
          endFrame: chunk.endFrame,
          file,
          imagesSha256: images.digest('hex'),
        }),
      ),
    );
    delivered.catch(() => undefined);
    // One wait for 'drain' shared by every write made while the encoder's pipe is full (a socket read
    // can hold many small images): one listener, not one per image.
    let draining: Promise<void> | null = null;
    return {
      write: (image) => {
        images.update(image);
        const stdin = child.stdin;
        if (!stdin || stdin.write(image)) return draining ?? Promise.resolve();
        draining ??= new Promise<void>((resolve) =>
          stdin.once('drain', () => {
            draining = null;
            resolve();
          }),
        );
        return draining;
      },
      end: () => child.stdin?.end(),
    };
  };

  let images = 0;
  let chunkIndex = -1;
  let current: ReturnType<typeof startEncoder> | null = null;
  const connected = new Promise<void>((resolve, reject) => {
    server.once('connection', (socket) => {
      server.close();
      const splitter = createImageStreamSplitter(tee!.format, (image) => {
        const frame = first + images++;
        if (frame > last) throw new Error(`more images than the ${last - first + 1} frames rendered`);
        if (chunkIndex < 0 || frame >= chunks[chunkIndex].endFrame) {
          current?.end();
          chunkIndex++;
          current = startEncoder(chunkIndex);
        }
        const wrote = current!.write(image);
        if (frame === chunks[chunkIndex].endFrame - 1) current!.end();
        // Backpressure: the socket waits for a slow encoder.
        socket.pause();
        void wrote.then(() => socket.resume());
      });
      socket.on('data', (bytes: Buffer) => {
        try {
          splitter.push(bytes);
        } catch (err) {
          socket.destroy();
          fail(err);
        }
      });
      socket.once('error', (err) => fail(err));
      socket.once('close', () => {
        try {
          splitter.end();
          resolve();
        } catch (err) {
          reject(err);
        }
      });
    });
  });
  connected.catch(fail);

  const ffmpegOverride: FfmpegOverrideFn = ({type, args}) => {
    if (type === 'pre-stitcher') {
      const i = args.indexOf('-i');
      const y = args.lastIndexOf('-y');
      const vcodec = args[args.indexOf('-vcodec') + 1];
      const format = vcodec === 'mjpeg' ? 'jpeg' : vcodec === 'png' ? 'png' : null;
      if (i < 0 || args[i + 1] !== '-' || y !== args.length - 2 || !format || !args.includes('image2pipe')) {
        // An unknown shape: leave Remotion's own command, and say so afterwards (no chunks were made).
        return args;
      }
      tee = {inputArgs: args.slice(0, i), encoderArgs: args.slice(i + 2, y), format};
      return [
        ...tee.inputArgs,
        '-i',
        '-',
        '-map',
        '0:v',
        '-c:v',
        'copy',
        '-flush_packets',
        '1',
        '-f',
        'image2pipe',
        `tcp://127.0.0.1:${port}`,
        // Remotion muxes the pre-stitcher's file (with -c:v copy): one frame of it is enough, unused.
        '-map',
        '0:v',
        '-frames:v',
        '1',
        ...tee.encoderArgs,
        '-y',
        args[y + 1],
      ];
    }
    if (type === 'stitcher' && !tee) throw new NoPreStitcherError();
    return args;
  };

  const audioFile = path.join(options.directory, 'own-audio.wav');
  const stitched = path.join(options.directory, `frames-once.${options.extension}`);
  let renderedFrames = 0;
  try {
    try {
      await options.session.render(
        {
          ...options.renderOptions,
          ffmpegOverride,
          frameRange: [first, last],
          outputLocation: stitched,
          separateAudioTo: audioFile,
          onProgress: (p) => {
            renderedFrames = p.renderedFrames;
            options.onProgress?.(p.renderedFrames);
          },
        },
        controller.signal,
      );
    } catch (err) {
      if (err instanceof NoPreStitcherError || String(err).includes(new NoPreStitcherError().message)) {
        return null;
      }
      if (failure !== null) throw failure;
      if (!tee) return null;
      throw err;
    }
    if (!tee) return null;
    await connected;
    await Promise.all(done);
    await delivered;
    if (failure !== null) throw failure;
    if (images !== last - first + 1 || chunkIndex !== chunks.length - 1) {
      throw new Error(`the render piped ${images} images for ${last - first + 1} frames`);
    }
    return {renderedFrames: Math.max(renderedFrames, images), audioFile};
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
    server.close();
    for (const e of encoders) if (e.exitCode === null) e.kill('SIGKILL');
  }
};
