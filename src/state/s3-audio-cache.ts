import {createHash} from 'node:crypto';
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {GetObjectCommand, HeadBucketCommand, NoSuchKey, PutObjectCommand} from '@aws-sdk/client-s3';
import {z} from 'zod';
import {MMAudioError} from '../errors.ts';
import {tempPathFor} from '../media/atomic.ts';
import {parseWavHeader} from '../wav/wav.ts';
import {type AudioCache, type CacheEntryMeta, entryMetaSchema} from './audio-cache.ts';
import {describeS3Error, type OpenS3Options, openS3} from './open-s3.ts';

/** The S3 cache could not be reached or answered an error: the run stops. */
export class SharedCacheUnavailableError extends MMAudioError {}

export type S3AudioCacheOptions = OpenS3Options;

// The disk cache's record, with the hash checked to be one before anything is fetched by it.
const metaSchema = entryMetaSchema.extend({sha256: z.string().regex(/^[0-9a-f]{64}$/)});

const seedSchema = z.object({seed: z.number().int().nonnegative()});

/**
 * The content-addressed audio cache shared through S3-compatible object storage, in front of the local
 * disk cache (which stays the working copy).
 *
 * Objects under `<prefix>/`: `audio/<key>/<sha256>.wav` (named by its own hash, so it never changes once
 * written) and `audio/<key>.json` (its metadata, written last, pointing at the wav by hash). A PUT is
 * atomic, so a reader sees no object or a whole one, and never metadata before its wav. A read verifies
 * what the disk cache verifies: the metadata parses, the wav has the recorded size and sha256, and is a
 * RIFF/WAVE file; anything else is a miss (and is left for the writer that owns it). A hit is copied into
 * the local cache, so the rest of the run works on disk.
 */
export const createS3AudioCache = async (
  local: AudioCache,
  options: S3AudioCacheOptions,
): Promise<AudioCache & {close: () => void}> => {
  const {bucket, client, shown, objectKey} = openS3(options);
  const fail = (what: string, err: unknown) =>
    new SharedCacheUnavailableError(
      `The shared audio cache ${shown} failed while ${what}: ${describeS3Error(err)}. Check --cache-url, the endpoint and the AWS credentials; the run stops rather than pay for audio the cache may hold.`,
      {cause: err},
    );
  try {
    await client.send(new HeadBucketCommand({Bucket: bucket}));
  } catch (err) {
    client.destroy();
    throw fail('checking the bucket', err);
  }

  const getBytes = async (name: string): Promise<Uint8Array | null> => {
    try {
      const out = await client.send(new GetObjectCommand({Bucket: bucket, Key: objectKey(name)}));
      return out.Body ? await out.Body.transformToByteArray() : null;
    } catch (err) {
      if (err instanceof NoSuchKey || (err as {name?: string}).name === 'NoSuchKey') return null;
      throw fail(`reading ${name}`, err);
    }
  };
  const put = async (name: string, body: Uint8Array | string, contentType: string) => {
    try {
      await client.send(
        new PutObjectCommand({Bucket: bucket, Key: objectKey(name), Body: body, ContentType: contentType}),
      );
    } catch (err) {
      throw fail(`writing ${name}`, err);
    }
  };

  return {
    async get(cacheKey) {
      const onDisk = await local.get(cacheKey);
      if (onDisk) return onDisk;
      const rawMeta = await getBytes(`audio/${cacheKey}.json`);
      if (!rawMeta) return null;
      let meta: CacheEntryMeta;
      try {
        meta = metaSchema.parse(JSON.parse(Buffer.from(rawMeta).toString('utf8')));
        if (meta.cacheKey !== cacheKey) return null;
      } catch {
        return null;
      }
      const wav = await getBytes(`audio/${cacheKey}/${meta.sha256}.wav`);
      if (!wav || wav.length !== meta.bytes) return null;
      if (createHash('sha256').update(wav).digest('hex') !== meta.sha256) return null;
      try {
        parseWavHeader(wav);
      } catch {
        return null;
      }
      // The disk cache copies it in (and renames there), so the download can wait anywhere.
      const scratch = path.join(os.tmpdir(), 'remotion-mmaudio-s3', `${cacheKey}.wav`);
      await mkdir(path.dirname(scratch), {recursive: true});
      const tmp = tempPathFor(scratch);
      try {
        await writeFile(tmp, wav);
        const {cacheKey: _k, sha256: _s, bytes: _b, ...rest} = meta;
        return await local.put(cacheKey, tmp, rest);
      } finally {
        await rm(tmp, {force: true});
      }
    },
    async put(cacheKey, wavFile, meta) {
      const entry = await local.put(cacheKey, wavFile, meta);
      const wav = await readFile(entry.wavPath);
      // The wav first, under its own hash; the metadata that points at it last.
      await put(`audio/${cacheKey}/${entry.sha256}.wav`, wav, 'audio/wav');
      const {wavPath: _w, ...stored} = entry;
      await put(`audio/${cacheKey}.json`, `${JSON.stringify(stored, null, 2)}\n`, 'application/json');
      return entry;
    },
    async getSeed(autoSeedKey) {
      const onDisk = await local.getSeed(autoSeedKey);
      if (onDisk !== null) return onDisk;
      const raw = await getBytes(`seeds/${autoSeedKey}.json`);
      if (!raw) return null;
      try {
        const {seed} = seedSchema.parse(JSON.parse(Buffer.from(raw).toString('utf8')));
        await local.putSeed(autoSeedKey, seed);
        return seed;
      } catch {
        return null;
      }
    },
    async putSeed(autoSeedKey, seed) {
      await local.putSeed(autoSeedKey, seed);
      await put(`seeds/${autoSeedKey}.json`, `${JSON.stringify({seed})}\n`, 'application/json');
    },
    close: () => client.destroy(),
  };
};
