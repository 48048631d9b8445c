import {createHash} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type {Manifest} from '../contract/manifest.ts';
import {propsManifestSchema} from '../contract/props-manifest.ts';
import {MMAudioError} from '../errors.ts';
import type {Logger} from '../log.ts';
import {parseWavHeader} from '../wav/wav.ts';
import {describeS3Error} from './open-s3.ts';
import {parsePublishUrl} from './parse-publish-url.ts';

/** Objects named by their content never change: a year, immutable (what CDNs and browsers honour). */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** The store could not be reached, refused a write, or holds something else under a content address. */
export class PublishError extends MMAudioError {}

export type PublishToS3Options = {
  /** `s3://bucket/prefix`: where the wavs and the manifest go. */
  url: string;
  /**
   * An S3-compatible endpoint (MinIO, R2, a local server). Default `AWS_ENDPOINT_URL_S3`, else
   * `AWS_ENDPOINT_URL`, else AWS. With an endpoint, path-style addressing and URLs are used.
   */
  endpoint?: string | null;
  /**
   * The origin the published objects are read from, when not the store's own (a CDN in front of the
   * bucket): `<publicBaseUrl>/<key>`. Default the store's URL of the object.
   */
  publicBaseUrl?: string | null;
  clientConfig?: S3ClientConfig;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
};

export type PublishedAudio = {
  /** The manifest with every `src` (segments and takes) the URL of its published wav. */
  manifest: Manifest;
  /** Key and URL of the published manifest (immutable, named by its content). */
  manifestKey: string;
  manifestUrl: string;
  /** The input props to render with: the given ones with `mmaudio.manifest` set. */
  inputProps: Record<string, unknown>;
  /** Wavs written now, and wavs the store already had under their content address (not written again). */
  uploaded: number;
  alreadyThere: number;
  bytesUploaded: number;
};

export type S3Publisher = {
  /** `s3://bucket/prefix` as given. */
  url: string;
  /** The URL an object key is read from. */
  urlOf: (key: string) => string;
  /**
   * Uploads the manifest's wavs (read from `publicDir`) under `<prefix>/wav/<sha256>.wav`, then the
   * manifest whose `src` entries are their URLs under `<prefix>/manifests/<composition-id>/<sha256>.json`.
   */
  publish: (options: {
    manifest: Manifest;
    publicDir: string;
    inputProps?: Record<string, unknown>;
  }) => Promise<PublishedAudio>;
  close: () => void;
};

const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/');

/**
 * Opens the store behind `--publish-url` and checks the bucket is there and reachable: call it before any
 * audio is generated, so a wrong bucket or credentials stop the run before money is spent.
 *
 * Content addressing: a wav's key is the sha256 of its bytes, so an object is written once and never
 * overwritten (a HEAD first; the PUT carries `If-None-Match: *` where the store honours it); a render
 * that cached it can keep it forever (`Cache-Control: public, max-age=31536000, immutable`).
 */
