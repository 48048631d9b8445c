import {createWriteStream} from 'node:fs';
import {mkdir, readFile, rename, rm} from 'node:fs/promises';
import path from 'node:path';
import {Transform} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import type {Dispatcher} from 'undici';
import type {Logger} from '../log.ts';
import {tempPathFor} from '../media/atomic.ts';
import {type SniffedAudio, sniffAudio} from '../media/sniff-audio.ts';
import {parseWavHeader, WavError, type WavFormat} from '../wav/wav.ts';
import {checkResultUrl, MAX_RESULT_REDIRECTS} from './check-result-url.ts';
import {InvalidResponseError, InvalidResultError, ResultRejectedError} from './errors.ts';
import {displayUrl, MAX_ERROR_BODY_BYTES, readTextLimited} from './http-body.ts';
import {type ResultLimits, rejectResultFormat, resultLimitsFor} from './result-limits.ts';
import type {Transport} from './transport.ts';

export type DownloadedResult = {path: string; bytes: number; format: WavFormat};

export type DownloadResultOptions = {
  signal?: AbortSignal;
  /**
   * Length of the segment the result is for. It caps the download (see `resultLimitsFor`): bytes from
   * content-length and as counted, the sample rate (8–192 kHz) and the audio's length. Default 60 s, the
   * longest segment the API takes.
   */
  segmentSeconds?: number;
};

export type ResultDownloaderOptions = {
  send: Transport['send'];
  baseUrl: string;
  apiOrigin: string;
  logger: Logger;
  combine: (signal: AbortSignal | undefined) => AbortSignal;
  /**
   * Hosts whose result is not a wav (fal and Replicate send an mp4 with AAC, PiAPI an undocumented
   * format): decodes the downloaded file (`kind` sniffed from its first bytes) to a wav at `destination`,
   * at most `maxSeconds` long. Without it, only a wav is accepted (Qubico).
   */
  toWav?: (
    source: string,
    destination: string,
    info: {kind: Exclude<SniffedAudio, 'wav'>; maxSeconds: number; signal: AbortSignal},
  ) => Promise<void>;
};

export type DownloadResult = (
  url: string,
  destination: string,
  options?: DownloadResultOptions,
) => Promise<DownloadedResult>;

/** A 3xx answer to a result download: followed by hand, never by undici. */
class ResultRedirect extends Error {
  readonly location: string | null;
  readonly status: number;
  constructor(status: number, location: string | null) {
    super(`redirect ${status}`);
    this.status = status;
    this.location = location;
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Streams a body to `tmp`, refusing it once it passes `maxBytes`. */
const streamCapped = async (
  response: Dispatcher.ResponseData,
  tmp: string,
  shown: string,
  limits: ResultLimits,
): Promise<void> => {
  let counted = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      counted += chunk.length;
      if (counted > limits.maxBytes) {
        callback(
          new ResultRejectedError(
            shown,
            `it sent more than the ${limits.maxBytes} bytes a segment's wav can take`,
          ),
        );
        return;
      }
      callback(null, chunk);
    },
  });
  await pipeline(response.body, cap, createWriteStream(tmp));
};

/**
 * Downloads a result: redirects followed by hand (https only off the API's origin, the key sent to the
 * API's origin only), size capped while streaming, a complete RIFF/WAVE file checked against the
 * segment's limits, then renamed into place. A refused or truncated result leaves nothing behind.
 */
