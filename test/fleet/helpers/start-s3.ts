import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import {freePort} from './start-redis.ts';

export type TestS3 = {
  endpoint: string;
  /** What a CI job sets for a store at `endpoint` (s3rver's fixed credentials). */
  env: Record<'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY' | 'AWS_REGION' | 'AWS_ENDPOINT_URL_S3', string>;
  stop: () => Promise<void>;
};

/** s3rver, a real S3-protocol server, on a free port of 127.0.0.1 with the given buckets, in a temp dir. */
export const startS3 = async (buckets: string[]): Promise<TestS3> => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-s3rver-'));
  const port = await freePort();
  const server = new S3rver({
    port,
    address: '127.0.0.1',
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => ({name})),
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
