import {isProviderEnvName} from '../media/child-env.ts';

/**
 * Takes the providers' variables (QUBICO_API_KEY, …) out of `process.env` for the duration of a CLI
 * command and hands them back as a plain object: Remotion starts the browser and its compositor with
 * `process.env`, and they must not inherit a key. `restore()` puts them back (main() may be embedded).
 */
export const hideProviderEnv = (
  env: NodeJS.ProcessEnv = process.env,
): {values: Record<string, string>; restore: () => void} => {
  const values: Record<string, string> = {};
  for (const name of Object.keys(env)) {
    if (!isProviderEnvName(name)) continue;
    const value = env[name];
    if (value !== undefined) values[name] = value;
    delete env[name];
  }
  return {
    values,
    restore: () => {
      for (const [name, value] of Object.entries(values)) if (env[name] === undefined) env[name] = value;
    },
  };
};
