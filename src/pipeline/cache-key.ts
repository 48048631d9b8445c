import {hashJson} from '../media/hash.ts';

/**
 * The key of the content-addressed audio cache (see state/audio-cache.ts): a hash of everything that
 * decides what the service would return — which service (its base URL, or `local` for the offline
 * synthesiser), the model (or offline synthesiser version), prompt, negative prompt, steps, seed, a hash
 * of the segment's decoded proxy frames (changes exactly when the picture the service sees changes) and
 * the segment's length. A hit costs zero requests.
 */
export type CacheKeyInput = {
  /**
   * Which service makes the audio: its base URL without credentials (`https://api.qubico.ai`), `local`
   * for the offline backend. Audio made by a simulator is never served for a run against the real
   * service, nor the other way round.
   */
  service: string;
  model: string;
  prompt: string;
  negativePrompt: string | null;
  steps: number;
  seed: number;
  pictureHash: string;
  durationInFrames: number;
  fps: number;
};

/**
 * 2: the service is part of the key. Entries of version 1 are not served (they do not say which service
 * made them: a simulator's audio must never pass as paid audio); tasks of version-1 journal entries are
 * still resumed, see legacyCacheKey.
 */
export const CACHE_FORMAT_VERSION = 2;

export const computeCacheKey = (input: CacheKeyInput): string =>
  hashJson({v: CACHE_FORMAT_VERSION, ...input});

/**
 * The key a segment had in format 1, which did not name the service. Used only to find a submit journal
 * entry written by an older version, so a task already paid for is resumed instead of submitted again.
 */
export const legacyCacheKey = ({service: _service, ...input}: CacheKeyInput): string =>
  hashJson({v: 1, ...input});

/** The auto-seed key of format 1 (without the service): its seed is still used, see generation/generate-segment.ts. */
export const legacyAutoSeedKey = ({service: _service, ...input}: Omit<CacheKeyInput, 'seed'>): string =>
  hashJson({v: 1, autoSeed: true, ...input});

/** The identity of a service for cache keys: its base URL without credentials or a trailing slash. */
export const serviceIdentity = (baseUrl: string): string => {
  const url = new URL(baseUrl);
  url.username = '';
  url.password = '';
  return url.href.replace(/\/+$/, '');
};

/** Key of the seed chosen for a segment when the user gave none: everything but the seed. */
export const computeAutoSeedKey = (input: Omit<CacheKeyInput, 'seed'>): string =>
  hashJson({v: CACHE_FORMAT_VERSION, autoSeed: true, ...input});
