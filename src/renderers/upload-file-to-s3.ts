import {createReadStream} from 'node:fs';
import {stat} from 'node:fs/promises';
import {PutObjectCommand, type S3ClientConfig} from '@aws-sdk/client-s3';
import {MMAudioError} from '../errors.ts';
import {openS3} from '../state/open-s3.ts';
import {parseS3ObjectUrl} from './parse-s3-object-url.ts';

/**
 * Uploads a local file to `s3://bucket/key` (one PUT: atomic, a reader sees no object or the whole one).
 * Endpoint and credentials as the audio cache: `endpoint` / `AWS_ENDPOINT_URL_S3` (path-style), the usual
 * AWS variables.
 */
export const uploadFileToS3 = async (options: {
  file: string;
  url: string;
  contentType: string;
  endpoint?: string | null;
  region?: string | null;
  clientConfig?: S3ClientConfig;
  env?: NodeJS.ProcessEnv;
}): Promise<{bucket: string; key: string; bytes: number}> => {
  parseS3ObjectUrl(options.url);
  // The key is the "prefix" of openS3's s3://bucket/prefix.
  const {
    client,
    bucket,
    prefix: key,
  } = openS3({
    url: options.url,
    flag: '--upload',
    ...(options.endpoint ? {endpoint: options.endpoint} : {}),
    ...(options.env ? {env: options.env} : {}),
    clientConfig: {
      // A streamed body is sent as it is (Content-Length, no aws-chunked trailer checksum): S3-compatible
      // stores that do not decode aws-chunked would otherwise keep the framing in the object.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      ...(options.region ? {region: options.region} : {}),
      ...options.clientConfig,
    },
  });
  const bytes = (await stat(options.file)).size;
  try {
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: createReadStream(options.file),
        ContentLength: bytes,
        ContentType: options.contentType,
      }),
    );
    return {bucket, key, bytes};
  } catch (err) {
    throw new MMAudioError(
      `Could not upload the output to s3://${bucket}/${key}: ${err instanceof Error ? err.message : String(err)}`,
      {cause: err},
    );
  } finally {
    client.destroy();
  }
};
