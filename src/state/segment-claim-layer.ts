import {sleep} from '../api/clock.ts';
import type {AudioBackend, BackendRequest, BackendResult} from '../backends/backend.ts';
import type {JournalBase, SubmitJournal} from './journal.ts';
import type {SegmentClaims} from './redis-claims.ts';

export type SegmentClaimLayer = {
  /** Give this journal to the backend: what it records for a claimed segment is mirrored to the fleet. */
  journal: SubmitJournal;
  /** The backend, generating a segment only under its claim. */
  wrap: (inner: AudioBackend) => AudioBackend;
};

export type SegmentClaimLayerOptions = {
  claims: SegmentClaims;
  /** The local journal (the backend's resume path reads it). */
  journal: SubmitJournal;
  /** The service's base URL: a task is only resumed against the service it lives on. */
  baseUrl: string;
  /** Between two looks at a segment another worker holds. Default 250 ms. */
  pollMs?: number;
};

/**
 * Segment claims over an existing backend, without changing it: the backend's own resume rules do the
 * work. The first worker to claim a segment generates it, and its journal records (intent, task id,
 * unknown outcome, refusal) are mirrored to the claim record. Any other worker waits while the claim is
 * held; it then finds the record and copies it into its local journal before calling the backend:
 * `submitted` or `completed` → the backend resumes that task by GET and downloads (no submit, billed 0);
 * `submitting` or `unknown` → the backend refuses it as an unknown outcome (unless --resubmit-unknown).
 * A holder that dies stops renewing its lease; the next worker takes the claim over the same way.
 */
export const createSegmentClaimLayer = (options: SegmentClaimLayerOptions): SegmentClaimLayer => {
  const {claims, baseUrl} = options;
  const local = options.journal;
  const pollMs = options.pollMs ?? 250;
  /** Cache keys this process holds the claim of. */
  const held = new Set<string>();

  const journal: SubmitJournal = {
    get: local.get,
    list: local.list,
    recordIntent: async (entry) => {
      const submittedAt = await local.recordIntent(entry);
      if (held.has(entry.cacheKey)) {
        await claims.write(entry.cacheKey, {
          state: 'submitting',
          taskId: null,
          baseUrl: entry.baseUrl,
          submittedAt,
          estimatedTimeSeconds: null,
        });
      }
      return submittedAt;
    },
    recordSubmitted: async (entry) => {
      // The fleet learns the task id first: it is what saves a second payment if this process dies now.
      if (held.has(entry.cacheKey)) {
        await claims.write(entry.cacheKey, {
          state: 'submitted',
          taskId: entry.taskId,
          baseUrl: entry.baseUrl,
          submittedAt: entry.submittedAt ?? new Date().toISOString(),
          estimatedTimeSeconds: entry.estimatedTimeSeconds,
        });
      }
      await local.recordSubmitted(entry);
    },
    recordUnknown: async (entry) => {
      if (held.has(entry.cacheKey)) {
        await claims.write(entry.cacheKey, {
          state: 'unknown',
          taskId: entry.taskId,
          baseUrl: entry.baseUrl,
          submittedAt: entry.submittedAt,
          estimatedTimeSeconds: null,
        });
      }
      await local.recordUnknown(entry);
    },
    remove: async (cacheKey) => {
      if (held.has(cacheKey)) await claims.forget(cacheKey);
      await local.remove(cacheKey);
    },
  };

  /** Copies the fleet's record of the segment into the local journal, where the backend reads it. */
  const adopt = async (request: BackendRequest): Promise<void> => {
    const record = await claims.read(request.cacheKey);
    if (!record || record.baseUrl !== baseUrl) return;
    const base: JournalBase = {
      cacheKey: request.cacheKey,
      baseUrl,
      segmentIndex: request.segmentIndex,
      seed: request.seed,
      ...(request.compositionId === undefined ? {} : {compositionId: request.compositionId}),
      ...(request.startFrame === undefined ? {} : {startFrame: request.startFrame}),
      ...(request.endFrame === undefined ? {} : {endFrame: request.endFrame}),
    };
    const submittedAt = record.submittedAt ?? new Date().toISOString();
    if ((record.state === 'submitted' || record.state === 'completed') && record.taskId) {
      await local.recordSubmitted({
        ...base,
        taskId: record.taskId,
        estimatedTimeSeconds: record.state === 'completed' ? 0 : record.estimatedTimeSeconds,
        submittedAt,
      });
    } else {
      await local.recordUnknown({
        ...base,
        taskId: record.taskId,
        submittedAt,
        reason:
          record.state === 'submitting'
            ? 'a worker of the fleet died while its submit was on the wire'
            : 'a worker of the fleet could not learn the outcome of its submit',
      });
    }
  };

  const wrap = (inner: AudioBackend): AudioBackend => ({
    name: inner.name,
    prepare: inner.prepare?.bind(inner),
    close: inner.close?.bind(inner),
    async generate(request, context): Promise<BackendResult> {
      const key = request.cacheKey;
      for (;;) {
        context.signal?.throwIfAborted();
        const record = await claims.read(key);
        if (record?.state === 'completed' && record.baseUrl === baseUrl) {
          // Bought by another worker: download the same result, no claim needed.
          await adopt(request);
          return inner.generate(request, context);
        }
        const claim = await claims.tryClaim(key);
        if (!claim) {
          await sleep(pollMs, context.signal);
          continue;
        }
        try {
          await adopt(request);
          held.add(key);
          const result = await inner.generate(request, context);
          await claims.write(key, {
            state: 'completed',
            taskId: result.taskId,
            baseUrl,
            submittedAt: null,
            estimatedTimeSeconds: 0,
          });
          return result;
        } finally {
          held.delete(key);
          await claim.release();
        }
      }
    },
  });

  return {journal, wrap};
};
