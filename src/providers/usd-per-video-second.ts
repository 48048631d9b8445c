import {PROVIDERS, type ProviderName, providerNames, QUBICO_USD_PER_SECOND} from '../contract/providers.ts';
import {UsageError} from '../errors.ts';

/**
 * The price per second of video a run's spending gate (`--max-cost`) and bill use for `backend`: its
 * host's price; Qubico's for offline and custom backends (whose bill is 0 anyway). A host that bills GPU
 * time (Replicate) has no exact price: its runs bill 0 here (the host's invoice is the truth), and a run
 * with `--max-cost` is refused before anything is sent, since the gate could not hold.
 */
export const usdPerVideoSecond = (backend: string, maxCost: number | null): number => {
  if (!(providerNames as readonly string[]).includes(backend)) return QUBICO_USD_PER_SECOND;
  const facts = PROVIDERS[backend as ProviderName];
  if (facts.price.kind === 'per-video-second') return facts.price.usdPerSecond;
  if (maxCost !== null) {
    throw new UsageError(
      `--max-cost cannot be enforced with ${facts.label}: it bills GPU time (metrics.predict_time), not ` +
        'video seconds, so no run can be bounded in advance. Drop --max-cost or choose another --provider. Nothing was sent.',
    );
  }
  return 0;
};
