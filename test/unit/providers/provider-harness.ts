import {MockAgent} from 'undici';
import {virtualClock} from '../api/client-parts/virtual-clock.ts';

/**
 * A fake host for the provider unit tests: undici's MockAgent as the dispatcher (no socket), a virtual
 * clock (backoffs and polls take no time), and every request body the host received.
 */
export const fakeHost = (origin: string) => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const clock = virtualClock();
  const bodies: unknown[] = [];
  const headers: Record<string, string>[] = [];
  const pool = agent.get(origin);
  /** Intercepts one request and records its JSON body and headers. */
  const on = (
    method: string,
    path: string | RegExp,
    status: number,
    data: unknown,
    responseHeaders: Record<string, string> = {},
  ) =>
    pool.intercept({path, method}).reply(
      status,
      (opts) => {
        headers.push(Object.fromEntries(Object.entries(opts.headers as Record<string, string>)));
        bodies.push(opts.body ? JSON.parse(String(opts.body)) : null);
        return typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data);
      },
      {headers: {'content-type': 'application/json', ...responseHeaders}},
    );
  const common = {
    dispatcher: agent,
    clock,
    random: () => 0.5,
    dailyQuota: false as const,
    retryBaseDelayMs: 1000,
    maxRetries: 3,
    pollIntervalMs: {min: 10, max: 100},
  };
  return {agent, clock, bodies, headers, pool, on, common};
};

/**
 * The smallest mp4 `validateInput` reads: an ftyp box and a moov box whose mvhd says `seconds` (timescale
 * 1000). Enough for the inline-video rules; nothing here decodes it.
 */
export const tinyMp4Base64 = (seconds: number): string => {
  const box = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + body.length, 0);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, body]);
  };
  const ftyp = box('ftyp', Buffer.from('isom\0\0\x02\0isomiso2mp41', 'latin1'));
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12);
  mvhd.writeUInt32BE(Math.round(seconds * 1000), 16);
  return Buffer.concat([ftyp, box('moov', box('mvhd', mvhd))]).toString('base64');
};
