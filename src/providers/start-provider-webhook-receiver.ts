import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {type Logger, silentLogger} from '../log.ts';
import type {MmaudioProvider} from './provider.ts';

/** Webhook bodies are a task object or an envelope of one: small. */
const MAX_BODY_BYTES = 1024 * 1024;

export type ProviderWebhookReceiver = {url: string; port: number; close: () => Promise<void>};

const answer = (response: http.ServerResponse, status: number, message: string) => {
  const body = JSON.stringify(status === 200 ? {ok: true} : {error: message});
  response.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)});
  response.end(body);
};

/**
 * Receives one host's webhook calls: the raw body is read (capped), checked by the provider's own
 * verifier (plain secret, Ed25519 with a JWKS, Standard Webhooks HMAC), and an authentic call wakes the
 * wait on its task (`notifyTaskUpdate`): a wake-up only, the GET stays the truth. A refused call gets 401
 * and changes nothing.
 */
export const startProviderWebhookReceiver = async (options: {
  provider: Pick<MmaudioProvider, 'verifyWebhook' | 'notifyTaskUpdate' | 'facts'>;
  /** The task id a body names (each host's shape), or null. */
  taskIdOf: (body: unknown) => string | null;
  host?: string;
  port?: number;
  logger?: Logger;
  now?: () => number;
}): Promise<ProviderWebhookReceiver> => {
  const logger = options.logger ?? silentLogger();
  const label = options.provider.facts.label;
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      answer(res, 405, 'POST only');
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        answer(res, 413, 'body too large');
        return;
      }
      const rawBody = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value[0] : value;
      }
      const verdict = options.provider.verifyWebhook({headers, rawBody, nowMs: (options.now ?? Date.now)()});
      if (!verdict.ok) {
        logger.warn(
          `${label} webhook call from ${req.socket.remoteAddress ?? 'unknown'} refused: ${verdict.reason}`,
        );
        answer(res, 401, verdict.reason);
        return;
      }
      let taskId: string | null = null;
      try {
        taskId = options.taskIdOf(JSON.parse(rawBody.toString('utf8')));
      } catch {
        taskId = null;
      }
      if (taskId === null) {
        answer(res, 400, 'no task id in the body');
        return;
      }
      logger.verbose(`${label} webhook: task ${taskId} changed; polling it`);
      answer(res, 200, 'ok');
      options.provider.notifyTaskUpdate(taskId);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
};
