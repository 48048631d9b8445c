import {createReadStream} from 'node:fs';
import {stat} from 'node:fs/promises';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';

export type ServedDirectory = {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Requests served so far: method, path and Range header. */
  requests: {method: string; path: string; range: string | null}[];
  close: () => Promise<void>;
};

/**
 * A directory served read-only over HTTP on 127.0.0.1, as a bucket serves objects: GET and HEAD, byte
 * ranges (206), and CORS open to any origin (a render page loads the wavs cross-origin, as a Lambda
 * render loads them from a bucket).
 */
export const serveDirectory = async (root: string): Promise<ServedDirectory> => {
  const requests: ServedDirectory['requests'] = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({method: req.method ?? '', path: url.pathname, range: req.headers.range ?? null});
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', '*');
    res.setHeader('access-control-expose-headers', 'content-length, content-range, accept-ranges, etag');
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const file = path.join(root, decodeURIComponent(url.pathname));
    if (!file.startsWith(path.resolve(root) + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    let size: number;
    try {
      const s = await stat(file);
      if (!s.isFile()) throw new Error('not a file');
      size = s.size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith('.wav')
      ? 'audio/wav'
      : file.endsWith('.mp4')
        ? 'video/mp4'
        : file.endsWith('.json')
          ? 'application/json'
          : 'application/octet-stream';
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = size - 1;
    if (range && (range[1] || range[2])) {
      if (range[1]) {
        start = Number(range[1]);
        end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      } else {
        start = Math.max(0, size - Number(range[2]));
      }
      if (start > end || start >= size) {
        res.writeHead(416, {'content-range': `bytes */${size}`}).end();
        return;
      }
      res.writeHead(206, {
        'content-type': type,
        'content-length': end - start + 1,
        'content-range': `bytes ${start}-${end}/${size}`,
        'accept-ranges': 'bytes',
      });
    } else {
      res.writeHead(200, {'content-type': type, 'content-length': size, 'accept-ranges': 'bytes'});
    }
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file, {start, end}).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
