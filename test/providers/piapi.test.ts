import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {expect, it} from 'vitest';
import {createPiapiProvider} from '../../src/providers/piapi/create-piapi-provider.ts';
import {parseWavHeader} from '../../src/wav/wav.ts';
import {defineContractSuite} from './helpers/define-contract-suite.ts';

defineContractSuite({
  name: 'piapi',
  video: 'inline',
  make: ({sim, webhookUrl}, o) =>
    createPiapiProvider({
      apiKey: o.apiKey,
      baseUrl: sim.url,
      pollIntervalMs: {min: 50, max: 200},
      retryBaseDelayMs: 10,
      maxRetries: o.maxRetries ?? 5,
      webhook: webhookUrl ? {url: webhookUrl, secret: o.plainSecret} : null,
    }),
  extra: (get) => {
    it('an undocumented result format (wav, mp3, AAC in m4a) and capitalised statuses are read alike', async () => {
      const {sim, video, dir, provider} = get();
      const p = provider();
      const rows: Record<string, unknown>[] = [];
      try {
        for (const format of ['wav', 'mp3', 'm4a'] as const) {
          sim.reset();
          sim.faults.resultAudioFormat = format;
          sim.faults.statusCase = 'capitalised';
          const task = await p.submit({video, prompt: 'waves', steps: 25, seed: 1, durationInSeconds: 2});
          const done = await p.waitForTask(task.taskId);
          const out = path.join(dir, `piapi-${format}.wav`);
          await p.downloadResult(done.resultUrls[0], out, {segmentSeconds: 2});
          const header = parseWavHeader(await readFile(out));
          rows.push({
            format,
            status: done.status,
            url: done.resultUrls[0].split('/').at(-1),
            rate: header.sampleRate,
            seconds: (header.frames / header.sampleRate).toFixed(3),
          });
          expect(done.status).toBe('Completed');
          expect(header.frames / header.sampleRate).toBeGreaterThan(1.9);
        }
      } finally {
        await p.close();
      }
      console.table(rows);
    });
  },
});
