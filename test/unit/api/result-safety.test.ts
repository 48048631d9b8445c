import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {checkResultUrl} from '../../../src/api/check-result-url.ts';
import {normaliseBaseUrl} from '../../../src/api/client.ts';
import {makeApiError} from '../../../src/api/make-api-error.ts';
import {MAX_TASK_JSON_BYTES, rejectResultFormat, resultLimitsFor} from '../../../src/api/result-limits.ts';
import {MIN_RETRY_AFTER_MS, retryDelay} from '../../../src/api/retry.ts';
import {toAttemptFailure} from '../../../src/api/to-attempt-failure.ts';
import {UnknownSubmitError} from '../../../src/backends/unknown-submit-error.ts';
import {UsageError} from '../../../src/errors.ts';
import {createSubmitJournal, findUnknownSubmits} from '../../../src/state/journal.ts';
import type {WavFormat} from '../../../src/wav/wav.ts';

const format = (sampleRate: number, seconds: number): WavFormat => ({
  audioFormat: 1,
  channels: 1,
  sampleRate,
  bitsPerSample: 16,
  frames: Math.round(sampleRate * seconds),
  dataOffset: 44,
  dataBytes: Math.round(sampleRate * seconds) * 2,
});

describe('resultLimitsFor', () => {
  it('allows twice 48 kHz stereo 32-bit of the segment plus 1 MiB, and twice its length (≥ +10 s)', () => {
    const table = [2, 10, 60].map((s) => ({seconds: s, ...resultLimitsFor(s)}));
    console.table(table);
    expect(resultLimitsFor(60)).toEqual({
      maxBytes: 48_000 * 2 * 4 * 60 * 2 + 1_048_576,
      maxDurationSeconds: 120,
    });
    expect(resultLimitsFor(2)).toEqual({maxBytes: 1_536_000 + 1_048_576, maxDurationSeconds: 12});
    expect(resultLimitsFor(10)).toEqual({maxBytes: 7_680_000 + 1_048_576, maxDurationSeconds: 20});
    // Unknown length: the API's longest segment.
    expect(resultLimitsFor(Number.NaN)).toEqual(resultLimitsFor(60));
    expect(MAX_TASK_JSON_BYTES).toBe(1_048_576);
  });

  it('refuses sample rates outside 8–192 kHz and audio far past the segment', () => {
    const limits = resultLimitsFor(2);
    expect(rejectResultFormat(format(1, 25), limits)).toBe('its header claims 1 Hz, outside 8000–192000 Hz');
    expect(rejectResultFormat(format(7999, 1), limits)).toMatch(/7999 Hz/);
    expect(rejectResultFormat(format(192_001, 1), limits)).toMatch(/192001 Hz/);
    expect(rejectResultFormat(format(8000, 2), limits)).toBeNull();
    expect(rejectResultFormat(format(192_000, 2), limits)).toBeNull();
    expect(rejectResultFormat(format(16_000, 12), limits)).toBeNull();
    expect(rejectResultFormat(format(16_000, 12.5), limits)).toBe(
      'it holds 12.5 s of audio, more than the 12 s accepted for this segment',
    );
  });
});

describe('checkResultUrl', () => {
  const https = 'https://api.qubico.ai';
  const http = 'http://127.0.0.1:8787';
  const check = (url: string, api: string, redirected = false) =>
    checkResultUrl(new URL(url), api, {redirected});

  it('allows the API origin, and https elsewhere', () => {
    expect(check('https://api.qubico.ai/v1/results/t/0.wav', https)).toBeNull();
    expect(check('https://cdn.example.com/a.wav?sig=1', https)).toBeNull();
    expect(check('https://cdn.example.com/a.wav', https, true)).toBeNull();
    expect(check('http://127.0.0.1:8787/r.wav', http, true)).toBeNull();
  });

  it('refuses http on another origin when the API is https, and any redirect to http elsewhere', () => {
    expect(check('http://cdn.example.com/a.wav', https)).toMatch(/must be https too/);
    expect(check('http://cdn.example.com/a.wav', https, true)).toMatch(/https only/);
    expect(check('http://127.0.0.1:9999/a.wav', http, true)).toMatch(/https only/);
    // An http API (a local simulator) may point at another local http origin directly.
    expect(check('http://127.0.0.1:9999/a.wav', http)).toBeNull();
    expect(check('ftp://cdn.example.com/a.wav', https)).toMatch(/http\(s\)/);
    expect(check('https://u:p@cdn.example.com/a.wav', https)).toMatch(/user name or password/);
  });
});

