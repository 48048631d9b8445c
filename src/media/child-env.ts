/**
 * Environment variables of the hosted providers (keys, secrets, base URLs): `QUBICO_*`, `PIAPI_*`,
 * `FAL_*`, `REPLICATE_*`. No child process (ffmpeg, the browser) needs them, so none is given them: a
 * crash dump, a `/proc/<pid>/environ` or a browser extension then has no key to leak.
 */
export const PROVIDER_ENV_PATTERN = /^(QUBICO|PIAPI|FAL|REPLICATE)_/;

export const isProviderEnvName = (name: string): boolean => PROVIDER_ENV_PATTERN.test(name);

/** A copy of `env` without the providers' variables: the environment of a child process. */
export const childEnv = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !isProviderEnvName(name)));
