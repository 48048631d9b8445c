import {UsageError} from '../errors.ts';

export type S3Location = {bucket: string; prefix: string};

/** Parses `s3://bucket/prefix` (the prefix may be empty; no trailing slash kept). No SDK loaded. */
export const parseS3Url = (url: string, flag = '--cache-url'): S3Location => {
  const m = /^s3:\/\/([^/?#]+)(?:\/([^?#]*))?$/.exec(url);
  if (!m) throw new UsageError(`${flag} must look like s3://bucket/prefix, got ${JSON.stringify(url)}`);
  return {bucket: m[1], prefix: (m[2] ?? '').replace(/\/+$/, '')};
};
