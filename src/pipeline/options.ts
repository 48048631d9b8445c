import path from 'node:path';
import {normaliseBaseUrl} from '../api/client.ts';
import type {AudioBackend, BackendName} from '../backends/backend.ts';
import {maxSegmentSecondsFor, type ProviderName} from '../contract/providers.ts';
import {UsageError} from '../errors.ts';
import {createLogger, isLogLevel, silentLogger} from '../log.ts';
import {providerKeysFromEnv, selectProvider} from '../providers/select-provider.ts';
import {checkUploadUrl} from './options/check-upload-url.ts';
import type {GenerateAudioOptions} from './options/generate-audio-options.ts';
import {normalizeRunLimits} from './options/normalize-run-limits.ts';
import {normalizeWebhookOption} from './options/normalize-webhook-option.ts';
import type {NormalizedGenerateOptions} from './options/normalized-generate-options.ts';
import {validatePromptOptions} from './options/validate-prompt-options.ts';
import {DEFAULT_OVERLAP_SECONDS, MAX_SEGMENT_SECONDS, MIN_SEGMENT_SECONDS} from './plan.ts';
import {validateEntryPoint} from './remotion-session.ts';

// The option types and their parts live in ./options/; these names stay importable from here.
export type {GenerateAudioOptions} from './options/generate-audio-options.ts';
export type {GenerateProgress} from './options/generate-progress.ts';
export type {NormalizedGenerateOptions} from './options/normalized-generate-options.ts';

/** Most takes (seeds) per segment one run generates. */
export const MAX_TAKES = 16;