describe('Retry-After floor', () => {
  const opts = {baseMs: 1000, maxMs: 30_000, random: () => 0};
  const now = Date.parse('2025-01-15T12:00:00Z');
  it('turns Retry-After 0, negative, or a past date into the 1 s floor', () => {
    const delays = ['0', '-5', 'Wed, 15 Jan 2025 11:00:00 GMT', '0.2', '3'].map((value) => ({
      value,
      delayMs: retryDelay(
        toAttemptFailure(makeApiError(429, {'retry-after': value}, '', {nowMs: now})),
        1,
        opts,
      ),
    }));
    console.table(delays);
    expect(MIN_RETRY_AFTER_MS).toBe(1000);
    expect(delays.map((d) => d.delayMs)).toEqual([1000, 1000, 1000, 1000, 3000]);
    expect(
      retryDelay(toAttemptFailure(makeApiError(429, {'retry-after': '0'}, '')), 1, {
        ...opts,
        minRetryAfterMs: 50,
      }),
    ).toBe(50);
  });
});

describe('normaliseBaseUrl', () => {
  it('refuses user:password, without repeating it', () => {
    for (const url of ['https://alice:s3cr3t-pw@api.qubico.ai', 'https://alice@api.qubico.ai']) {
      let error: unknown = null;
      try {
        normaliseBaseUrl(url);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(2);
      expect((error as Error).message).not.toContain('s3cr3t');
      expect((error as Error).message).not.toContain('alice');
      expect((error as Error).message).toMatch(/user name or password/);
    }
    expect(normaliseBaseUrl('https://api.qubico.ai/')).toBe('https://api.qubico.ai');
  });
});

describe('UnknownSubmitError', () => {
  it('names every segment and when its submit was made, in one line', () => {
    const one = new UnknownSubmitError([{segmentIndex: 1, submittedAt: '2026-12-03T12:31:05.123Z'}]);
    expect(one.message).toBe(
      'The outcome of an earlier submit is unknown for segment 2 (submitted 2026-12-03 12:31:05 UTC): the task may exist and be billed, so it was not submitted again. Check your Qubico dashboard, then run again with --resubmit-unknown to submit it again (billed again).',
    );
    expect(one.exitCode).toBe(1);
    const merged = UnknownSubmitError.merge([
      new UnknownSubmitError([{segmentIndex: 3, submittedAt: '2026-12-03T12:31:09Z'}]),
      one,
    ]);
    expect(merged.message).toContain(
      'segment 2 (submitted 2026-12-03 12:31:05 UTC), segment 4 (submitted 2026-12-03 12:31:09 UTC)',
    );
    expect(merged.message).toContain('submit them again');
    expect(merged.message).not.toContain('\n');
  });
});

describe('findUnknownSubmits', () => {
  it('finds unknown and interrupted submits of this composition and service by segment frames', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-journal-'));
    try {
      const journal = createSubmitJournal(dir);
      const base = {baseUrl: 'https://api.qubico.ai', seed: 1, compositionId: 'a'};
      const at = await journal.recordIntent({
        ...base,
        cacheKey: 'k1',
        segmentIndex: 0,
        startFrame: 0,
        endFrame: 10,
      });
      await journal.recordUnknown({
        ...base,
        cacheKey: 'k2',
        segmentIndex: 1,
        startFrame: 10,
        endFrame: 20,
        taskId: null,
        submittedAt: '2026-01-01T00:00:00.000Z',
        reason: '504',
      });
      await journal.recordSubmitted({
        ...base,
        cacheKey: 'k3',
        segmentIndex: 2,
        startFrame: 20,
        endFrame: 30,
        taskId: 't3',
        estimatedTimeSeconds: 2,
      });
      // Another service, another composition, another plan: not this run's.
      await journal.recordUnknown({
        ...base,
        baseUrl: 'http://127.0.0.1:1',
        cacheKey: 'k4',
        segmentIndex: 0,
        startFrame: 0,
        endFrame: 10,
        taskId: null,
        submittedAt: at,
        reason: 'x',
      });
      await journal.recordUnknown({
        ...base,
        compositionId: 'b',
        cacheKey: 'k5',
        segmentIndex: 0,
        startFrame: 0,
        endFrame: 10,
        taskId: null,
        submittedAt: at,
        reason: 'x',
      });
      const segments = [
        {index: 0, startFrame: 0, endFrame: 10},
        {index: 1, startFrame: 10, endFrame: 20},
        {index: 2, startFrame: 20, endFrame: 30},
      ];
      const found = await findUnknownSubmits(journal, {baseUrl: base.baseUrl, compositionId: 'a', segments});
      expect(found).toEqual([
        {segmentIndex: 0, submittedAt: at, cacheKey: 'k1'},
        {segmentIndex: 1, submittedAt: '2026-01-01T00:00:00.000Z', cacheKey: 'k2'},
      ]);
      const replanned = await findUnknownSubmits(journal, {
        baseUrl: base.baseUrl,
        compositionId: 'a',
        segments: [{index: 0, startFrame: 0, endFrame: 15}],
      });
      expect(replanned).toEqual([]);
    } finally {
      await rm(dir, {recursive: true, force: true});
    }
  });
});
