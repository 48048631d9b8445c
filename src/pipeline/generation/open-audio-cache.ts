import type {Logger} from '../../log.ts';
import {type AudioCache, createAudioCache} from '../../state/audio-cache.ts';

/**
 * The run's audio cache: the disk cache in `cacheDir`, behind the shared S3 cache when `cacheUrl` is
 * set (its SDK loaded only then). `close()` releases the shared cache.
 */
export const openAudioCache = async (options: {
  cacheDir: string;
  cacheUrl: string | null;
  cacheEndpoint: string | null;
  logger: Logger;
}): Promise<{cache: AudioCache; close: () => void}> => {
  const {logger} = options;
  const localCache = createAudioCache(options.cacheDir, {
    onCorrupt: (key, why) =>
      logger.warn(`Cache entry ${key.slice(0, 12)} is corrupt (${why}); generating it again.`),
  });
  const sharedCache = options.cacheUrl
    ? await (await import('../../state/s3-audio-cache.ts')).createS3AudioCache(localCache, {
        url: options.cacheUrl,
        endpoint: options.cacheEndpoint ?? undefined,
      })
    : null;
  return sharedCache
    ? {cache: sharedCache, close: sharedCache.close}
    : {cache: localCache, close: () => undefined};
};
