import {PROVIDERS} from '../contract/providers.ts';
import {UsageError} from '../errors.ts';
import type {GenerateAudioOptions} from '../pipeline/options.ts';
import {providerKeysFromEnv, selectProvider} from '../providers/select-provider.ts';
import type {CliContext} from './cli-context.ts';
import {entrySource} from './entry-source.ts';
import type {CliFlags} from './parse-cli-args.ts';

/**
 * The service, its key and base URL. The provider variables are kept out of process.env (and so of child
 * processes): the choice is made here, from the copy the CLI holds, and the chosen host's key and base URL
 * are handed over (QUBICO_*, PIAPI_*, FAL_*, REPLICATE_*), with Replicate's model version and fal's JWKS.
 */
const hostOptionsFrom = (flags: CliFlags, ctx: CliContext): Partial<GenerateAudioOptions> => {
  const provider = selectProvider({
    provider: flags.provider ?? null,
    backend: flags.backend ?? null,
    keys: providerKeysFromEnv(ctx.providerEnv),
  });
  const facts = provider === null || provider === 'offline' ? PROVIDERS.qubico : PROVIDERS[provider];
  return {
    provider: provider ?? undefined,
    apiKey: ctx.providerEnv[facts.keyEnv],
    baseUrl: ctx.providerEnv[facts.baseUrlEnv],
    // Read by the library from process.env, where the CLI hides them: handed over like the key.
    replicateModelVersion: ctx.providerEnv.REPLICATE_MMAUDIO_VERSION,
    falJwksUrl: ctx.providerEnv.FAL_JWKS_URL,
  };
};

/** The chosen host's webhook secret variable (QUBICO_WEBHOOK_SECRET, PIAPI_…, REPLICATE_…). */
const webhookSecretFrom = (flags: CliFlags, ctx: CliContext): string | undefined => {
  const provider = hostOptionsFrom(flags, ctx).provider;
  const name = provider === undefined || provider === 'offline' ? 'qubico' : provider;
  return ctx.providerEnv[`${name.toUpperCase()}_WEBHOOK_SECRET`];
};

/** CLI flags → library options (the library validates them: one place for every rule). */
export const optionsFromFlags = (
  entryPoint: string,
  compositionId: string,
  flags: CliFlags,
  ctx: CliContext,
): GenerateAudioOptions => ({
  ...entrySource(entryPoint),
  compositionId,
  inputProps: flags.props,
  prompt: flags.prompt,
  negativePrompt: flags.negativePrompt,
  steps: flags.steps,
  seed: flags.seed,
  takes: flags.takes,
  maxSegmentSeconds: flags.maxSegmentSeconds,
  overlapSeconds: flags.overlapSeconds,
  backend: flags.backend === 'qubico' || flags.backend === 'offline' ? flags.backend : undefined,
  ...hostOptionsFrom(flags, ctx),
  publicDir: flags.publicDir,
  cacheDir: flags.cacheDir,
  maxCost: flags.maxCost,
  resubmitUnknown: flags.resubmitUnknown,
  redisUrl: flags.redisUrl,
  cacheUrl: flags.cacheUrl,
  cacheEndpoint: flags.cacheEndpoint,
  uploadUrl: flags.uploadUrl,
  ...(flags.rateLimit || flags.maxTasks
    ? {
        client: {
          ...(flags.rateLimit ? {rateLimit: flags.rateLimit} : {}),
          ...(flags.maxTasks ? {maxConcurrentTasks: flags.maxTasks} : {}),
        },
      }
    : {}),
  webhook:
    flags.webhookUrl || flags.webhookListen
      ? (() => {
          if (!flags.webhookUrl || !flags.webhookListen) {
            throw new UsageError(
              '--webhook-url and --webhook-listen go together: the URL the service calls, and host:port to listen on.',
            );
          }
          return {
            url: flags.webhookUrl,
            listen: flags.webhookListen,
            secret: webhookSecretFrom(flags, ctx),
          };
        })()
      : null,
  browserExecutable: flags.browserExecutable,
  chromeMode: flags.chromeMode,
  concurrency: flags.concurrency,
  lockTimeoutMs: flags.lockTimeout === undefined ? undefined : flags.lockTimeout * 1000,
  logger: ctx.logger,
  signal: ctx.signal,
});
