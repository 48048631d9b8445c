import {writeFileSync} from 'node:fs';
import {mkdir} from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {type StudioWorker, startStudioWorker} from '../../src/cli/start-studio-worker.ts';
import {createLogger} from '../../src/log.ts';
import {STUDIO_FOLDER, studioRequestPath} from '../../src/react/studio-files.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {ENTRY, makeTempProject, type TempProject} from './helpers/project.ts';

/**
 * The worker of `remotion-mmaudio studio` started with --max-cost: a paid provider (the simulator), and a
 * budget for the whole session that it never goes past. Requests are dropped as `<GeneratedAudio />` drops
 * them in Studio (a request file in the public dir); the worker runs without Studio here.
 */

const KEY = 'test-key-studio-budget-0123456789';
const COMPOSITION = 'test-studio';
const DEFAULTS = {
  mmaudio: {
    prompt: 'soft room tone',
    seed: 7,
    scenes: [
      {from: 0, prompt: 'rain on a window'},
      {from: 40, prompt: 'footsteps on gravel'},
      {from: 80, prompt: 'birds in a park'},
    ],
  },
};

describe('remotion-mmaudio studio --max-cost', () => {
  let sim: Simulator;
  let project: TempProject;
  let worker: StudioWorker;
  const lines: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator({apiKey: KEY, taskLatencyMs: 300});
    project = makeTempProject();
    await mkdir(path.join(project.publicDir, STUDIO_FOLDER), {recursive: true});
    worker = await startStudioWorker({
      entryPoint: ENTRY,
      publicDir: project.publicDir,
      // 3 segments of 20 s cost $3.00; a change of one scene then costs $1.00, past what is left.
      maxCost: 3.5,
      base: {
        backend: 'qubico',
        apiKey: KEY,
        baseUrl: sim.url,
        publicDir: project.publicDir,
        cacheDir: project.cacheDir,
        maxSegmentSeconds: 21,
        logger: createLogger({level: 'warn'}),
      },
      logger: createLogger({level: 'warn'}),
      out: (line) => lines.push(line),
      pollMs: 100,
    });
  });

  afterAll(async () => {
    await worker?.close();
    await sim?.close();
    project?.cleanup();
  });

  const request = (props: Record<string, unknown>, requestId: string) =>
    writeFileSync(
      path.join(project.publicDir, studioRequestPath(COMPOSITION)),
      JSON.stringify({requestId, compositionId: COMPOSITION, props, requestedAt: new Date().toISOString()}),
    );
  const waitForRuns = async (n: number) => {
    await expect.poll(() => worker.runs.length, {timeout: 240_000, interval: 250}).toBe(n);
  };

  it('pays within the budget, then refuses a change that would go past it before any request', async () => {
    request(DEFAULTS, 'first');
    await waitForRuns(1);
    const afterFirst = sim.requests.length;
    const submitsFirst = sim.requests.filter((r) => r.method === 'POST').length;

    const edited = structuredClone(DEFAULTS);
    edited.mmaudio.scenes[1].prompt = 'a dog barking in the distance';
    request(edited, 'second');
    await waitForRuns(2);
    const [first, second] = worker.runs;
    console.table(
      worker.runs.map((r) => ({
        request: r.requestId,
        ok: r.ok,
        changed: r.changedSegments.map((i) => i + 1).join(','),
        costUsd: r.costUsd,
        message: r.message,
      })),
    );
    console.table([
      {
        budgetUsd: 3.5,
        spentUsd: first.costUsd + second.costUsd,
        simulatorRequestsFirstRun: afterFirst,
        submitsFirstRun: submitsFirst,
        simulatorRequestsSecondRun: sim.requests.length - afterFirst,
      },
    ]);
    console.log(lines.join('\n'));
    expect(first.ok).toBe(true);
    expect(first.changedSegments).toEqual([0, 1, 2]);
    expect(first.costUsd).toBeCloseTo(3, 6);
    expect(submitsFirst).toBe(3);
    expect(second.ok).toBe(false);
    expect(second.message).toMatch(/max-cost|budget|\$0\.50/i);
    // Refused before any request: nothing more reached the provider.
    expect(sim.requests.length).toBe(afterFirst);
  }, 300_000);
});
