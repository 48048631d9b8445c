import {createHash} from 'node:crypto';
import {copyFile, mkdir, readFile, rename, rm, stat} from 'node:fs/promises';
import path from 'node:path';
import {z} from 'zod';
import {tempPathFor, writeFileAtomic} from '../media/atomic.ts';
import {parseWavHeader} from '../wav/wav.ts';
import {hashFile, hashJson} from './hash.ts';

/**
 * Content-addressed cache of generated segment audio.
 *
 * Key = hash of everything that decides what the service would return: which service (its base URL, or
 * `local` for the offline synthesiser), the model (or offline synthesiser version), prompt, negative prompt, steps, seed, a hash of the segment's decoded proxy frames (changes
 * exactly when the picture the service sees changes) and the segment's length. A hit costs zero requests.
 *
 * Layout under `<cacheDir>/audio/`: `<key>.wav` (normalised to the segment's exact length) and
 * `<key>.json` (its metadata, including the wav's sha256). The wav is renamed into place before the
 * metadata, so an entry only counts once both exist and agree; a corrupt or half-written entry is
 * detected on read, removed and regenerated.
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

/** The auto-seed key of format 1 (without the service): its seed is still used, see generate.ts. */
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

/** What a cache entry's .json holds. The shared S3 cache stores the same record. */
export const entryMetaSchema = z.object({
  cacheKey: z.string(),
  sha256: z.string(),
  bytes: z.number().int().positive(),
  sampleRate: z.number().int().positive(),
  channels: z.number().int().positive(),
  durationInSeconds: z.number().positive(),
  taskId: z.string(),
  backend: z.string(),
  billedSeconds: z.number().nonnegative(),
  createdAt: z.string(),
});

export type CacheEntryMeta = z.infer<typeof entryMetaSchema>;
export type CacheEntry = CacheEntryMeta & {wavPath: string};

export type AudioCache = {
  /** The entry, verified (metadata parses, wav exists with the recorded size and hash); else null. */
  get(cacheKey: string): Promise<CacheEntry | null>;
  /** Copies `wavFile` into the cache and records its metadata; returns the stored entry. */
  put(
    cacheKey: string,
    wavFile: string,
    meta: Omit<CacheEntryMeta, 'cacheKey' | 'sha256' | 'bytes'>,
  ): Promise<CacheEntry>;
  getSeed(autoSeedKey: string): Promise<number | null>;
  putSeed(autoSeedKey: string, seed: number): Promise<void>;
  /**
   * Where machines share the cache (a fleet): records the seed that stands for `autoSeedKey` — `proposal`
   * if no other machine chose one first, else theirs — and returns it. Without it, `putSeed(proposal)`.
   */
  agreeSeed?(autoSeedKey: string, proposal: number): Promise<number>;
};

const seedSchema = z.object({seed: z.number().int().nonnegative()});

export const createAudioCache = (
  directory: string,
  options: {onCorrupt?: (key: string, why: string) => void} = {},
): AudioCache => {
  const audioDir = path.join(directory, 'audio');
  const seedDir = path.join(directory, 'seeds');
  const wavPathOf = (key: string) => path.join(audioDir, `${key}.wav`);
  const metaPathOf = (key: string) => path.join(audioDir, `${key}.json`);

  const drop = async (key: string, why: string) => {
    options.onCorrupt?.(key, why);
    await rm(metaPathOf(key), {force: true});
    await rm(wavPathOf(key), {force: true});
  };

  return {
    async get(cacheKey) {
      let raw: string;
      try {
        raw = await readFile(metaPathOf(cacheKey), 'utf8');
      } catch {
        return null;
      }
      let meta: CacheEntryMeta;
      try {
        meta = entryMetaSchema.parse(JSON.parse(raw));
      } catch {
        await drop(cacheKey, 'unreadable metadata');
        return null;
      }
      const wavPath = wavPathOf(cacheKey);
      try {
        const bytes = await readFile(wavPath);
        if (bytes.length !== meta.bytes) {
          await drop(cacheKey, `wav is ${bytes.length} bytes, expected ${meta.bytes}`);
          return null;
        }
        if (createHash('sha256').update(bytes).digest('hex') !== meta.sha256) {
          await drop(cacheKey, 'wav content does not match its recorded hash');
          return null;
        }
        parseWavHeader(bytes);
      } catch (err) {
        await drop(cacheKey, err instanceof Error ? err.message : String(err));
        return null;
      }
      return {...meta, wavPath};
    },
    async put(cacheKey, wavFile, meta) {
      await mkdir(audioDir, {recursive: true});
      const wavPath = wavPathOf(cacheKey);
      const tmp = tempPathFor(wavPath);
      try {
        await copyFile(wavFile, tmp);
        const bytes = (await stat(tmp)).size;
        const sha256 = await hashFile(tmp);
        await rename(tmp, wavPath);
        const full: CacheEntryMeta = {...meta, cacheKey, sha256, bytes};
        await writeFileAtomic(metaPathOf(cacheKey), `${JSON.stringify(full, null, 2)}\n`);
        return {...full, wavPath};
      } finally {
        await rm(tmp, {force: true});
      }
    },
    async getSeed(autoSeedKey) {
      try {
        return seedSchema.parse(JSON.parse(await readFile(path.join(seedDir, `${autoSeedKey}.json`), 'utf8')))
          .seed;
      } catch {
        return null;
      }
    },
    async putSeed(autoSeedKey, seed) {
      await writeFileAtomic(path.join(seedDir, `${autoSeedKey}.json`), `${JSON.stringify({seed})}\n`);
    },
  };
};
