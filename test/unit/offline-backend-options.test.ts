import {describe, expect, it} from 'vitest';
import {createOfflineBackend} from '../../src/backends/offline.ts';
import {UsageError} from '../../src/errors.ts';
import {silentLogger} from '../../src/log.ts';

describe('createOfflineBackend options', () => {
  it('accepts the defaults and the documented values', () => {
    expect(createOfflineBackend().name).toBe('offline');
    expect(createOfflineBackend({sampleRate: 16000, channels: 1}).name).toBe('offline');
  });

  it('rejects what it cannot write, with a message naming the option and the allowed values', () => {
    expect(() => createOfflineBackend({sampleRate: 44100.5})).toThrow(UsageError);
    expect(() => createOfflineBackend({sampleRate: 4000})).toThrow(
      /sampleRate must be .* from 8000 to 192000, got 4000/,
    );
    expect(() => createOfflineBackend({channels: 6 as 2})).toThrow(
      /channels must be 1 \(mono\) or 2 \(stereo\), got 6/,
    );
  });

  it('refuses a request it cannot honour before reading anything', async () => {
    const backend = createOfflineBackend();
    const base = {
      segmentIndex: 2,
      proxyPath: '/nonexistent/proxy.mp4',
      durationInSeconds: 5,
      prompt: 'rain',
      negativePrompt: null,
      steps: 25,
      seed: 1,
      outputPath: '/nonexistent/out.wav',
      cacheKey: 'k',
    };
    await expect(backend.generate({...base, durationInSeconds: 0}, {logger: silentLogger()})).rejects.toThrow(
      /Segment 3 has a duration of 0 s/,
    );
    await expect(backend.generate({...base, seed: 1.5}, {logger: silentLogger()})).rejects.toThrow(
      UsageError,
    );
  });
});
