import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import {freePort} from './start-redis.ts';

/** A bucket any page may read (what a bucket read by a Lambda render's page needs: see docs/lambda.md). */
const CORS = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>Content-Length</ExposeHeader>
    <ExposeHeader>Content-Range</ExposeHeader>
    <ExposeHeader>Accept-Ranges</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

export type TestS3 = {
  endpoint: string;
  /** What a CI job sets for a store at `endpoint` (s3rver's fixed credentials). */
  env: Record<'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY' | 'AWS_REGION' | 'AWS_ENDPOINT_URL_S3', string>;
  stop: () => Promise<void>;
};

/**
 * s3rver, a real S3-protocol server, on a free port of 127.0.0.1 with the given buckets, in a temp dir;
 * with `cors`, the buckets are readable cross-origin (CORS GET from any origin).
 */
export const startS3 = async (buckets: string[], options: {cors?: boolean} = {}): Promise<TestS3> => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-s3rver-'));
  const port = await freePort();
  const server = new S3rver({
    port,
    address: '127.0.0.1',
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => (options.cors ? {name, configs: [CORS]} : {name})),
  });
  await (server as {run: () => Promise<unknown>}).run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: {
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_S3: endpoint,
    },
    stop: async () => {
      await (server as {close: () => Promise<void>}).close();
      await rm(dir, {recursive: true, force: true});
    },
  };
};
