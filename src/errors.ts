/**
 * Base of every error this package throws on purpose.
 *
 * `exitCode` is what the CLI exits with: 2 for bad usage or bad input (always caught before any API
 * request is sent), 1 for runtime failures.
 */
export class MMAudioError extends Error {
  readonly exitCode: 1 | 2;
  constructor(message: string, options?: {cause?: unknown; exitCode?: 1 | 2}) {
    super(message, options?.cause === undefined ? undefined : {cause: options.cause});
    this.name = new.target.name;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** Bad usage or bad input: a flag, a prop, an entry file. Nothing was sent, nothing was written. */
export class UsageError extends MMAudioError {
  constructor(message: string, options?: {cause?: unknown}) {
    super(message, {...options, exitCode: 2});
  }
}

/** A run would cost more than `maxCost` allows; refused before the first request. */
export class CostLimitError extends MMAudioError {
  readonly estimatedUsd: number;
  readonly maxCostUsd: number;
  constructor(estimatedUsd: number, maxCostUsd: number) {
    super(
      `This run would bill $${estimatedUsd.toFixed(2)}, more than --max-cost $${maxCostUsd.toFixed(2)}. ` +
        'Nothing was sent. Raise --max-cost, shorten the composition, or reuse cached segments.',
      {exitCode: 2},
    );
    this.estimatedUsd = estimatedUsd;
    this.maxCostUsd = maxCostUsd;
  }
}