export const createResultDownloader = (options: ResultDownloaderOptions): DownloadResult => {
  const {send, baseUrl, apiOrigin, logger, toWav} = options;

  /** A result in another format, decoded to a wav beside the destination; returns the wav's path. */
  const decodeToWav = async (
    tmp: string,
    head: Uint8Array,
    shown: string,
    destinationPath: string,
    limits: ResultLimits,
    signal: AbortSignal,
  ): Promise<string> => {
    const kind = sniffAudio(head);
    if (kind === null || kind === 'wav' || !toWav) {
      const start = Buffer.from(head.subarray(0, 8)).toString('hex');
      throw new InvalidResultError(
        shown,
        `it is neither a wav nor a known audio file (it starts 0x${start})`,
      );
    }
    const wavTmp = tempPathFor(destinationPath);
    try {
      await toWav(tmp, wavTmp, {kind, maxSeconds: limits.maxDurationSeconds + 1, signal});
    } catch (err) {
      await rm(wavTmp, {force: true});
      signal.throwIfAborted();
      const reason = err instanceof Error ? err.message : String(err);
      if (err instanceof Error && err.name === 'NoAudioStreamError') {
        throw new ResultRejectedError(shown, `the ${kind} file has no audio stream`, {cause: err});
      }
      throw new InvalidResultError(shown, `the ${kind} file could not be decoded (${reason})`, {cause: err});
    }
    logger.verbose(`Result ${shown} is ${kind}: its audio decoded to a wav`);
    return wavTmp;
  };

  const receive = async (
    response: Dispatcher.ResponseData,
    shown: string,
    destinationPath: string,
    limits: ResultLimits,
    signal: AbortSignal,
  ): Promise<DownloadedResult> => {
    if (REDIRECT_STATUSES.has(response.statusCode)) {
      await readTextLimited(response.body, MAX_ERROR_BODY_BYTES);
      const location = response.headers.location;
      throw new ResultRedirect(
        response.statusCode,
        (Array.isArray(location) ? location[0] : location) ?? null,
      );
    }
    if (response.statusCode !== 200) {
      throw new InvalidResponseError(`Downloading ${shown} answered ${response.statusCode}, not 200`);
    }
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      throw new ResultRejectedError(
        shown,
        `it announces ${declared} bytes, more than the ${limits.maxBytes} a segment's wav can take`,
      );
    }
    const tmp = tempPathFor(destinationPath);
    let decoded: string | null = null;
    try {
      await streamCapped(response, tmp, shown, limits);
      let bytes = await readFile(tmp);
      if (Number.isFinite(declared) && declared !== bytes.length) {
        throw new InvalidResultError(shown, `${bytes.length} of ${declared} bytes arrived`);
      }
      if (sniffAudio(bytes) !== 'wav' && toWav) {
        decoded = await decodeToWav(tmp, bytes, shown, destinationPath, limits, signal);
        bytes = await readFile(decoded);
      }
      let format: WavFormat;
      try {
        format = parseWavHeader(bytes);
      } catch (err) {
        if (err instanceof WavError) throw new InvalidResultError(shown, err.message, {cause: err});
        throw err;
      }
      const rejected = rejectResultFormat(format, limits);
      if (rejected) throw new ResultRejectedError(shown, rejected);
      await rename(decoded ?? tmp, destinationPath);
      logger.verbose(
        `Downloaded ${shown} → ${destinationPath} (${bytes.length} bytes, ${format.sampleRate} Hz, ` +
          `${format.channels} ch, ${(format.frames / format.sampleRate).toFixed(2)} s)`,
      );
      return {path: destinationPath, bytes: bytes.length, format};
    } catch (err) {
      if (decoded) await rm(decoded, {force: true});
      throw err;
    } finally {
      await rm(tmp, {force: true});
    }
  };

  return async (url, destination, downloadOptions = {}) => {
    let target: URL;
    try {
      target = new URL(url, `${baseUrl}/`);
    } catch {
      throw new InvalidResponseError(`The result URL is not a URL: ${JSON.stringify(url.slice(0, 200))}`);
    }
    const limits = resultLimitsFor(downloadOptions.segmentSeconds ?? Number.NaN);
    const destinationPath = path.resolve(destination);
    await mkdir(path.dirname(destinationPath), {recursive: true});
    const signal = options.combine(downloadOptions.signal);
    for (let hop = 0; ; hop++) {
      const refusal = checkResultUrl(target, apiOrigin, {redirected: hop > 0});
      if (refusal) {
        throw new InvalidResponseError(
          `The result URL ${displayUrl(target.href)} is not fetched: ${refusal}`,
        );
      }
      const shown = displayUrl(target.href);
      try {
        return await send({
          method: 'GET',
          url: target.href,
          kind: 'download',
          // The key goes to the API's own origin only, never to a CDN or a redirect elsewhere.
          toApi: target.origin === apiOrigin,
          signal,
          onResponse: (response) => receive(response, shown, destinationPath, limits, signal),
        });
      } catch (err) {
        if (!(err instanceof ResultRedirect)) throw err;
        if (hop >= MAX_RESULT_REDIRECTS) {
          throw new InvalidResponseError(`Downloading ${shown}: more than ${MAX_RESULT_REDIRECTS} redirects`);
        }
        if (!err.location) {
          throw new InvalidResponseError(`Downloading ${shown}: a ${err.status} redirect without a Location`);
        }
        try {
          target = new URL(err.location, target);
        } catch {
          throw new InvalidResponseError(`Downloading ${shown}: the redirect's Location is not a URL`);
        }
        logger.verbose(`Downloading ${shown}: ${err.status} redirect to ${displayUrl(target.href)}`);
      }
    }
  };
};
