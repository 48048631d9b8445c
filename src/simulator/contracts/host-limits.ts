import type {ProviderName} from '../../contract/providers.ts';

/** No limit: larger than any count a simulator run reaches. */
export const UNLIMITED = Number.MAX_SAFE_INTEGER;

export type HostLimits = {
  requestsPerWindow: number;
  windowMs: number;
  concurrentTasks: number;
  /** `reject`: a submit over `concurrentTasks` gets 429. `queue`: it waits in the queue for a slot (fal). */
  concurrency: 'reject' | 'queue';
  requestsPerDay: number;
  /** null: submits count only towards `requestsPerWindow`. */
  submitsPerWindow: number | null;
};

/**
 * Each host's request limits as its docs give them (PROVIDERS.md); where a host documents none the
 * simulator sets none, and `startSimulator({limits})` sets any of them.
 * - Qubico: 20 requests/min (every request counts), 5 tasks at once (429 over it), 500 requests/day.
 * - PiAPI: none documented.
 * - fal: per-account concurrency (2 to start); excess requests wait IN_QUEUE, never 429.
 * - Replicate: 600 creates/min and 3000 other requests/min; 429 "Request was throttled".
 */
export const HOST_LIMITS: Readonly<Record<ProviderName, HostLimits>> = {
  qubico: {
    requestsPerWindow: 20,
    windowMs: 60_000,
    concurrentTasks: 5,
    concurrency: 'reject',
    requestsPerDay: 500,
    submitsPerWindow: null,
  },
  piapi: {
    requestsPerWindow: UNLIMITED,
    windowMs: 60_000,
    concurrentTasks: UNLIMITED,
    concurrency: 'reject',
    requestsPerDay: UNLIMITED,
    submitsPerWindow: null,
  },
  fal: {
    requestsPerWindow: UNLIMITED,
    windowMs: 60_000,
    concurrentTasks: 2,
    concurrency: 'queue',
    requestsPerDay: UNLIMITED,
    submitsPerWindow: null,
  },
  replicate: {
    requestsPerWindow: 3000,
    windowMs: 60_000,
    concurrentTasks: UNLIMITED,
    concurrency: 'reject',
    requestsPerDay: UNLIMITED,
    submitsPerWindow: 600,
  },
};
