import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  InputValidationError,
  SubmitOutcomeUnknownError,
  TaskFailedError,
} from '../../../src/api/errors.ts';
import type {ProviderName} from '../../../src/contract/providers.ts';
import {webhookTaskIdOf} from '../../../src/providers/create-provider.ts';
import type {MmaudioProvider, ProviderInput, ProviderTask} from '../../../src/providers/provider.ts';
import {startProviderWebhookReceiver} from '../../../src/providers/start-provider-webhook-receiver.ts';
import {type Simulator, startSimulator} from '../../../src/simulator/index.ts';
import {parseWavHeader} from '../../../src/wav/wav.ts';
import {makeTestMp4} from '../../integration/helpers/make-mp4.ts';

export const SIGNING_SECRET = `whsec_${Buffer.from('simulated replicate signing key!').toString('base64')}`;
const PLAIN_SECRET = 'contract-webhook-secret-0123456789';

export type ContractContext = {sim: Simulator; webhookUrl: string | null};

export type ContractSuite = {
  name: Exclude<ProviderName, 'qubico'>;
  /** The provider under test against `sim` (retries and polls fast). */
  make: (
    ctx: ContractContext,
    options: {apiKey?: string; maxRetries?: number; plainSecret: string; signingSecret: string},
  ) => MmaudioProvider;
  /** How this host takes the video: inline base64, or a URL (hosted by the test). */
  video: 'inline' | 'url';
  /** Host-specific cases, run after the shared ones. */
  extra?: (
    get: () => {
      sim: Simulator;
      video: string;
      dir: string;
      provider: (o?: {maxRetries?: number}) => MmaudioProvider;
    },
  ) => void;
};

/**
 * The contract of one host over real HTTP on 127.0.0.1: the provider against the simulator speaking that
 * host. Submit and statuses, the result decoded to a checked wav, errors in the host's shapes, 429 and 5xx
 * handling with the host's headers, failed tasks, cancel, webhooks accepted when signed right and refused
 * when signed wrong or stale, and zero requests on bad input.
 */
