import path from 'node:path';
import {parsePublishUrl} from '../state/parse-publish-url.ts';
import type {PublishedAudio} from '../state/publish-to-s3.ts';
import type {GenerateAudioResult} from './generate.ts';
import type {GenerateAudioOptions} from './options.ts';

export type PublishGeneratedOptions = {
  /**
   * `s3://bucket/prefix`: after generating, upload the wavs (named by their sha256, immutable) and the
   * manifest whose `src` entries are their URLs, and return the input props to render with elsewhere
   * (`npx remotion lambda render … --props`). Endpoint and credentials as `cacheUrl`: `cacheEndpoint` /
   * `AWS_ENDPOINT_URL_S3` and the usual AWS variables. Default none.
   */
  publishUrl?: string | null;
  /** The origin the wavs are read from when not the store's own (a CDN): `<publishBaseUrl>/<key>`. */
  publishBaseUrl?: string | null;
};

export type PublishGeneratedResult = {
  /** Set when `publishUrl` was given. */
  published?: PublishedAudio;
};

/**
 * Runs a generation and, with `publishUrl`, publishes its audio. The store is opened (and its bucket
 * checked) before `generate` runs, so a wrong bucket or credentials stop the run before money is spent.
 * The store's client (the AWS SDK) is loaded only when publishing.
 */
export const withPublishing = async <R extends GenerateAudioResult>(
  options: Pick<GenerateAudioOptions, 'cacheEndpoint' | 'inputProps' | 'logger'> & PublishGeneratedOptions,
  generate: () => Promise<R>,
): Promise<R & PublishGeneratedResult> => {
  if (!options.publishUrl) return generate();
  parsePublishUrl(options.publishUrl);
  const {openS3Publisher} = await import('../state/publish-to-s3.ts');
  const publisher = await openS3Publisher({
    url: options.publishUrl,
    endpoint: options.cacheEndpoint ?? null,
    publicBaseUrl: options.publishBaseUrl ?? null,
    ...(options.logger ? {logger: options.logger} : {}),
  });
  try {
    const result = await generate();
    // <publicDir>/mmaudio/<id>/manifest.json
    const publicDir = path.resolve(result.manifestPath, '../../..');
    const published = await publisher.publish({
      manifest: result.manifest,
      publicDir,
      inputProps: options.inputProps ?? {},
    });
    return {...result, published};
  } finally {
    publisher.close();
  }
};
