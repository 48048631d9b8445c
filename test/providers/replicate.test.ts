import {expect, it} from 'vitest';
import {createReplicateProvider} from '../../src/providers/replicate/create-replicate-provider.ts';
import {startSimulator} from '../../src/simulator/index.ts';
import {defineContractSuite} from './helpers/define-contract-suite.ts';

defineContractSuite({
  name: 'replicate',
  video: 'inline',
  make: ({sim, webhookUrl}, o) =>
    createReplicateProvider({
      apiKey: o.apiKey,
      baseUrl: sim.url,
      pollIntervalMs: {min: 50, max: 200},
      retryBaseDelayMs: 10,
      maxRetries: o.maxRetries ?? 5,
      webhook: webhookUrl ? {url: webhookUrl, secret: o.signingSecret} : null,
    }),
  extra: (get) => {
    it('cancel: a POST; the prediction then reads canceled (a failure: no audio)', async () => {
      const {sim, video, provider} = get();
      sim.faults.setTaskLatency(5000);
      const p = provider();
      try {
        const task = await p.submit({video, prompt: 'wind', steps: 25, seed: 3, durationInSeconds: 2});
        await p.cancel?.(task.taskId);
        const after = await p.getTask(task.taskId);
        console.log('replicate after cancel:', after.status, after.phase);
        expect(after).toMatchObject({status: 'canceled', phase: 'failed'});
      } finally {
        await p.close();
      }
    });

    it('the host’s own throttle (600 creates/min, here 1 per 1.5 s): its 429 is waited out and the create sent again', async () => {
      const {video} = get();
      const throttled = await startSimulator({
        provider: 'replicate',
        apiKey: 'throttle-key',
        taskLatencyMs: 200,
        limits: {submitsPerWindow: 1, windowMs: 1500},
      });
      const p = createReplicateProvider({
        apiKey: 'throttle-key',
        baseUrl: throttled.url,
        retryBaseDelayMs: 10,
      });
      try {
        const t0 = Date.now();
        await p.submit({video, prompt: 'wind', steps: 25, seed: 3, durationInSeconds: 2});
        await p.submit({video, prompt: 'rain', steps: 25, seed: 4, durationInSeconds: 2});
        const creates = throttled.requests.filter((r) => r.kind === 'submit');
        console.log(
          'replicate throttle:',
          creates.map((r) => `${r.status}${r.limit ? `(${r.limit})` : ''}@${r.at - t0}ms`).join(' '),
        );
        expect(creates.map((r) => r.status)).toEqual([201, 429, 201]);
        expect(throttled.tasks.size).toBe(2);
        // The second create waited for what the 429 asked (its header, else its detail's seconds).
        expect(creates[2].at - creates[1].at).toBeGreaterThanOrEqual(900);
      } finally {
        await p.close();
        await throttled.close();
      }
    });
  },
});
