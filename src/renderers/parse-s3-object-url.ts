import {UsageError} from '../errors.ts';

/** Parses `s3://bucket/key` (a key is required). Apart from the uploader, so it loads no AWS SDK. */
export const parseS3ObjectUrl = (url: string): {bucket: string; key: string} => {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(url);
  if (!m)
    throw new UsageError(`An upload target must look like s3://bucket/key.mp4, got ${JSON.stringify(url)}.`);
  return {bucket: m[1], key: m[2]};
};
