import {randomBytes} from 'node:crypto';
import path from 'node:path';
import {createQubicoClient, type QubicoClient} from '../../api/client.ts';
import {MMAUDIO_MODEL} from '../../api/schema.ts';
import {startWebhookReceiver, type WebhookReceiver} from '../../api/webhook.ts';
import type {AudioBackend, BackendName} from '../../backends/backend.ts';
import {createOfflineBackend} from '../../backends/offline.ts';
import {createQubicoBackend} from '../../backends/qubico.ts';
import {setUpProviderBackend} from '../../backends/set-up-provider-backend.ts';
import {PROVIDERS} from '../../contract/providers.ts';
import {UsageError} from '../../errors.ts';
import {createQubicoProvider} from '../../providers/qubico/create-qubico-provider.ts';
import {createSubmitJournal} from '../../state/journal.ts';
import type {SegmentClaims} from '../../state/redis-claims.ts';
import {createSegmentClaimLayer} from '../../state/segment-claim-layer.ts';
import {serviceIdentity} from '../cache-key.ts';
import type {NormalizedGenerateOptions} from '../options.ts';

/** Model id recorded for the offline synthesiser in cache keys; bump when its output changes. */
export const OFFLINE_MODEL = 'remotion-mmaudio/offline-v1';

/** The service recorded for the offline synthesiser in cache keys: this machine. */
export const OFFLINE_SERVICE = 'local';

export type BackendSetup = {
  backend: AudioBackend;
  name: BackendName;
  /** Which service makes the audio, for cache keys (see CacheKeyInput.service). */
  service: string;
  model: string;
  /** The hosted service's base URL and daily quota; null for offline and custom backends. */
  client: Pick<QubicoClient, 'baseUrl' | 'quota'> | null;
  receiver: WebhookReceiver | null;
  /** With `--redis-url`: where the fleet agrees on auto-seeds. */
  seedAgreement?: Pick<SegmentClaims, 'agreeSeed'>;
  close: () => Promise<void>;
};

/**
 * Opens the backend a run generates with: your own AudioBackend as given, the offline synthesiser, or
 * the Qubico client (with its webhook receiver, fleet limits and segment claims when asked) behind the
 * journaled backend. `close()` shuts down whatever was opened.
 */
export const setUpBackend = async (
  o: NormalizedGenerateOptions,
  name: BackendName,
): Promise<BackendSetup> => {
  if (o.backend && typeof o.backend !== 'string') {
    const custom = o.backend;
    return {
      backend: custom,
      name,
      service: `custom:${name}`,
      model: `custom/${name}`,
      client: null,
      receiver: null,
      close: async () => custom.close?.(),
    };
  }
  if (name === 'offline') {
    const backend = createOfflineBackend();
    return {
      backend,
      name,
      service: OFFLINE_SERVICE,
      model: OFFLINE_MODEL,
      client: null,
      receiver: null,
      close: async () => backend.close?.(),
    };
  }
  if (name !== 'qubico') {
    // PiAPI, fal, Replicate: the same journaled backend over that host's provider. A host that takes the
    // video only as a URL gets the shared cache's bucket for the proxies when no upload is given.
    const uploadUrl =
      o.uploadUrl ?? (!o.upload && !PROVIDERS[name].accepts.inline && o.cacheUrl ? o.cacheUrl : null);
    if (uploadUrl && !o.uploadUrl) {
      o.logger.verbose(
        `${PROVIDERS[name].label} takes URLs only: proxies go to ${uploadUrl} as presigned URLs.`,
      );
    }
    const s3Upload = uploadUrl
      ? (await import('../../state/s3-proxy-upload.ts')).createS3ProxyUpload({
          url: uploadUrl,
          endpoint: o.cacheEndpoint ?? undefined,
        })
      : null;
    const hosted = await setUpProviderBackend(name, {...o, upload: s3Upload?.upload ?? o.upload}).catch(
      (err: unknown) => {
        s3Upload?.close();
        throw err;
      },
    );
    return {
      backend: hosted.backend,
      name,
      service: serviceIdentity(hosted.provider.baseUrl),
      model: hosted.model,
      client: hosted.provider,
      receiver: null,
      ...(hosted.seedAgreement ? {seedAgreement: hosted.seedAgreement} : {}),
      close: async () => {
        await hosted.close();
        s3Upload?.close();
      },
    };
  }
  return setUpQubicoBackend(o, name);
};

const setUpQubicoBackend = async (o: NormalizedGenerateOptions, name: BackendName): Promise<BackendSetup> => {
  const apiKey = o.apiKey ?? process.env.QUBICO_API_KEY ?? '';
  o.logger.addSecret(apiKey);
  let webhook: {url: string; secret: string} | null = null;
  if (o.webhook) {
    const secret = o.webhook.secret ?? process.env.QUBICO_WEBHOOK_SECRET ?? randomBytes(24).toString('hex');
    o.logger.addSecret(secret);
    webhook = {url: o.webhook.url, secret};
  }
  // ioredis and the AWS SDK are loaded only by the runs that use them.
  const fleet = o.redisUrl
    ? await (await import('../../state/create-fleet-state.ts')).createFleetState({
        redisUrl: o.redisUrl,
        apiKey,
        client: o.client,
      })
    : null;
  const client = createQubicoClient({
    ...o.client,
    apiKey,
    ...(o.baseUrl ? {baseUrl: o.baseUrl} : {}),
    logger: o.logger,
    webhook,
    ...(fleet ? {sharedLimits: fleet.limits} : {}),
  });
  let receiver: WebhookReceiver | null = null;
  try {
    if (o.webhook && webhook) {
      receiver = await startWebhookReceiver({
        host: o.webhook.host,
        port: o.webhook.port,
        secret: webhook.secret,
        onTask: (taskId) => client.notifyTaskUpdate(taskId),
        logger: o.logger,
      });
      o.logger.verbose(`Listening for webhooks on ${o.webhook.host}:${receiver.port}`);
    }
  } catch (err) {
    await client.close();
    await fleet?.close();
    throw new UsageError(
      `Could not listen for webhooks on ${o.webhook?.host}:${o.webhook?.port}: ${err instanceof Error ? err.message : String(err)}`,
      {cause: err},
    );
  }
  const localJournal = createSubmitJournal(path.join(o.cacheDir, 'journal'));
  const claimLayer = fleet
    ? createSegmentClaimLayer({claims: fleet.claims, journal: localJournal, baseUrl: client.baseUrl})
    : null;
  // Proxies hosted in S3 and sent as presigned URLs (the SDK loaded only then).
  const s3Upload = o.uploadUrl
    ? (await import('../../state/s3-proxy-upload.ts')).createS3ProxyUpload({
        url: o.uploadUrl,
        endpoint: o.cacheEndpoint ?? undefined,
      })
    : null;
  const qubico = createQubicoBackend({
    client: createQubicoProvider(client, {webhookSecret: webhook?.secret ?? null}),
    journal: claimLayer?.journal ?? localJournal,
    maxTaskAttempts: o.maxTaskAttempts,
    taskTimeoutMs: o.taskTimeoutMs,
    upload: s3Upload?.upload ?? o.upload,
    resubmitUnknown: o.resubmitUnknown,
  });
  const backend = claimLayer ? claimLayer.wrap(qubico) : qubico;
  return {
    backend,
    name,
    service: serviceIdentity(client.baseUrl),
    model: MMAUDIO_MODEL,
    client,
    receiver,
    ...(fleet ? {seedAgreement: fleet.claims} : {}),
    close: async () => {
      await receiver?.close();
      await client.close();
      await fleet?.close();
      s3Upload?.close();
    },
  };
};
