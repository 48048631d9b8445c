import {UsageError} from '../errors.ts';
import type {RequestKind, SimulatedTask, SimulatorFaults} from './types.ts';

/** A fault taken by one arriving request. */
export type RequestFault =
  | {type: 'fail'; status: number; retryAfter: string | null}
  | {type: 'drop'}
  | {type: 'delay'; ms: number};

type Queued = RequestFault & {remaining: number; kind: RequestKind | null};

/** The knobs tests turn (`faults`) and what the server asks of them. */
export type FaultState = {
  faults: SimulatorFaults;
  /** The first queued request fault matching `kind`, in the order they were queued; null if none. */
  takeRequestFault(kind: RequestKind): RequestFault | null;
  /** Whether a task being submitted must fail (counted `failTasks`, then the predicates). */
  takeTaskFailure(task: SimulatedTask): boolean;
  takeResult404(): boolean;
  takeTruncate(): boolean;
  /** Latency for a task submitted now. */
  taskLatencyMs(): number;
  reset(): void;
};

const checkCount = (name: string, count: number) => {
  if (!Number.isInteger(count) || count < 0) {
    throw new UsageError(`faults.${name}: count must be a non-negative integer, got ${count}`);
  }
};

const checkKind = (name: string, kind: RequestKind | undefined): RequestKind | null => {
  if (kind === undefined) return null;
  if (!['submit', 'poll', 'result', 'other'].includes(kind)) {
    throw new UsageError(`faults.${name}: kind must be submit, poll, result or other, got ${String(kind)}`);
  }
  return kind;
};

export const createFaultState = (defaultLatencyMs: number): FaultState => {
  let queue: Queued[] = [];
  let failTaskCount = 0;
  let predicates: ((task: SimulatedTask) => boolean)[] = [];
  let result404 = 0;
  let truncate = 0;
  let latency = defaultLatencyMs;

  const faults: SimulatorFaults = {
    failNext: (count, status, options = {}) => {
      checkCount('failNext', count);
      if (!Number.isInteger(status) || status < 400 || status > 599) {
        throw new UsageError(`faults.failNext: status must be an HTTP error status (400–599), got ${status}`);
      }
      queue.push({
        type: 'fail',
        status,
        retryAfter: options.retryAfter ?? null,
        remaining: count,
        kind: checkKind('failNext', options.kind),
      });
    },
    dropNext: (count, options = {}) => {
      checkCount('dropNext', count);
      queue.push({type: 'drop', remaining: count, kind: checkKind('dropNext', options.kind)});
    },
    delayNext: (count, ms, options = {}) => {
      checkCount('delayNext', count);
      if (!Number.isFinite(ms) || ms < 0) throw new UsageError(`faults.delayNext: ms must be ≥ 0, got ${ms}`);
      queue.push({type: 'delay', ms, remaining: count, kind: checkKind('delayNext', options.kind)});
    },
    failTasks: (count) => {
      checkCount('failTasks', count);
      failTaskCount += count;
    },
    failTasksWhere: (predicate) => {
      if (typeof predicate !== 'function') throw new UsageError('faults.failTasksWhere: expected a function');
      predicates.push(predicate);
    },
    setTaskLatency: (ms) => {
      if (!Number.isFinite(ms) || ms < 0)
        throw new UsageError(`faults.setTaskLatency: ms must be ≥ 0, got ${ms}`);
      latency = ms;
    },
    resultDuration: {},
    resultFormat: null,
    resultCount: 1,
    result404Next: (count) => {
      checkCount('result404Next', count);
      result404 += count;
    },
    truncateResultNext: (count) => {
      checkCount('truncateResultNext', count);
      truncate += count;
    },
    webhook: {},
  };

  return {
    faults,
    takeRequestFault: (kind) => {
      const entry = queue.find((q) => q.remaining > 0 && (q.kind === null || q.kind === kind));
      if (!entry) return null;
      entry.remaining--;
      queue = queue.filter((q) => q.remaining > 0);
      const {remaining: _r, kind: _k, ...fault} = entry;
      return fault;
    },
    takeTaskFailure: (task) => {
      if (failTaskCount > 0) {
        failTaskCount--;
        return true;
      }
      return predicates.some((p) => p(task));
    },
    takeResult404: () => {
      if (result404 === 0) return false;
      result404--;
      return true;
    },
    takeTruncate: () => {
      if (truncate === 0) return false;
      truncate--;
      return true;
    },
    taskLatencyMs: () => latency,
    reset: () => {
      queue = [];
      failTaskCount = 0;
      predicates = [];
      result404 = 0;
      truncate = 0;
      latency = defaultLatencyMs;
      faults.resultDuration = {};
      faults.resultFormat = null;
      faults.resultCount = 1;
      faults.webhook = {};
    },
  };
};
