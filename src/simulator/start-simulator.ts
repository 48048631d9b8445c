import {createServer, type IncomingMessage} from 'node:http';
import type {AddressInfo} from 'node:net';
import {MMAudioError} from '../errors.ts';
import {silentLogger} from '../log.ts';
import {createContract} from './contracts/create-contract.ts';
import type {SimulatorCore} from './contracts/host-contract.ts';
import {encodeResultFile} from './encode-result-file.ts';
import {createFaultState} from './faults.ts';
import {createRequestHandler} from './handle-request.ts';
import {ApiFailure, sendBytes} from './http-reply.ts';
import {createLimits, maxInWindow} from './limits.ts';
import {normaliseSimulatorOptions} from './normalise-options.ts';
import {createTaskStore} from './task-store.ts';
import type {RecordedRequest, SimulatedTask, Simulator, SimulatorOptions} from './types.ts';
import {createWebhookSender} from './webhook-sender.ts';

/**
 * Starts a local server speaking one host's MMAudio contract (`options.provider`: Qubico by default, or
 * PiAPI, fal, Replicate): submit, poll, result download, cancel where the host has one, webhooks signed
 * the host's way, with the host's limits and the fault injection knobs. Prints nothing; request lines go
 * to `options.logger` at verbose level, never with the key or a webhook secret.
 */
export const startSimulator = async (options: SimulatorOptions = {}): Promise<Simulator> => {
  const o = normaliseSimulatorOptions(options);
  const logger = options.logger ?? silentLogger();
  logger.addSecret(o.apiKey);
  if (o.webhookSigningSecret) logger.addSecret(o.webhookSigningSecret);

  const faultState = createFaultState(o.taskLatencyMs);
  const limits = createLimits(o.limits);
  const webhooks = createWebhookSender(faultState);
  let baseUrl = '';
  let closed = false;
  let maxConcurrentTasksSeen = 0;
  const requests: RecordedRequest[] = [];
  let seq = 0;

  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });

  const files = new Map<string, Promise<Uint8Array>>();
  // The store calls the contract's onEnd; the contract needs the store: tie them through this slot.
  let onEnd: (task: SimulatedTask) => void = () => undefined;
  let newTaskId: () => string = () => '';
  const store = createTaskStore({
    faults: faultState,
    resultFormat: o.result,
    newTaskId: () => newTaskId(),
    onEnd: (task) => onEnd(task),
  });
  const core: SimulatorCore = {
    options: o,
    store,
    faultState,
    limits,
    webhooks,
    logger,
    baseUrl: () => baseUrl,
    closed: () => closed,
    sleep,
    resultFile: (task, index, format) => {
      const key = `${task.taskId}/${index}.${format}`;
      let file = files.get(key);
      if (!file) {
        file = encodeResultFile(store.resultWav(task, index), format, task.resultSpec.durationInSeconds);
        file.catch(() => files.delete(key));
        files.set(key, file);
      }
      return file;
    },
    noteActive: (now) => {
      maxConcurrentTasksSeen = Math.max(maxConcurrentTasksSeen, store.active(now).length);
    },
  };
  const contract = createContract(o.provider, core);
  onEnd = contract.onEnd;
  newTaskId = contract.newTaskId;

  const recordFor = new WeakMap<IncomingMessage, RecordedRequest>();
  const handle = createRequestHandler(core, contract, {requests, nextSeq: () => ++seq, recordFor});

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const failure =
        err instanceof ApiFailure
          ? err
          : new ApiFailure(500, 'internal_error', 'The simulator failed while answering this request.');
      if (!(err instanceof ApiFailure)) {
        // A client that went away mid-request is not the simulator's failure.
        if (req.destroyed || res.destroyed) {
          logger.verbose(`[simulator] ${req.method} ${req.url?.split('?')[0]} → client went away`);
          return;
        }
        logger.error('[simulator] internal error:', err);
      }
      const current = recordFor.get(req);
      const answer = contract.errorAnswer(failure, current);
      if (current && !res.destroyed && !closed) current.status = answer.status;
      sendBytes(res, answer.status, answer.body, {
        ...answer.headers,
        ...(current ? contract.answerHeaders(current) : {}),
      });
      logger.verbose(`[simulator] ${req.method} ${req.url?.split('?')[0]} → ${answer.status}`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        new MMAudioError(
          err.code === 'EADDRINUSE'
            ? `Port ${o.port} on ${o.host} is already in use: choose another with --port, or 0 for a free one.`
            : `The simulator could not listen on ${o.host}:${o.port}: ${err.message}`,
          {cause: err},
        ),
      );
    };
    server.once('error', onError);
    server.listen(o.port, o.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === 'IPv6' || o.host.includes(':') ? `[${o.host}]` : o.host;
  baseUrl = `http://${hostInUrl}:${address.port}`;

  const simulator: Simulator = {
    provider: o.provider,
    url: baseUrl,
    jwksUrl: contract.jwksPath === null ? null : `${baseUrl}${contract.jwksPath}`,
    host: o.host,
    port: address.port,
    requests,
    get tasks() {
      store.refresh(Date.now());
      return store.tasks;
    },
    webhookDeliveries: webhooks.deliveries,
    maxRequestsInWindow: (windowMs) =>
      maxInWindow(
        requests.map((x) => x.at),
        windowMs,
      ),
    get maxConcurrentTasksSeen() {
      return maxConcurrentTasksSeen;
    },
    faults: faultState.faults,
    reset: () => {
      requests.length = 0;
      seq = 0;
      maxConcurrentTasksSeen = 0;
      limits.reset();
      faultState.reset();
      store.reset();
      webhooks.reset();
      files.clear();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      store.close();
      webhooks.close();
      for (const wake of [...sleepers]) wake();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return simulator;
};
