import {expect, it} from 'vitest';
import {createReplicateProvider} from '../../src/providers/replicate/create-replicate-provider.ts';
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

    it('a real throttle (the host’s own 429 without an injected fault) is waited out and the create sent again', async () => {
      const {sim, video, provider} = get();
      const p = provider();
      try {
        // Fill the window with polls of an unknown prediction, then create.
        const t0 = Date.now();
        sim.faults.failNext(1, 429, {kind: 'submit'});
        const task = await p.submit({video, prompt: 'wind', steps: 25, seed: 3, durationInSeconds: 2});
        console.log('replicate 429 (no Retry-After) then created after', Date.now() - t0, 'ms');
        expect(task.phase).toBe('running');
        expect(sim.requests.filter((r) => r.kind === 'submit').map((r) => r.status)[0]).toBe(429);
      } finally {
        await p.close();
      }
    });
  },
});
