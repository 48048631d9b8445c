/**
 * What each hosted MMAudio service is, as far as a plan and a bill need it: the longest clip it takes,
 * how it bills, what video input it accepts, how it signs webhooks. Browser-safe. Sources: each vendor's
 * public docs and client code (2026-12); where the vendors' own pages disagree the value is an option.
 */

export const providerNames = ['qubico', 'piapi', 'fal', 'replicate'] as const;
export type ProviderName = (typeof providerNames)[number];

export type PriceModel =
  /** A fixed price per second of video sent. */
  | {kind: 'per-video-second'; usdPerSecond: number}
  /**
   * Billed by GPU time (`metrics.predict_time`), not by video length: a plan can only estimate, from a
   * price per GPU-second and the GPU-seconds one video-second takes, both given by the user.
   */
  | {kind: 'gpu-time'; usdPerGpuSecond: number | null; gpuSecondsPerVideoSecond: number | null};

export type ProviderFacts = {
  name: ProviderName;
  /** Shown in plans and errors. */
  label: string;
  /** Environment variable holding the key. */
  keyEnv: string;
  /** Environment variable overriding the base URL (e.g. the simulator's). */
  baseUrlEnv: string;
  defaultBaseUrl: string;
  /** Longest clip in one request; null when the host sets none (the pipeline's own 60 s then applies). */
  maxClipSeconds: number | null;
  price: PriceModel;
  /** How the video may be sent: inline (base64 or a data URI) and/or as an http(s) URL. */
  accepts: {inline: boolean; url: boolean};
  /** Whether the request carries the clip's `duration` (the output is otherwise the model's 8 s). */
  takesDuration: boolean;
  /** What the result file is: a wav, an mp4 with the audio muxed in, or an undocumented format. */
  resultFormat: 'wav' | 'mp4' | 'unknown';
  webhookSigning: 'plain-secret' | 'ed25519-jwks' | 'standard-webhooks';
  canCancel: boolean;
};

/** Qubico's price and longest clip, named: the pipeline's defaults and the simulator's bill use them. */
export const QUBICO_USD_PER_SECOND = 0.05;
export const QUBICO_MAX_CLIP_SECONDS = 60;

export const PROVIDERS: Readonly<Record<ProviderName, ProviderFacts>> = {
  qubico: {
    name: 'qubico',
    label: 'Qubico',
    keyEnv: 'QUBICO_API_KEY',
    baseUrlEnv: 'QUBICO_BASE_URL',
    defaultBaseUrl: 'https://api.qubico.ai',
    maxClipSeconds: QUBICO_MAX_CLIP_SECONDS,
    price: {kind: 'per-video-second', usdPerSecond: QUBICO_USD_PER_SECOND},
    accepts: {inline: true, url: true},
    takesDuration: false,
    resultFormat: 'wav',
    webhookSigning: 'plain-secret',
    canCancel: false,
  },
  piapi: {
    name: 'piapi',
    label: 'PiAPI',
    keyEnv: 'PIAPI_API_KEY',
    baseUrlEnv: 'PIAPI_BASE_URL',
    defaultBaseUrl: 'https://api.piapi.ai',
    maxClipSeconds: 30,
    // The vendor's pages say $0.0005/s and $0.00005/s: the higher one, so that --max-cost never under-counts.
    price: {kind: 'per-video-second', usdPerSecond: 0.0005},
    // One public client sends a data:video/mp4;base64 URL; the docs ask for an mp4 URL.
    accepts: {inline: true, url: true},
    takesDuration: false,
    resultFormat: 'unknown',
    webhookSigning: 'plain-secret',
    canCancel: false,
  },
  fal: {
    name: 'fal',
    label: 'fal.ai (fal-ai/mmaudio-v2)',
    keyEnv: 'FAL_KEY',
    baseUrlEnv: 'FAL_BASE_URL',
    defaultBaseUrl: 'https://queue.fal.run',
    maxClipSeconds: 30,
    price: {kind: 'per-video-second', usdPerSecond: 0.001},
    // `video_url` must be a URL: upload first.
    accepts: {inline: false, url: true},
    takesDuration: true,
    resultFormat: 'mp4',
    webhookSigning: 'ed25519-jwks',
    canCancel: true,
  },
  replicate: {
    name: 'replicate',
    label: 'Replicate (zsxkib/mmaudio)',
    keyEnv: 'REPLICATE_API_TOKEN',
    baseUrlEnv: 'REPLICATE_BASE_URL',
    defaultBaseUrl: 'https://api.replicate.com',
    maxClipSeconds: null,
    price: {kind: 'gpu-time', usdPerGpuSecond: null, gpuSecondsPerVideoSecond: null},
    // `video` takes a URL or a data URI.
    accepts: {inline: true, url: true},
    takesDuration: true,
    resultFormat: 'mp4',
    webhookSigning: 'standard-webhooks',
    canCancel: true,
  },
};

/** The pipeline's own longest segment (proxy, result limits): a host without a limit still gets ≤ 60 s. */
export const PIPELINE_MAX_SEGMENT_SECONDS = 60;

/** The longest segment a plan may use with `provider`: its max clip length, within the pipeline's 60 s. */
export const maxSegmentSecondsFor = (provider: ProviderName): number =>
  Math.min(PROVIDERS[provider].maxClipSeconds ?? PIPELINE_MAX_SEGMENT_SECONDS, PIPELINE_MAX_SEGMENT_SECONDS);

export type BillEstimate =
  | {kind: 'exact'; usd: number; usdPerSecond: number}
  | {kind: 'estimate'; usd: number; note: string}
  | {kind: 'unknown'; note: string};

/** What `billedSeconds` of video cost at `provider`, said as exact, estimated or unknown. */
export const billFor = (
  provider: ProviderName,
  billedSeconds: number,
  price = PROVIDERS[provider].price,
): BillEstimate => {
  if (price.kind === 'per-video-second') {
    const cents = billedSeconds * price.usdPerSecond * 100;
    return {
      kind: 'exact',
      usd: Math.round(cents + 1e-9 * Math.max(1, cents)) / 100,
      usdPerSecond: price.usdPerSecond,
    };
  }
  if (price.usdPerGpuSecond === null || price.gpuSecondsPerVideoSecond === null) {
    return {
      kind: 'unknown',
      note: `${PROVIDERS[provider].label} bills GPU time (metrics.predict_time), not video seconds: no estimate without a price per GPU-second and the GPU-seconds per video-second`,
    };
  }
  const gpuSeconds = billedSeconds * price.gpuSecondsPerVideoSecond;
  return {
    kind: 'estimate',
    usd: Math.round(gpuSeconds * price.usdPerGpuSecond * 100) / 100,
    note: `estimated from ${gpuSeconds.toFixed(1)} GPU-seconds at $${price.usdPerGpuSecond}/s (billed by GPU time)`,
  };
};
