import {describe, expect, it} from 'vitest';
import {hideProviderEnv} from '../../src/cli/hide-provider-env.ts';
import {optionsFromFlags} from '../../src/cli/options-from-flags.ts';
import {parseCliArgs} from '../../src/cli/parse-cli-args.ts';
import {createLogger} from '../../src/log.ts';
import {createProvider} from '../../src/providers/create-provider.ts';

/**
 * The CLI hides the providers' variables from process.env (the browser and ffmpeg must not inherit a
 * key) and hands the library what it needs from its copy: the key and base URL, and also Replicate's
 * model version and fal's JWKS, which the library would otherwise read from process.env and miss.
 */

const VERSION = 'ab'.repeat(32);
const JWKS = 'http://127.0.0.1:9/jwks.json';
const quiet = {write: () => undefined};

describe('provider variables the CLI hides are handed over', () => {
  it('REPLICATE_MMAUDIO_VERSION and FAL_JWKS_URL leave process.env and reach the library options', () => {
    const env: NodeJS.ProcessEnv = {
      REPLICATE_API_TOKEN: 'r8_test',
      REPLICATE_MMAUDIO_VERSION: VERSION,
      FAL_JWKS_URL: JWKS,
      PATH: '/usr/bin',
    };
    const hidden = hideProviderEnv(env);
    expect(Object.keys(env)).toEqual(['PATH']);
    const flags = parseCliArgs(['generate', 'e.ts', 'c', '--provider', 'replicate']).flags;
    const ctx = {
      logger: createLogger({level: 'error', stdout: quiet, stderr: quiet}),
      providerEnv: hidden.values,
      stdout: quiet,
      signal: new AbortController().signal,
    };
    const options = optionsFromFlags('e.ts', 'c', flags, ctx);
    console.log({
      provider: options.provider,
      replicateModelVersion: options.replicateModelVersion,
      falJwksUrl: options.falJwksUrl,
    });
    expect(options.provider).toBe('replicate');
    expect(options.apiKey).toBe('r8_test');
    expect(options.replicateModelVersion).toBe(VERSION);
    expect(options.falJwksUrl).toBe(JWKS);
    hidden.restore();
    expect(env.REPLICATE_MMAUDIO_VERSION).toBe(VERSION);
  });

  it('the provider uses the version it is given, not process.env', () => {
    const before = process.env.REPLICATE_MMAUDIO_VERSION;
    delete process.env.REPLICATE_MMAUDIO_VERSION;
    try {
      const make = (replicateModelVersion: string) =>
        createProvider('replicate', {
          apiKey: 'r8_test',
          logger: createLogger({level: 'error', stdout: quiet, stderr: quiet}),
          hasUpload: false,
          replicateModelVersion,
        });
      // A version that is not 64 hex digits is refused by name: proof that this one, not the pinned one, is used.
      expect(() => make('not-a-version')).toThrow(
        'The Replicate model version must be 64 hex digits, got "not-a-version".',
      );
      expect(make(VERSION).name).toBe('replicate');
    } finally {
      if (before !== undefined) process.env.REPLICATE_MMAUDIO_VERSION = before;
    }
  });
});
