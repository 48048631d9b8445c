import {createHash} from 'node:crypto';
import {rm} from 'node:fs/promises';
import {MMAudioError, UsageError} from '../errors.ts';
import {writeFileAtomic} from '../media/atomic.ts';
import type {AudioData} from '../wav/wav.ts';
import {encodeWav} from '../wav/wav.ts';
import type {AudioBackend, BackendRequest, BackendResult} from './backend.ts';
import {analyzeVideo} from './offline/analyze-video.ts';
import {type SynthesisInput, type SynthesizeOptions, synthesisSteps} from './offline/synthesize.ts';

export type OfflineBackendOptions = {
  /** Sample rate of the wavs, 8000–192000 Hz. Default 48000. */
  sampleRate?: number;
  /** 1 (mono) or 2 (stereo). Default 2. */
  channels?: 1 | 2;
  /** Where Remotion's ffmpeg binaries live, as in Remotion's `binariesDirectory`. Default: the bundled ones. */
  binariesDirectory?: string | null;
};

type NormalizedOptions = Required<OfflineBackendOptions>;

const validateOptions = (options: OfflineBackendOptions): NormalizedOptions => {
  const sampleRate = options.sampleRate ?? 48000;
  const channels = options.channels ?? 2;
  if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 192000) {
    throw new UsageError(
      `The offline backend's sampleRate must be a whole number of Hz from 8000 to 192000, got ${sampleRate}.`,
    );
  }
  if (channels !== 1 && channels !== 2) {
    throw new UsageError(`The offline backend's channels must be 1 (mono) or 2 (stereo), got ${channels}.`);
  }
  return {sampleRate, channels, binariesDirectory: options.binariesDirectory ?? null};
};

const validateRequest = (request: BackendRequest) => {
  if (!(request.durationInSeconds > 0) || !Number.isFinite(request.durationInSeconds)) {
    throw new MMAudioError(
      `Segment ${request.segmentIndex + 1} has a duration of ${request.durationInSeconds} s; it must be a positive number of seconds.`,
    );
  }
  if (!Number.isSafeInteger(request.seed)) {
    throw new UsageError(`The seed must be a whole number up to 2^53 − 1, got ${request.seed}.`);
  }
};

/**
 * Runs the synthesis a chunk at a time, giving the event loop a turn between chunks (about every second of
 * audio), so an abort is honoured within one chunk instead of after the whole segment.
 */
const synthesizeAbortably = async (
  input: SynthesisInput,
  options: SynthesizeOptions,
  signal: AbortSignal | undefined,
): Promise<AudioData> => {
  const steps = synthesisSteps(input, options);
  let step = steps.next();
  while (!step.done) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
    step = steps.next();
  }
  return step.value;
};

const channelName = (channels: 1 | 2) => (channels === 1 ? 'mono' : 'stereo');

/**
 * A backend that makes sound on this machine, with no network and no API key: it reads the segment's
 * proxy video (brightness, motion, cuts) with Remotion's bundled ffmpeg and synthesises sound that
 * follows it — noise that swells with motion, an impact on every cut, a soft tonal bed under still
 * pictures. It ignores the prompt and never claims to be MMAudio: its task ids read `offline-<hash>`.
 * The same proxy and seed always give a byte-identical wav.
 */
export const createOfflineBackend = (options: OfflineBackendOptions = {}): AudioBackend => {
  const {sampleRate, channels, binariesDirectory} = validateOptions(options);
  let toldAboutPrompt = false;

  const generate: AudioBackend['generate'] = async (request, {signal, logger}): Promise<BackendResult> => {
    validateRequest(request);
    signal?.throwIfAborted();
    if (!toldAboutPrompt) {
      toldAboutPrompt = true;
      logger.verbose('Offline backend: sound follows the picture only; prompts are not used.');
    }
    const started = performance.now();
    const analysis = await analyzeVideo(request.proxyPath, {signal, binariesDirectory});
    signal?.throwIfAborted();
    const analysed = performance.now();
    const audio = await synthesizeAbortably(
      analysis,
      {durationInSeconds: request.durationInSeconds, sampleRate, channels, seed: request.seed},
      signal,
    );
    const wav = encodeWav(audio);
    const synthesised = performance.now();
    signal?.throwIfAborted();
    await writeFileAtomic(request.outputPath, wav);
    if (signal?.aborted) {
      // Aborted while the file was being written: the caller no longer wants it, leave nothing behind.
      await rm(request.outputPath, {force: true});
      signal.throwIfAborted();
    }
    const taskId = `offline-${createHash('sha256').update(wav).digest('hex').slice(0, 16)}`;
    const cuts = analysis.frames.filter((f) => f.cut).length;
    logger.verbose(
      `Offline audio for segment ${request.segmentIndex + 1}: ${analysis.frames.length} frames, ` +
        `${cuts} cut${cuts === 1 ? '' : 's'} → ${audio.channels[0].length} samples ` +
        `(${request.durationInSeconds.toFixed(3)} s, ${sampleRate} Hz ${channelName(channels)}); ` +
        `analysis ${Math.round(analysed - started)} ms, synthesis ${Math.round(synthesised - analysed)} ms`,
    );
    return {wavPath: request.outputPath, taskId, billedSeconds: 0, submits: 0};
  };

  return {name: 'offline', generate};
};
