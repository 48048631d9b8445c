import {createHash} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {GetObjectCommand, HeadObjectCommand, PutObjectCommand} from '@aws-sdk/client-s3';
import {getSignedUrl} from '@aws-sdk/s3-request-presigner';
import type {UploadProxy} from '../backends/qubico/create-proxy-video-reader.ts';
import {MMAudioError} from '../errors.ts';
import {describeS3Error, type OpenS3Options, openS3} from './open-s3.ts';

/** The proxy could not be uploaded: nothing was submitted for its segment. */
export class ProxyUploadError extends MMAudioError {}

export type S3ProxyUploadOptions = OpenS3Options & {
  /** How long the host may fetch the proxy. Default 3600 s (a queue of a few tasks, with margin). */
  expiresInSeconds?: number;
};

/**
 * An `upload` that works out of the box for hosts that take the video only as a URL (fal): each proxy is
 * put under `<prefix>/proxies/<sha256>.mp4` (content addressed: a rerun finds it there and does not put it
 * again) and handed to the host as a presigned GET URL, so the bucket stays private. The URL carries a
 * signature, not the credentials; it expires after `expiresInSeconds`.
 */
export const createS3ProxyUpload = (
  options: S3ProxyUploadOptions,
): {upload: UploadProxy; close: () => void} => {
  const s3 = openS3({flag: '--upload-url', ...options});
  const expiresIn = options.expiresInSeconds ?? 3600;
  if (!Number.isInteger(expiresIn) || expiresIn < 60 || expiresIn > 7 * 24 * 3600) {
    throw new TypeError(`expiresInSeconds must be an integer from 60 to 604800, got ${expiresIn}`);
  }
  const upload: UploadProxy = async (file, info) => {
    const bytes = await readFile(file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const Key = s3.objectKey(`proxies/${sha256}.mp4`);
    try {
      const there = await s3.client
        .send(new HeadObjectCommand({Bucket: s3.bucket, Key}))
        .then((h) => h.ContentLength === bytes.length)
        .catch(() => false);
      if (!there) {
        await s3.client.send(
          new PutObjectCommand({
            Bucket: s3.bucket,
            Key,
            Body: bytes,
            ContentType: 'video/mp4',
            CacheControl: 'private, max-age=31536000, immutable',
          }),
        );
      }
      return await getSignedUrl(s3.client, new GetObjectCommand({Bucket: s3.bucket, Key}), {expiresIn});
    } catch (err) {
      throw new ProxyUploadError(
        `Uploading segment ${info.segmentIndex + 1}'s proxy (${info.bytes} bytes) to ${s3.shown} failed: ${describeS3Error(err)}. Nothing was submitted for it; check --upload-url, the endpoint and the AWS credentials.`,
        {cause: err},
      );
    }
  };
  return {upload, close: () => s3.client.destroy()};
};
