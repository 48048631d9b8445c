import {createHash, timingSafeEqual} from 'node:crypto';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {UsageError} from '../errors.ts';
import {type Logger, silentLogger} from '../log.ts';
import {taskSchema} from './schema.ts';

/**
 * Receives the service's webhook calls (a POST of the task object with the secret in `x-webhook-secret`).
 *
 * A call is a wake-up only: `onTask(taskId)` makes the waiter of that task poll now, and the GET it
 * sends is the truth. So a forged body can never inject a result, and a duplicate call costs at most
 * one poll.
 */

export type WebhookReceiverOptions = {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  secret: string;
  /** Called with the task id of every authentic call (typically `client.notifyTaskUpdate`). */
  onTask: (taskId: string) => void;
  logger?: Logger;
};

export type WebhookReceiver = {
  /** The local address of the receiver, e.g. `http://127.0.0.1:8790/`. */
  url: string;
  port: number;
  close: () => Promise<void>;
};

/** Task objects are small; anything larger is not one. */
const MAX_BODY_BYTES = 1024 * 1024;

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Compares two secrets in constant time. Comparing the sha256 digests (always 32 bytes) keeps
 * timingSafeEqual from throwing on, and so leaking, a length difference.
 */
export const secretsMatch = (given: string | undefined, expected: string): boolean => {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(expected));
};

const answer = (response: http.ServerResponse, status: number, message: string) => {
  const body = JSON.stringify(status === 200 ? {ok: true} : {error: {code: String(status), message}});
  response.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)});
  response.end(body);
};

export const startWebhookReceiver = async (options: WebhookReceiverOptions): Promise<WebhookReceiver> => {
  if (!options.secret) {
    throw new UsageError('The webhook receiver needs a secret (QUBICO_WEBHOOK_SECRET)');
  }
  const logger = options.logger ?? silentLogger();
  logger.addSecret(options.secret);
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      answer(res, 405, 'POST only');
      req.resume();
      return;
    }
    const header = req.headers['x-webhook-secret'];
    const given = Array.isArray(header) ? header[0] : header;
    if (!secretsMatch(given, options.secret)) {
      logger.warn(
        `Webhook call from ${req.socket.remoteAddress ?? 'unknown'} refused: wrong or missing secret`,
      );
      answer(res, 401, 'wrong or missing x-webhook-secret');
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (tooLarge) {
        answer(res, 413, 'body too large for a task object');
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        answer(res, 400, 'body is not JSON');
        return;
      }
      const parsed = taskSchema.safeParse(json);
      if (!parsed.success) {
        answer(res, 400, 'body is not a task object');
        return;
      }
      logger.verbose(`Webhook: task ${parsed.data.task_id} is ${parsed.data.status}; polling it`);
      answer(res, 200, 'ok');
      try {
        options.onTask(parsed.data.task_id);
      } catch (err) {
        logger.warn('Webhook onTask handler failed:', err);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  logger.verbose(`Webhook receiver listening on http://${urlHost}:${port}/`);
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
