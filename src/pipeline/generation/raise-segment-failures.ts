import {UnknownSubmitError} from '../../backends/unknown-submit-error.ts';
import type {Logger} from '../../log.ts';
import type {SpendingGate} from './spending-gate.ts';

/**
 * Throws the error a run with failed segments ends with, in this order: the spending gate's refusal
 * (the run was not allowed to spend), the abort reason, every unknown submit merged into one error
 * naming them all (money: the failure the user must act on; other failures are logged first), else the
 * first failure (the others logged).
 */
export const raiseSegmentFailures = async (options: {
  failures: PromiseRejectedResult[];
  gate: SpendingGate;
  signal: AbortSignal;
  logger: Logger;
}): Promise<never> => {
  const {failures, gate, signal, logger} = options;
  const gateError = await gate.failure();
  if (gateError) throw gateError;
  if (signal.aborted) throw signal.reason;
  const unknown = failures
    .map((f) => f.reason)
    .filter((r): r is UnknownSubmitError => r instanceof UnknownSubmitError);
  const others = failures.map((f) => f.reason).filter((r) => !(r instanceof UnknownSubmitError));
  if (unknown.length > 0) {
    for (const r of others) logger.error(r instanceof Error ? r.message : String(r));
    throw UnknownSubmitError.merge(unknown);
  }
  for (const f of failures.slice(1))
    logger.error(f.reason instanceof Error ? f.reason.message : String(f.reason));
  throw failures[0].reason;
};
