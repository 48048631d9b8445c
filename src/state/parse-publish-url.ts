import {UsageError} from '../errors.ts';

/**
 * Parses `s3://bucket/prefix` for `--publish-url` (the prefix may be empty; no slashes kept at its ends).
 * Apart from the store's client, so a bad URL is refused without loading the AWS SDK.
 */
export const parsePublishUrl = (url: string): {bucket: string; prefix: string} => {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/([^?#]*))?$/.exec(url);
  if (!m) {
    throw new UsageError(
      `--publish-url must look like s3://bucket/prefix (a bucket name of 3–63 lowercase letters, digits, dots and hyphens), got ${JSON.stringify(url)}. Nothing was sent.`,
    );
  }
  return {bucket: m[1], prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '')};
};