export const COMPOSITION_ID_PATTERN = /^[a-zA-Z0-9\u00C0-\u024F-]+$/;

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Validates every option before anything slow or billable happens; throws UsageError (exit 2). */
export const normalizeGenerateOptions = (options: GenerateAudioOptions): NormalizedGenerateOptions => {
  if (!options || typeof options !== 'object')
    throw new UsageError('generateAudio() needs an options object.');
  const {compositionId} = options;
  if (typeof compositionId !== 'string' || compositionId.length === 0) {
    throw new UsageError('Pass the id of the composition to generate audio for (compositionId).');
  }
  if (!COMPOSITION_ID_PATTERN.test(compositionId)) {
    throw new UsageError(
      `"${compositionId}" is not a valid composition id: Remotion ids use letters, digits and "-" only.`,
    );
  }
  if (!options.entryPoint && !options.serveUrl) {
    throw new UsageError('Pass an entry point (the file that calls registerRoot) or a serveUrl.');
  }
  if (options.entryPoint && !options.serveUrl) validateEntryPoint(options.entryPoint);
  validatePromptOptions(options);
  const takes = options.takes ?? 1;
  if (!Number.isInteger(takes) || takes < 1 || takes > MAX_TAKES) {
    throw new UsageError(`--takes must be an integer from 1 to ${MAX_TAKES}, got ${options.takes}.`);
  }
  const requestedMaxSegmentSeconds = options.maxSegmentSeconds ?? MAX_SEGMENT_SECONDS;
  if (
    !finite(requestedMaxSegmentSeconds) ||
    requestedMaxSegmentSeconds < MIN_SEGMENT_SECONDS ||
    requestedMaxSegmentSeconds > MAX_SEGMENT_SECONDS
  ) {
    throw new UsageError(
      `--max-segment-seconds must be between ${MIN_SEGMENT_SECONDS} and ${MAX_SEGMENT_SECONDS}, got ${options.maxSegmentSeconds}.`,
    );
  }
  const provider =
    options.backend !== undefined && typeof options.backend !== 'string'
      ? null
      : selectProvider({
          provider: options.provider ?? null,
          backend: options.backend ?? null,
          keys: providerKeysFromEnv(process.env, options.apiKey),
        });
  const planProvider: ProviderName = provider === null || provider === 'offline' ? 'qubico' : provider;
  // The provider's longest clip, capped by --max-segment-seconds.
  const maxSegmentSeconds = Math.min(requestedMaxSegmentSeconds, maxSegmentSecondsFor(planProvider));
  const overlapSeconds = options.overlapSeconds ?? Math.min(DEFAULT_OVERLAP_SECONDS, maxSegmentSeconds / 4);
  if (!finite(overlapSeconds) || overlapSeconds < 0 || overlapSeconds >= maxSegmentSeconds / 2) {
    throw new UsageError(
      `--overlap-seconds must be at least 0 and less than half of --max-segment-seconds, got ${options.overlapSeconds}.`,
    );
  }
  const maxCost = options.maxCost ?? null;
  if (maxCost !== null && (!finite(maxCost) || maxCost < 0)) {
    throw new UsageError(`--max-cost must be a number of USD ≥ 0, got ${options.maxCost}.`);
  }
  // A named qubico/offline provider is that backend; other services are `provider` only.
  const backend: BackendName | AudioBackend | null =
    options.backend !== undefined && typeof options.backend !== 'string'
      ? options.backend
      : provider === 'qubico' || provider === 'offline'
        ? options.provider !== undefined || options.backend !== undefined
          ? provider
          : null
        : null;
  if (options.resubmitUnknown !== undefined && typeof options.resubmitUnknown !== 'boolean') {
    throw new UsageError(
      `resubmitUnknown must be true or false, got ${JSON.stringify(options.resubmitUnknown)}.`,
    );
  }
  // A bad base URL (or one with user:password) is refused now, before the bundle and the frame pass.
  const baseUrlSource = options.baseUrl ?? process.env.QUBICO_BASE_URL;
  const baseUrl =
    baseUrlSource !== undefined &&
    baseUrlSource !== '' &&
    (backend === 'qubico' || (backend === null && Boolean(options.apiKey ?? process.env.QUBICO_API_KEY)))
      ? normaliseBaseUrl(baseUrlSource)
      : null;
  const limits = normalizeRunLimits(options);
  const webhook = normalizeWebhookOption(options.webhook);
  if (
    options.inputProps !== undefined &&
    (typeof options.inputProps !== 'object' ||
      options.inputProps === null ||
      Array.isArray(options.inputProps))
  ) {
    throw new UsageError('--props must be a JSON object.');
  }
  const logger =
    options.logger ?? (options.logLevel ? createLogger({level: options.logLevel}) : silentLogger());
  if (options.logLevel && !isLogLevel(options.logLevel)) {
    throw new UsageError(
      `--log must be one of trace, verbose, info, warn, error; got "${options.logLevel}".`,
    );
  }
  return {
    entryPoint: options.entryPoint ?? null,
    serveUrl: options.serveUrl ?? null,
    compositionId,
    inputProps: options.inputProps ?? {},
    prompt: options.prompt?.trim() ?? null,
    negativePrompt: options.negativePrompt?.trim() || null,
    steps: options.steps ?? null,
    seed: options.seed ?? null,
    takes,
    maxSegmentSeconds,
    overlapSeconds,
    backend,
    provider,
    planProvider,
    apiKey: options.apiKey ?? null,
    baseUrl: options.baseUrl === undefined ? null : (baseUrl ?? options.baseUrl),
    webhook,
    publicDir: path.resolve(options.publicDir ?? 'public'),
    cacheDir: path.resolve(options.cacheDir ?? '.mmaudio-cache'),
    maxCost,
    resubmitUnknown: options.resubmitUnknown ?? false,
    redisUrl: options.redisUrl ?? (process.env.REMOTION_MMAUDIO_REDIS_URL || null),
    cacheUrl: options.cacheUrl ?? null,
    cacheEndpoint: options.cacheEndpoint ?? null,
    upload: options.upload ?? null,
    uploadUrl: checkUploadUrl(options),
    replicateModelVersion: options.replicateModelVersion || process.env.REPLICATE_MMAUDIO_VERSION || null,
    falJwksUrl: options.falJwksUrl || process.env.FAL_JWKS_URL || null,
    browserExecutable: options.browserExecutable ?? null,
    chromeMode: options.chromeMode ?? null,
    ...limits,
    client: options.client ?? {},
    logger,
    onProgress: options.onProgress ?? (() => undefined),
    signal: options.signal ?? null,
  };
};
