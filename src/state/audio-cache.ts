import {createHash} from 'node:crypto';
import {copyFile, mkdir, readFile, rename, rm, stat} from 'node:fs/promises';
import path from 'node:path';
import {z} from 'zod';
import {tempPathFor, writeFileAtomic} from '../media/atomic.ts';
import {hashFile} from '../media/hash.ts';
import {parseWavHeader} from '../wav/wav.ts';

/**
 * Content-addressed store of generated segment audio, keyed by the pipeline's cache key
 * (pipeline/cache-key.ts).
 *
 * Layout under `<cacheDir>/audio/`: `<key>.wav` (normalised to the segment's exact length) and
 * `<key>.json` (its metadata, including the wav's sha256). The wav is renamed into place before the
 * metadata, so an entry only counts once both exist and agree; a corrupt or half-written entry is
 * detected on read, removed and regenerated. Seeds chosen for segments live under `<cacheDir>/seeds/`.
 */

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
