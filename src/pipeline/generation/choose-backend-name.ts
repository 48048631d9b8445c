import type {BackendName} from '../../backends/backend.ts';
import {UsageError} from '../../errors.ts';
import type {NormalizedGenerateOptions} from '../options.ts';

/**
 * Which backend the run uses: the one asked for, else `qubico` when its key is set, else `offline`
 * (with a warning); another host when `--provider` (or its key) names it. Throws UsageError, before
 * anything is opened, for `--backend qubico` without a key.
 */
export const chooseBackendName = (o: NormalizedGenerateOptions): BackendName => {
  const name = backendNameOf(o);
  if (name === 'qubico' && !(o.apiKey ?? process.env.QUBICO_API_KEY) && typeof o.backend === 'string') {
    throw new UsageError(
      '--backend qubico needs an API key: set QUBICO_API_KEY (never pass it on the command line), or use --backend offline.',
    );
  }
  return name;
};

const backendNameOf = (o: NormalizedGenerateOptions): BackendName => {
  if (o.backend && typeof o.backend !== 'string') return o.backend.name;
  if (o.backend) return o.backend;
  // PiAPI, fal, Replicate: named, or found by their key (options.ts chose).
  if (o.provider !== null && o.provider !== 'qubico' && o.provider !== 'offline') return o.provider;
  const key = o.apiKey ?? process.env.QUBICO_API_KEY;
  if (key) return 'qubico';
  o.logger.warn(
    'No QUBICO_API_KEY set: using the offline backend (local synthesis that follows the picture, not MMAudio). ' +
      'Set QUBICO_API_KEY or pass --backend qubico to generate with MMAudio.',
  );
  return 'offline';
};
