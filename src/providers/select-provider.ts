import {PROVIDERS, type ProviderName, providerNames} from '../contract/providers.ts';
import {UsageError} from '../errors.ts';

export type ProviderChoice = ProviderName | 'offline';

export const providerChoices: readonly ProviderChoice[] = [...providerNames, 'offline'];

export const isProviderChoice = (value: unknown): value is ProviderChoice =>
  typeof value === 'string' && (providerChoices as readonly string[]).includes(value);

/**
 * Which service a run uses: the one named (`--provider`, or its alias `--backend`), else the one whose key
 * is set. No key: null (the caller falls back to offline and says so). More than one key and no name: a
 * UsageError, before anything is sent — which account to bill is the user's call, not ours.
 */
export const selectProvider = (options: {
  provider?: string | null;
  backend?: string | null;
  /** Key per provider (option or environment); empty counts as unset. */
  keys: Partial<Record<ProviderName, string | undefined>>;
}): ProviderChoice | null => {
  const {provider, backend} = options;
  for (const [flag, value] of [
    ['--provider', provider],
    ['--backend', backend],
  ] as const) {
    if (value != null && !isProviderChoice(value)) {
      throw new UsageError(`${flag} must be one of ${providerChoices.join(', ')}, got "${value}".`);
    }
  }
  if (provider != null && backend != null && provider !== backend) {
    throw new UsageError(
      `--provider ${provider} and --backend ${backend} disagree (--backend is an alias of --provider): pass one.`,
    );
  }
  const named = (provider ?? backend) as ProviderChoice | null | undefined;
  if (named) return named;
  const withKey = providerNames.filter((name) => (options.keys[name] ?? '').trim() !== '');
  if (withKey.length > 1) {
    throw new UsageError(
      `${withKey.map((n) => PROVIDERS[n].keyEnv).join(' and ')} are all set: choose the service to bill with ` +
        `--provider ${withKey.join('|')}. Nothing was sent.`,
    );
  }
  return withKey[0] ?? null;
};

/** The keys of every provider from the environment (and a Qubico key given as an option). */
export const providerKeysFromEnv = (
  env: NodeJS.ProcessEnv,
  qubicoKey?: string,
): Partial<Record<ProviderName, string | undefined>> =>
  Object.fromEntries(
    providerNames.map((name) => [
      name,
      name === 'qubico' ? (qubicoKey ?? env.QUBICO_API_KEY) : env[PROVIDERS[name].keyEnv],
    ]),
  );
