import type {ChromeMode} from '@remotion/renderer';
import type {QubicoClientOptions} from '../../api/client.ts';
import type {AudioBackend, BackendName} from '../../backends/backend.ts';
import type {UploadProxy} from '../../backends/qubico/create-proxy-video-reader.ts';
import type {ProviderName} from '../../contract/providers.ts';
import type {Logger} from '../../log.ts';
import type {ProviderChoice} from '../../providers/select-provider.ts';
import type {GenerateProgress} from './generate-progress.ts';

/** The all-required internal form, after validation. */
export type NormalizedGenerateOptions = {
  entryPoint: string | null;
  serveUrl: string | null;
  compositionId: string;
  inputProps: Record<string, unknown>;
  prompt: string | null;
  negativePrompt: string | null;
  steps: number | null;
  seed: number | null;
  takes: number;
  maxSegmentSeconds: number;
  overlapSeconds: number;
  backend: BackendName | AudioBackend | null;
  /** The service chosen or found by its key; null: no key set (offline) or a custom backend. */
  provider: ProviderChoice | null;
  /** The service whose limits and prices the plan uses (qubico when none is chosen). */
  planProvider: ProviderName;
  apiKey: string | null;
  baseUrl: string | null;
  webhook: {url: string; host: string; port: number; secret: string | null} | null;
  publicDir: string;
  cacheDir: string;
  maxCost: number | null;
  resubmitUnknown: boolean;
  redisUrl: string | null;
  cacheUrl: string | null;
  cacheEndpoint: string | null;
  upload: UploadProxy | null;
  uploadUrl: string | null;
  replicateModelVersion: string | null;
  falJwksUrl: string | null;
  browserExecutable: string | null;
  chromeMode: ChromeMode | null;
  concurrency: number | null;
  maxTaskAttempts: number;
  taskTimeoutMs: number;
  lockTimeoutMs: number;
  client: Omit<QubicoClientOptions, 'apiKey' | 'baseUrl' | 'logger' | 'webhook'>;
  logger: Logger;
  onProgress: (progress: GenerateProgress) => void;
  signal: AbortSignal | null;
};
