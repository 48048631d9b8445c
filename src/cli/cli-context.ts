import {MMAudioError} from '../errors.ts';
import type {Logger} from '../log.ts';

export type CliContext = {
  logger: Logger;
  /** The providers' variables (QUBICO_API_KEY, QUBICO_BASE_URL, …), kept out of process.env meanwhile. */
  providerEnv: Record<string, string | undefined>;
  stdout: {write: (chunk: string) => unknown; isTTY?: boolean};
  signal: AbortSignal;
};

export const isCancellation = (err: unknown, signal: AbortSignal): boolean =>
  signal.aborted && !(err instanceof MMAudioError && err.exitCode === 2);
