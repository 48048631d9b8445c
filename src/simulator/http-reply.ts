import type {IncomingMessage, ServerResponse} from 'node:http';

/** An error answer of the API: `{error: {code, message, details}}` with its status and headers. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    code: string,
    message: string,
    details: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiFailure';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export const errorBody = (failure: ApiFailure) => ({
  error: {code: failure.code, message: failure.message, details: failure.details},
});

export const sendBytes = (
  res: ServerResponse,
  status: number,
  body: Uint8Array,
  headers: Record<string, string>,
): void => {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, {...headers, 'content-length': String(body.byteLength)});
  res.end(body);
};

export const sendJson = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  sendBytes(res, status, Buffer.from(JSON.stringify(body)), {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
  });
};

/**
 * Reads a request body, refusing before buffering when `content-length` or the bytes received pass
 * `maxBytes` (rejects with `tooLarge(bytes)`). The rest of a refused body is drained by the server after
 * the answer.
 */
export const readBody = (
  req: IncomingMessage,
  maxBytes: number,
  tooLarge: (bytes: number) => Error,
): Promise<Buffer> => {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(declared));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        cleanup();
        req.resume();
        reject(tooLarge(total));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
};

/** Reads and discards the rest of a request body. */
export const drainBody = (req: IncomingMessage): Promise<void> =>
  new Promise((resolve) => {
    if (req.readableEnded) {
      resolve();
      return;
    }
    req.on('end', () => resolve());
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.resume();
  });
