import type {IncomingHttpHeaders, IncomingMessage, ServerResponse} from 'node:http';
import type {Logger} from '../../log.ts';
import type {ResultFileFormat} from '../encode-result-file.ts';
import type {FaultState} from '../faults.ts';
import type {ApiFailure} from '../http-reply.ts';
import type {Limits} from '../limits.ts';
import type {NormalisedSimulatorOptions} from '../normalise-options.ts';
import type {TaskStore} from '../task-store.ts';
import type {RecordedRequest, RequestKind, SimulatedTask} from '../types.ts';
import type {WebhookSender} from '../webhook-sender.ts';

/** What a request is: its kind for the records and faults, and the task it names. */
export type Route = {
  kind: RequestKind;
  taskId?: string;
  resultIndex?: number;
  /** For a 405: the method the path takes. */
  allow?: string;
  /** Answered without a key (result files on a CDN, a JWKS). */
  public?: boolean;
  /** Whether it counts towards the request limits (the API's own requests do; a CDN download need not). */
  counted?: boolean;
  /** Which of the host's own endpoints, when the kind does not say (e.g. `response`, `jwks`, `secret`). */
  endpoint?: string;
};

/** The shared parts every contract works with. */
export type SimulatorCore = {
  options: NormalisedSimulatorOptions;
  store: TaskStore;
  faultState: FaultState;
  limits: Limits;
  webhooks: WebhookSender;
  logger: Logger;
  baseUrl(): string;
  closed(): boolean;
  /** A wait that `close()` cuts short. */
  sleep(ms: number): Promise<void>;
  /** Result `index` of a completed task in `format` (encoded once, then cached). */
  resultFile(task: SimulatedTask, index: number, format: ResultFileFormat): Promise<Uint8Array>;
  /** Notes the tasks active now, for `maxConcurrentTasksSeen`. */
  noteActive(now: number): void;
};

/** One request being answered. */
export type Exchange = {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  route: Route;
  record: RecordedRequest;
  /** Hash of the key when it was accepted; null otherwise. */
  keyId: string | null;
  /** A JSON answer (and the request line at verbose level). */
  reply(status: number, body: unknown, headers?: Record<string, string>): void;
  /** An error answer in the host's shape. */
  fail(failure: ApiFailure): void;
};

export type ErrorAnswer = {status: number; body: Buffer; headers: Record<string, string>};

/**
 * One host's contract over the shared task store, faults and limits: its paths, where its key goes, its
 * error shape, its bodies and task views, its webhook. The shared request flow (records, injected faults,
 * key check, request limits) runs first; `handle` answers what is left.
 */
export type HostContract = {
  route(method: string, path: string): Route;
  /** The key the request carries (null when none). */
  readKey(headers: IncomingHttpHeaders): string | null;
  /** The 401 for a request without a key, or with one that is not accepted. */
  authFailure(kind: 'missing' | 'invalid'): ApiFailure;
  /** The host's error answer for a failure. */
  errorAnswer(failure: ApiFailure, record: RecordedRequest | undefined): ErrorAnswer;
  /** Headers every answer of this host carries (request ids). */
  answerHeaders(record: RecordedRequest): Record<string, string>;
  handle(ex: Exchange): Promise<void>;
  /** The host's task ids. */
  newTaskId(): string;
  /** Called once when a task ends (completed, failed or canceled): delivers its webhook if it has one. */
  onEnd(task: SimulatedTask): void;
  /** fal: the JWKS path; null elsewhere. */
  jwksPath: string | null;
};