export const defineContractSuite = (suite: ContractSuite) => {
  const KEY = `contract-key-${suite.name}-0123456789`;
  let sim: Simulator;
  let dir: string;
  let video: string;
  let videoServer: Server | null = null;

  beforeAll(async () => {
    sim = await startSimulator({
      provider: suite.name,
      apiKey: KEY,
      taskLatencyMs: 300,
      estimatedTimeSeconds: 0,
      webhookSigningSecret: SIGNING_SECRET,
    });
    dir = await mkdtemp(path.join(os.tmpdir(), `contract-${suite.name}-`));
    const mp4 = await readFile(
      await makeTestMp4({seconds: 2, width: 32, height: 18, outputPath: path.join(dir, 'in.mp4')}),
    );
    if (suite.video === 'inline') {
      video = mp4.toString('base64');
    } else {
      // The `upload` hook's part: the proxy hosted where the service fetches it.
      videoServer = createServer((_req, res) => {
        res.writeHead(200, {'content-type': 'video/mp4', 'content-length': mp4.length});
        res.end(mp4);
      });
      await new Promise<void>((resolve) => videoServer?.listen(0, '127.0.0.1', resolve));
      video = `http://127.0.0.1:${(videoServer.address() as AddressInfo).port}/segment-1.mp4`;
    }
  });
  afterAll(async () => {
    await sim.close();
    await new Promise<void>((resolve) => (videoServer ? videoServer.close(() => resolve()) : resolve()));
    await rm(dir, {recursive: true, force: true});
  });
  beforeEach(() => sim.reset());

  const make = (o: {apiKey?: string; maxRetries?: number; webhookUrl?: string} = {}) =>
    suite.make(
      {sim, webhookUrl: o.webhookUrl ?? null},
      {
        apiKey: o.apiKey ?? KEY,
        maxRetries: o.maxRetries,
        plainSecret: PLAIN_SECRET,
        signingSecret: SIGNING_SECRET,
      },
    );
  const input = (): ProviderInput => ({
    video,
    prompt: 'rain on a tin roof',
    steps: 25,
    seed: 7,
    durationInSeconds: 2,
  });
  const submits = () => sim.requests.filter((r) => r.kind === 'submit');

  describe(`${suite.name} over real HTTP against its simulator`, () => {
    it('submit → statuses in the host’s words → result decoded to a checked wav of the segment', async () => {
      const p = make();
      try {
        const task = await p.submit(input());
        const seen: ProviderTask[] = [];
        const done = await p.waitForTask(task.taskId, {onUpdate: (t) => seen.push(t)});
        const out = path.join(dir, `${suite.name}.wav`);
        const downloaded = await p.downloadResult(done.resultUrls[0], out, {segmentSeconds: 2});
        const header = parseWavHeader(await readFile(out));
        const simTask = sim.tasks.get(task.taskId);
        console.table({
          submit: {status: task.status, phase: task.phase},
          ...Object.fromEntries(seen.map((t, i) => [`poll ${i + 1}`, {status: t.status, phase: t.phase}])),
          result: {
            status: `${downloaded.bytes} bytes wav`,
            phase: `${header.sampleRate} Hz ${header.channels} ch ${(header.frames / header.sampleRate).toFixed(3)} s`,
          },
          host: {
            status: `duration sent ${simTask?.requestedDurationSeconds ?? '(none)'}`,
            phase: `seed ${simTask?.seed}`,
          },
        });
        expect(task.phase).toBe('running');
        expect(done.phase).toBe('completed');
        expect(header.frames / header.sampleRate).toBeGreaterThan(1.9);
        expect(header.frames / header.sampleRate).toBeLessThan(2.2);
        expect(simTask?.steps).toBe(25);
        expect(simTask?.prompt).toBe('rain on a tin roof');
        if (p.facts.takesDuration) expect(simTask?.requestedDurationSeconds).toBe(2);
        else expect(simTask?.requestedDurationSeconds).toBeUndefined();
      } finally {
        await p.close();
      }
    });

    it('errors in the host’s shapes: a wrong key, a refusal, a 5xx and a lost answer on submit (never resent)', async () => {
      const rows: Record<string, string>[] = [];
      const bad = make({apiKey: 'wrong-key'});
      const auth = await bad.submit(input()).catch((e: unknown) => e);
      await bad.close();
      expect(auth).toBeInstanceOf(AuthenticationError);
      expect((auth as Error).message).toContain(bad.facts.keyEnv);
      rows.push({
        case: 'wrong key',
        error: (auth as Error).constructor.name,
        submits: String(submits().length),
      });
      const p = make();
      try {
        for (const [label, fault, expected] of [
          ['400 on submit', () => sim.faults.failNext(1, 400, {kind: 'submit'}), BadRequestError],
          ['500 on submit', () => sim.faults.failNext(1, 500, {kind: 'submit'}), SubmitOutcomeUnknownError],
          ['created, then 504', () => sim.faults.failAfterCreateNext(1, 504), SubmitOutcomeUnknownError],
        ] as const) {
          sim.reset();
          fault();
          const err = await p.submit(input()).catch((e: unknown) => e);
          rows.push({
            case: label,
            error: (err as Error).constructor.name,
            submits: String(submits().length),
            tasks: String(sim.tasks.size),
          });
          expect(err, label).toBeInstanceOf(expected);
          expect(submits(), label).toHaveLength(1);
        }
      } finally {
        await p.close();
      }
      console.table(rows);
      // The lost answer's task exists (and is billed) at the host: the client did not pay twice.
      expect(rows.at(-1)?.tasks).toBe('1');
    });

    it('429 with the host’s Retry-After and 5xx on polls are retried; the submit is sent again only after a 429', async () => {
      const p = make();
      try {
        sim.faults.failNext(2, 429, {kind: 'submit', retryAfter: '1'});
        const t0 = Date.now();
        const task = await p.submit(input());
        const submitMs = Date.now() - t0;
        sim.faults.failNext(2, 503, {kind: 'poll'});
        const done = await p.waitForTask(task.taskId);
        const statuses = sim.requests.map((r) => `${r.kind}:${r.status}`);
        console.log(
          `${suite.name} 429 ×2 then created after ${submitMs} ms; requests: ${statuses.join(' ')}`,
        );
        expect(done.phase).toBe('completed');
        expect(submits().map((r) => r.status)).toEqual([429, 429, expect.any(Number)]);
        expect(sim.tasks.size).toBe(1);
        expect(submitMs).toBeGreaterThanOrEqual(1900);
      } finally {
        await p.close();
      }
    });

    it('a failed task throws TaskFailedError with the host’s reason', async () => {
      const p = make({maxRetries: 1});
      try {
        sim.faults.failTasks(1);
        const task = await p.submit(input());
        const err = await p.waitForTask(task.taskId).catch((e: unknown) => e);
        console.log(`${suite.name} failed task:`, (err as Error).message);
        expect(err).toBeInstanceOf(TaskFailedError);
      } finally {
        await p.close();
      }
    });

    it('bad input costs zero requests', async () => {
      const p = make();
      try {
        const tooLong = p.facts.maxClipSeconds === null ? 61 : p.facts.maxClipSeconds + 1;
        await expect(p.submit({...input(), prompt: ''})).rejects.toBeInstanceOf(InputValidationError);
        await expect(p.submit({...input(), steps: 10})).rejects.toBeInstanceOf(InputValidationError);
        if (p.facts.maxClipSeconds !== null) {
          await expect(p.submit({...input(), durationInSeconds: tooLong})).rejects.toBeInstanceOf(
            InputValidationError,
          );
        }
        if (!p.facts.accepts.inline) {
          const inline = (await readFile(path.join(dir, 'in.mp4'))).toString('base64');
          await expect(p.submit({...input(), video: inline})).rejects.toThrow(/`upload`/);
        }
        expect(sim.requests).toHaveLength(0);
      } finally {
        await p.close();
      }
    });

    it('webhook: a call signed right is accepted and wakes the wait; wrong or stale signatures are refused', async () => {
      let p: MmaudioProvider | null = null;
      const receiver = await startProviderWebhookReceiver({
        provider: {
          facts: {label: suite.name} as MmaudioProvider['facts'],
          verifyWebhook: (call) => p?.verifyWebhook(call) ?? {ok: false, reason: 'not ready'},
          notifyTaskUpdate: (id) => p?.notifyTaskUpdate(id),
        },
        taskIdOf: webhookTaskIdOf[suite.name],
      });
      p = make({webhookUrl: receiver.url});
      try {
        const rows: Record<string, unknown>[] = [];
        const knobs = suite.name === 'piapi' ? ['good', 'wrongSecret'] : ['good', 'wrongSecret', 'stale'];
        for (const knob of knobs) {
          sim.reset();
          sim.faults.webhook = knob === 'good' ? {} : {[knob]: true};
          const task = await p.submit(input());
          await p.waitForTask(task.taskId);
          const deadline = Date.now() + 5000;
          while (sim.webhookDeliveries.length === 0 && Date.now() < deadline)
            await new Promise((r) => setTimeout(r, 20));
          const delivery = sim.webhookDeliveries[0];
          rows.push({call: knob, answered: delivery?.status, task: delivery?.taskStatus});
          expect(delivery?.status, knob).toBe(knob === 'good' ? 200 : 401);
        }
        console.table(rows);
      } finally {
        await p.close();
        await receiver.close();
      }
    });

    if (suite.extra) {
      suite.extra(() => ({sim, video, dir, provider: (o = {}) => make(o)}));
    }
  });
};
