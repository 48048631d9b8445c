import {readFile, stat} from 'node:fs/promises';
import {VIDEO_MAX_BYTES} from '../../contract/video-limits.ts';
import type {BackendRequest} from '../backend.ts';
import {SegmentGenerationError} from './segment-generation-error.ts';

/** Hosts the proxy and returns an http(s) URL the service can fetch, instead of sending base64. */
export type UploadProxy = (file: string, info: {segmentIndex: number; bytes: number}) => Promise<string>;

/**
 * What a submit sends as its video: the proxy's URL from `upload` (uploaded once per proxy, the URL
 * kept), else the proxy as base64. Called only when the submit is about to go out, inside the task
 * slot: segments queued for a slot hold no copy of their video in memory. A proxy over the service's
 * size limit is refused first (a 413 would only come after the upload).
 */
export const createProxyVideoReader = (
  upload: UploadProxy | null,
): ((request: BackendRequest) => Promise<string>) => {
  const uploaded = new Map<string, Promise<string>>();
  return async (request) => {
    const size = (await stat(request.proxyPath)).size;
    if (size > VIDEO_MAX_BYTES) {
      throw new SegmentGenerationError(
        request.segmentIndex,
        `its proxy video is ${(size / 1024 / 1024).toFixed(1)} MB, more than the ${VIDEO_MAX_BYTES / 1024 / 1024} MB the service accepts (413); nothing was sent. Use a shorter --max-segment-seconds.`,
      );
    }
    if (upload) {
      let url = uploaded.get(request.proxyPath);
      if (!url) {
        url = upload(request.proxyPath, {segmentIndex: request.segmentIndex, bytes: size});
        uploaded.set(request.proxyPath, url);
      }
      return url;
    }
    return (await readFile(request.proxyPath)).toString('base64');
  };
};
