import {createHash} from 'node:crypto';
import {looksLikeMp4, Mp4Error, readMp4Info} from '../api/mp4.ts';
import {ApiFailure} from './http-reply.ts';

const DURATION_TOLERANCE_SECONDS = 0.1;

/** A 400 naming the field at fault (each contract turns it into its host's error shape). */
export const badField = (
  code: string,
  field: string,
  message: string,
  details: Record<string, unknown> = {},
) => new ApiFailure(400, code, message, {field, ...details});

export const isHttpUrl = (s: string): boolean => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};

export const videoTooLarge = (bytes: number, maxBytes: number) =>
  new ApiFailure(
    413,
    'video_too_large',
    `The video is ${bytes} bytes; the most this service accepts is ${maxBytes} bytes. Send a smaller proxy.`,
    {max_video_bytes: maxBytes, video_bytes: bytes},
  );

/** Fetches a video given as a URL, refusing past `maxBytes` (413) or `timeoutMs` (400). */
export const fetchVideo = async (
  url: string,
  field: string,
  maxBytes: number,
  timeoutMs: number,
): Promise<Uint8Array> => {
  const shown = (() => {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  })();
  const failed = (reason: string) =>
    badField('video_fetch_failed', field, `Could not fetch the video from ${shown}: ${reason}`);
  let response: Response;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    response = await fetch(url, {signal, redirect: 'follow'});
  } catch (err) {
    throw failed(signal.aborted ? `no answer within ${timeoutMs} ms` : (err as Error).message);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw failed(`HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body.cancel().catch(() => undefined);
    throw videoTooLarge(declared, maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const {done, value} = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw videoTooLarge(total, maxBytes);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof ApiFailure) throw err;
    throw failed(signal.aborted ? `no complete answer within ${timeoutMs} ms` : (err as Error).message);
  }
  return Buffer.concat(chunks);
};

/** Decodes an mp4 sent as base64, raw or as a `data:video/mp4;base64,` URI. */
export const decodeBase64Video = (text: string, field: string, maxBytes: number): Uint8Array => {
  let payload = text;
  if (/^data:/i.test(payload)) {
    const match = /^data:video\/mp4;base64,/i.exec(payload);
    if (!match) {
      throw badField(
        'invalid_video',
        field,
        'A data URI video must start with data:video/mp4;base64, (mp4 only).',
      );
    }
    payload = payload.slice(match[0].length);
  }
  payload = payload.replace(/\s+/g, '');
  if (payload.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(payload) || payload.length % 4 === 1) {
    throw badField(
      'invalid_video',
      field,
      `${field} must be an http(s) URL of an mp4, or an mp4 encoded as base64 (raw or data:video/mp4;base64,).`,
    );
  }
  const padding = payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0;
  const decodedBytes = Math.floor(((payload.length - padding) * 3) / 4);
  if (decodedBytes > maxBytes) throw videoTooLarge(decodedBytes, maxBytes);
  return Buffer.from(payload, 'base64');
};

export type LoadedVideo = {video: Uint8Array; videoSha256: string; durationInSeconds: number};

/**
 * Checks that the bytes are an mp4 with a duration within `maxSeconds` (null: no limit) and hashes them.
 * Throws 400s naming `field`.
 */
export const checkVideo = (video: Uint8Array, field: string, maxSeconds: number | null): LoadedVideo => {
  if (!looksLikeMp4(video)) {
    throw badField('invalid_video', field, 'The video is not an mp4: it does not start with an ftyp box.');
  }
  let durationInSeconds: number;
  try {
    durationInSeconds = readMp4Info(video).durationInSeconds;
  } catch (err) {
    if (err instanceof Mp4Error)
      throw badField('invalid_video', field, `The video is not a usable mp4: ${err.message}.`);
    throw err;
  }
  if (!(durationInSeconds > 0)) throw badField('invalid_video', field, 'The video has no duration.');
  if (maxSeconds !== null && durationInSeconds > maxSeconds + DURATION_TOLERANCE_SECONDS) {
    throw badField(
      'video_too_long',
      field,
      `The video is ${durationInSeconds.toFixed(2)} s long; at most ${maxSeconds} s is accepted.`,
      {duration: durationInSeconds, max_duration: maxSeconds},
    );
  }
  return {video, videoSha256: createHash('sha256').update(video).digest('hex'), durationInSeconds};
};

/** A video field: an http(s) URL (fetched) or, when `inline`, base64 / a data URI; then checked. */
export const loadVideo = async (
  value: string,
  options: {field: string; inline: boolean; maxBytes: number; timeoutMs: number; maxSeconds: number | null},
): Promise<LoadedVideo> => {
  const {field} = options;
  const isUrl = /^https?:/i.test(value);
  if (isUrl && !isHttpUrl(value)) {
    throw badField('invalid_video', field, `${field} looks like a URL but is not a valid http(s) URL.`);
  }
  if (!isUrl && !options.inline) {
    throw badField('invalid_video', field, `${field} must be an http(s) URL of the video: upload it first.`);
  }
  const video = isUrl
    ? await fetchVideo(value, field, options.maxBytes, options.timeoutMs)
    : decodeBase64Video(value, field, options.maxBytes);
  return checkVideo(video, field, options.maxSeconds);
};
