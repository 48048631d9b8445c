/**
 * One worker of a fleet, as its own process: a Qubico client whose window, slots and daily quota live in
 * Redis, and the Qubico backend under segment claims, with its own local journal. Reads its job as JSON in
 * argv[2], generates each segment, and prints one JSON line per segment on stdout.
 */
import {mkdir} from 'node:fs/promises';
import path from 'node:path';
import {createQubicoClient} from '../../../src/api/client.ts';
import {createQubicoBackend} from '../../../src/backends/qubico.ts';
import {silentLogger} from '../../../src/log.ts';
import {createSubmitJournal} from '../../../src/state/journal.ts';
import {createRedisClaims} from '../../../src/state/redis-claims.ts';
import {createRedisLimits} from '../../../src/state/redis-limits.ts';
import {createSegmentClaimLayer} from '../../../src/state/segment-claim-layer.ts';

export type FleetJob = {
  redisUrl: string;
  baseUrl: string;
  apiKey: string;
  workDir: string;
  proxyPath: string;
  window: {requests: number; intervalMs: number};
  maxConcurrentTasks: number;
  leaseMs: number;
  segments: {cacheKey: string; seed: number}[];
};

const job = JSON.parse(process.argv[2]) as FleetJob;
const limits = await createRedisLimits({
  url: job.redisUrl,
  apiKey: job.apiKey,
  requests: job.window.requests,
  intervalMs: job.window.intervalMs,
  maxConcurrentTasks: job.maxConcurrentTasks,
  slotLeaseMs: job.leaseMs,
  maxRequestMs: 5_000,
  pollMs: 20,
});
const claims = await createRedisClaims({url: job.redisUrl, apiKey: job.apiKey, leaseMs: job.leaseMs});
const client = createQubicoClient({
  apiKey: job.apiKey,
  baseUrl: job.baseUrl,
  rateLimit: job.window,
  requestTimeoutMs: 4_000,
  retryBaseDelayMs: 50,
  retryMaxDelayMs: 200,
  pollIntervalMs: {min: 100, max: 400},
  sharedLimits: limits,
});
const localJournal = createSubmitJournal(path.join(job.workDir, 'journal'));
const layer = createSegmentClaimLayer({claims, journal: localJournal, baseUrl: client.baseUrl, pollMs: 50});
const backend = layer.wrap(createQubicoBackend({client, journal: layer.journal}));
await mkdir(path.join(job.workDir, 'out'), {recursive: true});
process.stdout.write(`${JSON.stringify({ready: true})}\n`);
const logger = silentLogger();
let failed = false;
await Promise.all(
  job.segments.map(async (s, i) => {
    try {
      const result = await backend.generate(
        {
          segmentIndex: i,
          proxyPath: job.proxyPath,
          durationInSeconds: 2,
          prompt: `fleet segment ${s.cacheKey}`,
          negativePrompt: null,
          steps: 25,
          seed: s.seed,
          outputPath: path.join(job.workDir, 'out', `${s.cacheKey}.wav`),
          cacheKey: s.cacheKey,
        },
        {logger},
      );
      process.stdout.write(
        `${JSON.stringify({cacheKey: s.cacheKey, taskId: result.taskId, submits: result.submits, billedSeconds: result.billedSeconds})}\n`,
      );
    } catch (err) {
      failed = true;
      process.stdout.write(
        `${JSON.stringify({cacheKey: s.cacheKey, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err)})}\n`,
      );
    }
  }),
);
await client.close();
await limits.close();
await claims.close();
process.exit(failed ? 1 : 0);
