import path from 'node:path';
import type {QubicoClientOptions} from '../api/client-options.ts';
import {PROVIDERS} from '../contract/providers.ts';
import {UsageError} from '../errors.ts';
import type {Logger} from '../log.ts';
import {createProvider, type OtherProviderName, webhookTaskIdOf} from '../providers/create-provider.ts';
import {providerApiKey} from '../providers/create-provider-base.ts';
import {FAL_APP} from '../providers/fal/fal-schema.ts';
import type {MmaudioProvider} from '../providers/provider.ts';
import {REPLICATE_MMAUDIO_VERSION} from '../providers/replicate/replicate-schema.ts';
import {startProviderWebhookReceiver} from '../providers/start-provider-webhook-receiver.ts';
import {createSubmitJournal} from '../state/journal.ts';
import type {SegmentClaims} from '../state/redis-claims.ts';
import {createSegmentClaimLayer} from '../state/segment-claim-layer.ts';
import type {AudioBackend} from './backend.ts';
import type {UploadProxy} from './qubico/create-proxy-video-reader.ts';
import {createQubicoBackend} from './qubico.ts';

/** What a run's options say about the hosted service (a subset of the pipeline's normalised options). */
export type ProviderBackendOptions = {
  apiKey: string | null;
  baseUrl: string | null;
  logger: Logger;
  client: Omit<QubicoClientOptions, 'apiKey' | 'baseUrl' | 'logger' | 'webhook'>;
  webhook: {url: string; host: string; port: number; secret: string | null} | null;
  redisUrl: string | null;
  cacheDir: string;
  maxTaskAttempts: number;
  taskTimeoutMs: number;
  upload: UploadProxy | null;
  resubmitUnknown: boolean;
  /** Replicate's model version (else the pinned one) and fal's JWKS (else fal's public one). */
  replicateModelVersion: string | null;
  falJwksUrl: string | null;
};

export type ProviderBackendSetup = {
  backend: AudioBackend;
  provider: MmaudioProvider;
  /** Recorded in cache keys: which model made the audio. */
  model: string;
  /** With `--redis-url`: where the fleet agrees on auto-seeds. */
  seedAgreement?: Pick<SegmentClaims, 'agreeSeed'>;
  close: () => Promise<void>;
};

/** The model each host runs, as recorded in cache keys. */
const modelOf = (name: OtherProviderName, replicateVersion: string | null): string =>
  name === 'fal'
    ? FAL_APP
    : name === 'replicate'
      ? `zsxkib/mmaudio:${replicateVersion ?? REPLICATE_MMAUDIO_VERSION}`
      : 'Qubico/mmaudio';

/**
 * The backend of a run on PiAPI, fal or Replicate: the same per-segment policy as Qubico's (journal
 * before and after submit, resume by GET, bounded resubmits of failed tasks, unknown outcomes never paid
 * again silently) over that host's provider, its webhook receiver, and the fleet's shared limits and
 * claims when `--redis-url` is set.
 */
export const setUpProviderBackend = async (
  name: OtherProviderName,
  o: ProviderBackendOptions,
): Promise<ProviderBackendSetup> => {
  const apiKey = providerApiKey(PROVIDERS[name], o.apiKey ?? undefined);
  o.logger.addSecret(apiKey);
  if (o.webhook?.secret) o.logger.addSecret(o.webhook.secret);
  const fleet = o.redisUrl
    ? await (await import('../state/create-fleet-state.ts')).createFleetState({
        redisUrl: o.redisUrl,
        apiKey,
        provider: name,
        client: o.client,
      })
    : null;
  let provider: MmaudioProvider;
  try {
    provider = createProvider(name, {
      apiKey,
      baseUrl: o.baseUrl,
      logger: o.logger,
      client: {...o.client, ...(fleet ? {sharedLimits: fleet.limits} : {})},
      webhook: o.webhook ? {url: o.webhook.url, secret: o.webhook.secret} : null,
      hasUpload: o.upload !== null,
      replicateModelVersion: o.replicateModelVersion,
      falJwksUrl: o.falJwksUrl,
    });
  } catch (err) {
    await fleet?.close();
    throw err;
  }
  let receiver: {close: () => Promise<void>} | null = null;
  if (o.webhook) {
    try {
      receiver = await startProviderWebhookReceiver({
        provider,
        taskIdOf: webhookTaskIdOf[name],
        host: o.webhook.host,
        port: o.webhook.port,
        logger: o.logger,
      });
    } catch (err) {
      await provider.close();
      await fleet?.close();
      throw new UsageError(
        `Could not listen for webhooks on ${o.webhook.host}:${o.webhook.port}: ${err instanceof Error ? err.message : String(err)}`,
        {cause: err},
      );
    }
  }
  const localJournal = createSubmitJournal(path.join(o.cacheDir, 'journal'));
  const claimLayer = fleet
    ? createSegmentClaimLayer({claims: fleet.claims, journal: localJournal, baseUrl: provider.baseUrl})
    : null;
  const hosted = createQubicoBackend({
    client: provider,
    journal: claimLayer?.journal ?? localJournal,
    maxTaskAttempts: o.maxTaskAttempts,
    taskTimeoutMs: o.taskTimeoutMs,
    upload: o.upload,
    resubmitUnknown: o.resubmitUnknown,
  });
  return {
    backend: claimLayer ? claimLayer.wrap(hosted) : hosted,
    provider,
    model: modelOf(name, o.replicateModelVersion),
    ...(fleet ? {seedAgreement: fleet.claims} : {}),
    close: async () => {
      await receiver?.close();
      await provider.close();
      await fleet?.close();
    },
  };
};
