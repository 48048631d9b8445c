import {randomBytes} from 'node:crypto';
import {PROVIDERS, type ProviderName} from '../contract/providers.ts';
import {UsageError} from '../errors.ts';
import type {Logger} from '../log.ts';
import {createFalProvider, falWebhookTaskId} from './fal/create-fal-provider.ts';
import {createPiapiProvider, piapiWebhookTaskId} from './piapi/create-piapi-provider.ts';
import type {MmaudioProvider} from './provider.ts';
import type {ProviderClientOptions} from './provider-client-options.ts';
import {createReplicateProvider, replicateWebhookTaskId} from './replicate/create-replicate-provider.ts';

/** The hosts other than Qubico (whose client predates the provider interface and is built on its own). */
export type OtherProviderName = Exclude<ProviderName, 'qubico'>;

/** fal's public JWKS of webhook keys (sources differ: `FAL_JWKS_URL` overrides it). */
export const FAL_DEFAULT_JWKS_URL = 'https://rest.alpha.fal.ai/.well-known/jwks.json';

/** The task id each host's webhook body names. */
export const webhookTaskIdOf: Readonly<Record<OtherProviderName, (body: unknown) => string | null>> = {
  piapi: piapiWebhookTaskId,
  fal: falWebhookTaskId,
  replicate: replicateWebhookTaskId,
};

export type CreateProviderOptions = {
  /** The host's key; default its variable (PIAPI_API_KEY, FAL_KEY, REPLICATE_API_TOKEN). */
  apiKey?: string | null;
  baseUrl?: string | null;
  logger: Logger;
  client?: Omit<ProviderClientOptions, 'apiKey' | 'baseUrl' | 'logger'>;
  /** Where the host calls back; `secret` per host (PiAPI: ours, Replicate: the account's whsec_). */
  webhook?: {url: string; secret?: string | null} | null;
  /** The pipeline hosts proxies itself (`upload`): required by hosts that take URLs only. */
  hasUpload: boolean;
  /** Replicate's model version; default `REPLICATE_MMAUDIO_VERSION`, else the pinned one. */
  replicateModelVersion?: string | null;
  /** fal's JWKS of webhook keys; default `FAL_JWKS_URL`, else fal's public one. */
  falJwksUrl?: string | null;
  env?: NodeJS.ProcessEnv;
};

/**
 * PiAPI, fal or Replicate behind the provider interface, from the run's options: its key, base URL and
 * webhook. What would fail only after the frame pass fails here instead, before anything is sent: no
 * key, a host that needs URLs without an `upload` hook, a Replicate webhook without its signing secret.
 */
export const createProvider = (name: OtherProviderName, options: CreateProviderOptions): MmaudioProvider => {
  const facts = PROVIDERS[name];
  const env = options.env ?? process.env;
  if (!facts.accepts.inline && !options.hasUpload) {
    throw new UsageError(
      `${facts.label} takes the video as an http(s) URL only: pass --upload-url s3://bucket/prefix (or --cache-url: ` +
        'its bucket is used), where each proxy is put and sent as a presigned URL, or an `upload` function ' +
        '(upload(file) → URL, the library option) that hosts each proxy where the service can fetch it. Nothing was sent.',
    );
  }
  const common = {
    ...options.client,
    logger: options.logger,
    ...(options.apiKey ? {apiKey: options.apiKey} : {}),
    ...(options.baseUrl ? {baseUrl: options.baseUrl} : {}),
  };
  const hook = options.webhook ?? null;
  if (name === 'piapi') {
    const secret = hook ? (hook.secret ?? env.PIAPI_WEBHOOK_SECRET ?? randomBytes(24).toString('hex')) : null;
    return createPiapiProvider({...common, webhook: hook && secret ? {url: hook.url, secret} : null});
  }
  if (name === 'fal') {
    return createFalProvider({
      ...common,
      webhook: hook
        ? {url: hook.url, jwksUrl: options.falJwksUrl || env.FAL_JWKS_URL || FAL_DEFAULT_JWKS_URL}
        : null,
    });
  }
  const secret = hook ? (hook.secret ?? env.REPLICATE_WEBHOOK_SECRET ?? null) : null;
  if (hook && !secret) {
    throw new UsageError(
      'A Replicate webhook is verified with the account’s signing secret: set REPLICATE_WEBHOOK_SECRET ' +
        '(whsec_…, from GET /v1/webhooks/default/secret). Nothing was sent.',
    );
  }
  return createReplicateProvider({
    ...common,
    ...(options.replicateModelVersion || env.REPLICATE_MMAUDIO_VERSION
      ? {modelVersion: options.replicateModelVersion || env.REPLICATE_MMAUDIO_VERSION}
      : {}),
    webhook: hook && secret ? {url: hook.url, secret} : null,
  });
};
