import {UsageError} from '../../errors.ts';

/** `host:port`, `[v6]:port` or a bare port (host 127.0.0.1); a UsageError naming `flag` otherwise. */
export const parseHostPort = (value: string, flag: string): {host: string; port: number} => {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value.trim()) ?? /^()()(\d+)$/.exec(value.trim());
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${flag} must be host:port (e.g. 0.0.0.0:8788), got "${value}".`);
  }
  return {host: match[1] || match[2] || '127.0.0.1', port};
};
