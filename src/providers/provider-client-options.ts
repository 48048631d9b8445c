import type {QubicoClientOptions} from '../api/client-options.ts';

/**
 * The options of a PiAPI, fal or Replicate provider: the same knobs as the Qubico client (request window,
 * task slots, retries, timeouts, polling, dispatcher, clock), each host's own key and base URL.
 */
export type ProviderClientOptions = Omit<QubicoClientOptions, 'webhook' | 'apiKey' | 'baseUrl'> & {
  /** Default the host's variable (PIAPI_API_KEY, FAL_KEY, REPLICATE_API_TOKEN); missing → UsageError. */
  apiKey?: string;
  /** Default the host's variable (PIAPI_BASE_URL, FAL_BASE_URL, REPLICATE_BASE_URL), else its own URL. */
  baseUrl?: string;
};

/** Seconds of a clip a host may be sent beyond its limit: containers round durations (see validate-input). */
export const CLIP_TOLERANCE_SECONDS = 0.1;
