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
  takeFailAfterCreate(): number | null;
  takeStallAnswer(): number | null;
  takeOversize(): {bytes: number; declareLength: boolean} | null;
  isForgotten(taskId: string): boolean;
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
  if (!['submit', 'poll', 'result', 'cancel', 'other'].includes(kind)) {
    throw new UsageError(
      `faults.${name}: kind must be submit, poll, result, cancel or other, got ${String(kind)}`,
    );
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
  let failAfterCreate: {status: number; remaining: number}[] = [];
  let stalls: {ms: number; remaining: number}[] = [];
  let oversize: {bytes: number; declareLength: boolean; remaining: number}[] = [];
  const forgotten = new Set<string>();
  const takeFrom = <T extends {remaining: number}>(list: T[]): T | null => {
    const entry = list.find((e) => e.remaining > 0);
    if (!entry) return null;
    entry.remaining--;
    return entry;
  };

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
    resultAudioFormat: 'wav',
    statusCase: 'documented',
    failAfterCreateNext: (count, status) => {
      checkCount('failAfterCreateNext', count);
      if (!Number.isInteger(status) || status < 400 || status > 599) {
        throw new UsageError(`faults.failAfterCreateNext: status must be 400–599, got ${status}`);
      }
      failAfterCreate.push({status, remaining: count});
    },
    stallSubmitAnswerNext: (count, ms) => {
      checkCount('stallSubmitAnswerNext', count);
      if (!Number.isFinite(ms) || ms < 0) {
        throw new UsageError(`faults.stallSubmitAnswerNext: ms must be ≥ 0, got ${ms}`);
      }
      stalls.push({ms, remaining: count});
    },
    oversizeResultNext: (count, options) => {
      checkCount('oversizeResultNext', count);
      if (!Number.isInteger(options?.bytes) || options.bytes < 44) {
        throw new UsageError(
          `faults.oversizeResultNext: bytes must be an integer ≥ 44, got ${options?.bytes}`,
        );
      }
      oversize.push({bytes: options.bytes, declareLength: options.declareLength ?? false, remaining: count});
    },
    forgetTasks: (taskIds) => {
      for (const id of taskIds) forgotten.add(id);
    },
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
    takeFailAfterCreate: () => takeFrom(failAfterCreate)?.status ?? null,
    takeStallAnswer: () => takeFrom(stalls)?.ms ?? null,
    takeOversize: () => {
      const entry = takeFrom(oversize);
      return entry ? {bytes: entry.bytes, declareLength: entry.declareLength} : null;
    },
    isForgotten: (taskId) => forgotten.has(taskId),
    taskLatencyMs: () => latency,
    reset: () => {
      queue = [];
      failTaskCount = 0;
      predicates = [];
      result404 = 0;
      truncate = 0;
      latency = defaultLatencyMs;
      failAfterCreate = [];
      stalls = [];
      oversize = [];
      forgotten.clear();
      faults.resultDuration = {};
      faults.resultFormat = null;
      faults.resultCount = 1;
      faults.webhook = {};
      faults.resultAudioFormat = 'wav';
      faults.statusCase = 'documented';
    },
  };
};
