import {S3Client, type S3ClientConfig} from '@aws-sdk/client-s3';
import {parseS3Url, type S3Location} from './parse-s3-url.ts';

export type OpenS3Options = {
  /** `s3://bucket/prefix`. */
  url: string;
  /** The flag the URL came from, for error messages. Default `--cache-url`. */
  flag?: string;
  /**
   * An S3-compatible endpoint (MinIO, R2, a local server). Default `AWS_ENDPOINT_URL_S3`, else
   * `AWS_ENDPOINT_URL`, else AWS. With an endpoint, path-style addressing is used (what such stores take).
   * Region and credentials come from the usual AWS variables (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, …).
   */
  endpoint?: string;
  /** Extra client configuration (tests, custom credentials). */
  clientConfig?: S3ClientConfig;
  env?: NodeJS.ProcessEnv;
};

export type OpenedS3 = S3Location & {
  client: S3Client;
  /** The location in words, for messages: `s3://bucket/prefix at host:port`. */
  shown: string;
  /** The object key of `name` under the prefix. */
  objectKey: (name: string) => string;
};

/** An S3 client for `s3://bucket/prefix`, configured from the AWS environment as the CLI documents. */
export const openS3 = (options: OpenS3Options): OpenedS3 => {
  const {bucket, prefix} = parseS3Url(options.url, options.flag);
  const env = options.env ?? process.env;
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const client = new S3Client({
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? {endpoint, forcePathStyle: true} : {}),
    ...options.clientConfig,
  });
  return {
    bucket,
    prefix,
    client,
    shown: `s3://${bucket}/${prefix}${endpoint ? ` at ${new URL(endpoint).host}` : ''}`,
    objectKey: (name) => (prefix ? `${prefix}/${name}` : name),
  };
};

/** An S3 error in words: the HTTP status when there is one (HeadBucket errors have no message). */
export const describeS3Error = (err: unknown): string => {
  const status = (err as {$metadata?: {httpStatusCode?: number}})?.$metadata?.httpStatusCode;
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  if (status === 404) return 'the bucket does not exist (HTTP 404)';
  if (status === 403) return 'access denied (HTTP 403): check the credentials';
  const words = message && message !== 'UnknownError' ? message : name;
  return status ? `HTTP ${status}${words ? ` ${words}` : ''}` : words;
};
