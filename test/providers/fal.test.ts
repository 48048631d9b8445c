import {expect, it} from 'vitest';
import {createFalProvider} from '../../src/providers/fal/create-fal-provider.ts';
import {defineContractSuite} from './helpers/define-contract-suite.ts';

defineContractSuite({
  name: 'fal',
  video: 'url',
  make: ({sim, webhookUrl}, o) =>
    createFalProvider({
      apiKey: o.apiKey,
      baseUrl: sim.url,
      pollIntervalMs: {min: 50, max: 200},
      retryBaseDelayMs: 10,
      maxRetries: o.maxRetries ?? 5,
      webhook: webhookUrl ? {url: webhookUrl, jwksUrl: sim.jwksUrl ?? undefined} : null,
    }),
  extra: (get) => {
    it('cancel: a PUT; the request then reads as failed (its response answers 400)', async () => {
      const {sim, video, provider} = get();
      sim.faults.setTaskLatency(5000);
      const p = provider();
      try {
        const task = await p.submit({video, prompt: 'wind', steps: 25, seed: 3, durationInSeconds: 2});
        await p.cancel?.(task.taskId);
        const after = await p.getTask(task.taskId);
        console.log('fal after cancel:', after.status, after.phase, JSON.stringify(after.serviceError));
        expect(sim.requests.some((r) => r.kind === 'cancel' && r.status === 202)).toBe(true);
        expect(after.phase).toBe('failed');
      } finally {
        await p.close();
      }
    });
  },
});
