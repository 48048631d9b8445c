import {describe, expect, test} from 'vitest';
import {RequestAbortedError, TaskTimeoutError} from '../../../../src/api/errors.ts';
import {createTaskWaiter, MAX_WAKE_POLLS, type TaskWaiter} from '../../../../src/api/wait-for-task.ts';
import {silentLogger} from '../../../../src/log.ts';
import {virtualClock} from './virtual-clock.ts';

type FakeTask = {id: string; status: string};

/** A waiter over a scripted host: the n-th GET answers `statuses[n]` (the last one repeats). */
const setup = (
  statuses: string[],
  options: {webhook?: boolean; onGet?: (n: number, waiter: TaskWaiter<FakeTask>) => void} = {},
) => {
  const clock = virtualClock();
  const closing = new AbortController();
  const gets: number[] = [];
  const waiter: TaskWaiter<FakeTask> = createTaskWaiter<FakeTask>({
    getTask: async (id) => {
      const n = gets.length;
      gets.push(clock.now());
      options.onGet?.(n, waiter);
      // A GET takes 100 ms of host time.
      clock.advance(100);
      return {id, status: statuses[Math.min(n, statuses.length - 1)]};
    },
    stateOf: (task) => ({
      status: task.status,
      phase: task.status === 'done' ? 'completed' : task.status === 'error' ? 'failed' : 'running',
    }),
    failure: (id) => new Error(`task ${id} failed`),
    clock,
    logger: silentLogger(),
    pollMinMs: 2000,
    pollMaxMs: 30_000,
    webhook: options.webhook ?? false,
    combine: (signal) => (signal ? AbortSignal.any([signal, closing.signal]) : closing.signal),
    aborted: (what, signal, cause) => new RequestAbortedError(what, {cause: cause ?? signal.reason}),
  });
  return {clock, gets, waiter};
};

describe('createTaskWaiter over a scripted host and virtual time', () => {
  test('first poll at the estimate, then ×1.5 up to the maximum', async () => {
    const run = ['queued', 'running', 'running', 'running', 'running', 'running', 'running', 'done'];
    const {clock, gets, waiter} = setup(run);
    const task = await waiter.waitForTask('t1', {estimatedTimeSeconds: 5});
    console.log('poll delays (ms):', clock.sleeps.join(', '));
    expect(task.status).toBe('done');
    expect(gets).toHaveLength(8);
    expect(clock.sleeps).toEqual([5000, 7500, 11_250, 16_875, 25_312.5, 30_000, 30_000, 30_000]);
  });

  test('an estimate of a day (or NaN) does not put the first poll past half the timeout', async () => {
    const day = setup(['done']);
    await day.waiter.waitForTask('t1', {estimatedTimeSeconds: 86_400, timeoutMs: 60_000});
    const nan = setup(['done']);
    await nan.waiter.waitForTask('t1', {estimatedTimeSeconds: Number.NaN});
    const negative = setup(['done']);
    await negative.waiter.waitForTask('t1', {estimatedTimeSeconds: -5});
    console.log(
      'first delay: a day →',
      day.clock.sleeps[0],
      '; NaN →',
      nan.clock.sleeps[0],
      '; −5 →',
      negative.clock.sleeps[0],
    );
    expect(day.clock.sleeps).toEqual([30_000]);
    expect(nan.clock.sleeps).toEqual([2000]);
    expect(negative.clock.sleeps).toEqual([2000]);
  });

  test('with a webhook, polls are a fallback every pollMaxMs', async () => {
    const {clock, waiter} = setup(['running', 'running', 'done'], {webhook: true});
    await waiter.waitForTask('t1', {estimatedTimeSeconds: 5});
    expect(clock.sleeps).toEqual([30_000, 30_000, 30_000]);
  });

  test('a failed task throws the failure; a timeout names the last status', async () => {
    const failed = setup(['running', 'error']);
    await expect(failed.waiter.waitForTask('t1')).rejects.toThrow('task t1 failed');
    const slow = setup(['running']);
    const err = await slow.waiter.waitForTask('t1', {timeoutMs: 10_000}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskTimeoutError);
    expect((err as Error).message).toContain('running');
    // 2000, 3000, 4500 then the rest of the 10 s (virtual 100 ms per GET).
    console.log('timeout run, delays:', slow.clock.sleeps.join(', '), 'GETs:', slow.gets.length);
    expect(slow.gets.length).toBe(4);
  });

  test('a wake-up that came before the wait makes the first poll immediate', async () => {
    const {clock, gets, waiter} = setup(['done']);
    waiter.notifyTaskUpdate('t1');
    await waiter.waitForTask('t1', {estimatedTimeSeconds: 60});
    expect(clock.sleeps).toEqual([]);
    expect(gets).toHaveLength(1);
  });

  test('a wake-up during a GET polls once more, pollMinMs after the previous GET', async () => {
    const {clock, gets, waiter} = setup(['running', 'done'], {
      onGet: (n, w) => {
        if (n === 0) w.notifyTaskUpdate('t1');
      },
    });
    await waiter.waitForTask('t1', {estimatedTimeSeconds: 20});
    // 20 s to the first GET; the wake-up during it: the second GET 2000 ms after the first started.
    expect(clock.sleeps).toEqual([20_000, 1900]);
    expect(gets[1] - gets[0]).toBe(2000);
  });

  test(`a storm of wake-ups costs at most ${MAX_WAKE_POLLS} extra polls per wait`, async () => {
    const statuses = [...Array.from({length: 100}, () => 'running'), 'done'];
    const {gets, waiter} = setup(statuses, {
      onGet: (n, w) => {
        for (let i = 0; i < 50 && n < 90; i++) w.notifyTaskUpdate('t1');
      },
    });
    // The task runs past the wait: what counts is how often it was polled meanwhile.
    await expect(waiter.waitForTask('t1', {timeoutMs: 120_000})).rejects.toBeInstanceOf(TaskTimeoutError);
    const gaps = gets.slice(1).map((t, i) => t - gets[i]);
    console.log(`storm: ${gets.length} GETs in 120 s of virtual time, smallest gap ${Math.min(...gaps)} ms`);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2000);
    // 20 wake-up polls, then the regular ones (2 s, 3 s, 4.5 s … of what is left of the 120 s).
    expect(gets.length).toBeLessThanOrEqual(MAX_WAKE_POLLS + 12);
  });

  test('a caller abort ends the wait with RequestAbortedError', async () => {
    const {waiter} = setup(['running']);
    const controller = new AbortController();
    const pending = waiter.waitForTask('t1', {signal: controller.signal});
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toBeInstanceOf(RequestAbortedError);
  });
});