export const openS3Publisher = async (options: PublishToS3Options): Promise<S3Publisher> => {
  const {bucket, prefix} = parsePublishUrl(options.url);
  const env = options.env ?? process.env;
  const endpoint = (options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? '').replace(
    /\/+$/,
    '',
  );
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const client = new S3Client({
    region,
    ...(endpoint ? {endpoint, forcePathStyle: true} : {}),
    ...options.clientConfig,
  });
  const shown = `s3://${bucket}${prefix ? `/${prefix}` : ''}${endpoint ? ` at ${new URL(endpoint).host}` : ''}`;
  const fail = (what: string, err: unknown) =>
    new PublishError(
      `Publishing to ${shown} failed while ${what}: ${describeS3Error(err)}. Check --publish-url, the endpoint and the AWS credentials.`,
      {cause: err},
    );
  try {
    await client.send(new HeadBucketCommand({Bucket: bucket}));
  } catch (err) {
    client.destroy();
    // Checked before anything is generated: bad input, nothing was sent.
    throw new PublishError(
      `Cannot publish to ${shown}: ${describeS3Error(err)}. Check --publish-url, the endpoint and the AWS credentials. Nothing was generated or sent.`,
      {cause: err, exitCode: 2},
    );
  }
  const keyOf = (name: string) => (prefix ? `${prefix}/${name}` : name);
  const base = options.publicBaseUrl?.replace(/\/+$/, '') ?? null;
  const urlOf = (key: string): string => {
    if (base) return `${base}/${encodeKey(key)}`;
    if (endpoint) return `${endpoint}/${bucket}/${encodeKey(key)}`;
    // Virtual-hosted style, except for names with dots (their certificate would not match).
    return bucket.includes('.')
      ? `https://s3.${region}.amazonaws.com/${bucket}/${encodeKey(key)}`
      : `https://${bucket}.s3.${region}.amazonaws.com/${encodeKey(key)}`;
  };

  /** Writes `body` under `key` unless the store has it; true when written now. */
  const putOnce = async (key: string, body: Uint8Array, contentType: string): Promise<boolean> => {
    try {
      const head = await client.send(new HeadObjectCommand({Bucket: bucket, Key: key}));
      if (head.ContentLength !== undefined && head.ContentLength !== body.length) {
        throw new PublishError(
          `${shown} holds ${key} with ${head.ContentLength} bytes, not the ${body.length} its content address says. It is left as it is: remove it, or publish under another prefix.`,
        );
      }
      return false;
    } catch (err) {
      if (err instanceof PublishError) throw err;
      const status = (err as {$metadata?: {httpStatusCode?: number}})?.$metadata?.httpStatusCode;
      if (status !== 404 && (err as {name?: string}).name !== 'NotFound') throw fail(`checking ${key}`, err);
    }
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          CacheControl: IMMUTABLE_CACHE_CONTROL,
          IfNoneMatch: '*',
        }),
      );
      return true;
    } catch (err) {
      const status = (err as {$metadata?: {httpStatusCode?: number}})?.$metadata?.httpStatusCode;
      // Written meanwhile by another run: the same bytes, by its name.
      if (status === 412) return false;
      throw fail(`writing ${key}`, err);
    }
  };

  return {
    url: options.url,
    urlOf,
    publish: async ({manifest, publicDir, inputProps = {}}) => {
      let uploaded = 0;
      let alreadyThere = 0;
      let bytesUploaded = 0;
      const urls = new Map<string, string>();
      const sources = new Set<string>();
      for (const s of manifest.segments) {
        sources.add(s.src);
        for (const t of s.takes ?? []) sources.add(t.src);
      }
      // The wavs first, the manifest that points at them last: a reader never finds a URL that is not there.
      for (const src of sources) {
        const bytes = new Uint8Array(await readFile(path.join(publicDir, src)));
        parseWavHeader(bytes);
        const sha = createHash('sha256').update(bytes).digest('hex');
        const key = keyOf(`wav/${sha}.wav`);
        if (await putOnce(key, bytes, 'audio/wav')) {
          uploaded++;
          bytesUploaded += bytes.length;
        } else {
          alreadyThere++;
        }
        urls.set(src, urlOf(key));
        options.logger?.verbose(`Published ${src} as ${urlOf(key)}`);
      }
      const published = propsManifestSchema.parse({
        ...manifest,
        segments: manifest.segments.map((s) => ({
          ...s,
          src: urls.get(s.src),
          ...(s.takes ? {takes: s.takes.map((t) => ({...t, src: urls.get(t.src)}))} : {}),
        })),
      });
      const json = `${JSON.stringify(published, null, 2)}\n`;
      const sha = createHash('sha256').update(json).digest('hex');
      const manifestKey = keyOf(`manifests/${manifest.compositionId}/${sha}.json`);
      await putOnce(manifestKey, new TextEncoder().encode(json), 'application/json');
      const mmaudio = (inputProps.mmaudio ?? {}) as Record<string, unknown>;
      return {
        manifest: published,
        manifestKey,
        manifestUrl: urlOf(manifestKey),
        inputProps: {...inputProps, mmaudio: {...mmaudio, manifest: published}},
        uploaded,
        alreadyThere,
        bytesUploaded,
      };
    },
    close: () => client.destroy(),
  };
};
