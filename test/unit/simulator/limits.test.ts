import {describe, expect, it} from 'vitest';
import {ArrivalLog, createLimits, maxInWindow} from '../../../src/simulator/limits.ts';

describe('ArrivalLog', () => {
  it('accepts up to the limit within the window, then says when the next one would be accepted', () => {
    const log = new ArrivalLog(1000);
    for (const t of [0, 100, 200]) {
      log.add(t);
      expect(log.check(t, 3)).toEqual({ok: true});
    }
    log.add(300);
    // 4 arrivals in the window; a new one is accepted once 0 and 100 have left it: at 100 + 1000.
    expect(log.check(300, 3)).toEqual({ok: false, retryAfterMs: 800});
    // The refused arrival counts too: now 0, 100, 200 must leave.
    log.add(500);
    expect(log.check(500, 3)).toEqual({ok: false, retryAfterMs: 700});
    // At 1200 the window (200, 1200] holds 300 and 500.
    log.add(1200);
    expect(log.check(1200, 3)).toEqual({ok: true});
  });

  it('treats an arrival exactly one window old as gone', () => {
    const log = new ArrivalLog(1000);
    log.add(0);
    expect(log.check(0, 1)).toEqual({ok: true});
    log.add(1000);
    expect(log.check(1000, 1)).toEqual({ok: true});
    // Refused at 1999: the arrival at 1000 leaves at 2000, but the refused one itself counts until 2999.
    log.add(1999);
    expect(log.check(1999, 1)).toEqual({ok: false, retryAfterMs: 1000});
  });
});

describe('createLimits', () => {
  it('counts every arrival for the window and valid keys for the day, per key', () => {
    const limits = createLimits({requestsPerWindow: 2, windowMs: 1000, requestsPerDay: 3});
    limits.arrive(0, null);
    expect(limits.checkWindow(0).ok).toBe(true);
    limits.arrive(10, 'a');
    expect(limits.checkWindow(10).ok).toBe(true);
    limits.arrive(20, 'a');
    expect(limits.checkWindow(20)).toEqual({ok: false, retryAfterMs: 990});
    limits.arrive(5000, 'a');
    expect(limits.checkDay(5000, 'a')).toEqual({ok: true});
    limits.arrive(6000, 'a');
    expect(limits.checkDay(6000, 'a')).toEqual({ok: false, retryAfterMs: 86_400_000 + 20 - 6000});
    expect(limits.checkDay(6000, 'b')).toEqual({ok: true});
    limits.reset();
    limits.arrive(7000, 'a');
    expect(limits.checkDay(7000, 'a')).toEqual({ok: true});
  });
});

describe('maxInWindow', () => {
  it('finds the densest window, with arrivals exactly a window apart in different windows', () => {
    expect(maxInWindow([], 1000)).toBe(0);
    expect(maxInWindow([0, 1000, 2000], 1000)).toBe(1);
    expect(maxInWindow([0, 999, 1000, 1500, 1998], 1000)).toBe(4);
    expect(maxInWindow([500, 0, 400, 100], 1000)).toBe(4);
  });
});
