import {readdir, readFile, rm, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {bundle} from '@remotion/bundler';
import type {Logger} from '../log.ts';
import {writeFileAtomic} from '../media/atomic.ts';
import {generateAudio} from '../pipeline/generate.ts';
import type {GenerateAudioOptions} from '../pipeline/options.ts';
import {planComposition} from '../pipeline/plan-composition.ts';
import {manifestPath} from '../react/manifest.ts';
import {
  STUDIO_FOLDER,
  STUDIO_WORKER_FILE,
  type StudioRequest,
  type StudioStatus,
  studioRequestSchema,
  studioStatusPath,
} from '../react/studio-files.ts';

export type StudioWorkerOptions = {
  entryPoint: string;
  /** Options every run shares (public dir, cache dir, segment length, backend, browser, …). */
  base: Omit<GenerateAudioOptions, 'compositionId' | 'inputProps' | 'entryPoint' | 'serveUrl' | 'maxCost'>;
  /** Budget of the whole session in USD; null: no paid provider is used at all. */
  maxCost: number | null;
  publicDir: string;
  logger: Logger;
  out: (line: string) => void;
  /** How often the request folder is looked at. Default 250 ms. */
  pollMs?: number;
};

export type StudioWorker = {
  /** Runs finished so far (done or failed), in order. */
  runs: StudioRun[];
  close: () => Promise<void>;
};

export type StudioRun = {
  requestId: string;
  compositionId: string;
  ok: boolean;
  /** Indices of the segments whose audio changed (new wav), 0-based. */
  changedSegments: number[];
  costUsd: number;
  message: string;
};

const usd = (n: number) => `$${n.toFixed(2)}`;

/**
 * The generation worker of `remotion-mmaudio studio`: picks up the request files that `<GeneratedAudio />`
 * drops in Studio when a composition's `mmaudio` props change, plans, prints the bill, and generates (the
 * cache serves the segments that did not change). Writes one status file per composition, which Studio
 * shows over the preview. One run at a time; of several requests for a composition waiting, the newest wins.
 * Spends at most `maxCost` over the whole session.
 */
export const startStudioWorker = async (options: StudioWorkerOptions): Promise<StudioWorker> => {
  const {publicDir, logger, out} = options;
  const folder = path.join(publicDir, STUDIO_FOLDER);
  const pollMs = options.pollMs ?? 250;
  const runs: StudioRun[] = [];
  const seen = new Map<string, number>();
  const waiting = new Map<string, StudioRequest>();
  let spentUsd = 0;
  let running: Promise<void> | null = null;
  let closed = false;
  const controller = new AbortController();

  // Status writes one after the other: a late progress line never overwrites the final one.
  let statusChain: Promise<void> = Promise.resolve();
  const writeStatus = (request: StudioRequest, state: StudioStatus['state'], message: string) => {
    statusChain = statusChain.then(() => writeStatusNow(request, state, message));
    return statusChain;
  };
  const writeStatusNow = (request: StudioRequest, state: StudioStatus['state'], message: string) =>
    writeFileAtomic(
      path.join(publicDir, studioStatusPath(request.compositionId)),
      JSON.stringify({
        requestId: request.requestId,
        state,
        message,
        updatedAt: new Date().toISOString(),
      } satisfies StudioStatus),
    ).catch((err: unknown) => logger.warn(`Could not write the Studio status: ${(err as Error).message}`));

  const srcsOf = async (compositionId: string): Promise<Map<number, string>> => {
    try {
      const manifest = JSON.parse(
        await readFile(path.join(publicDir, manifestPath(compositionId)), 'utf8'),
      ) as {segments?: {index: number; src: string}[]};
      return new Map((manifest.segments ?? []).map((s) => [s.index, s.src]));
    } catch {
      return new Map();
    }
  };

  const run = async (request: StudioRequest): Promise<void> => {
    const {compositionId} = request;
    const label = `[studio] ${compositionId}`;
    const remaining = options.maxCost === null ? null : Math.max(0, options.maxCost - spentUsd);
    let serveUrl: string | null = null;
    try {
      await writeStatus(request, 'planning', 'MMAudio: new prompts, planning…');
      out(`${label}: the mmaudio props changed in Studio; planning.`);
      serveUrl = await bundle({entryPoint: options.entryPoint, publicDir, onProgress: () => undefined});
      const shared: GenerateAudioOptions = {
        ...options.base,
        serveUrl,
        compositionId,
        inputProps: request.props,
        maxCost: remaining ?? undefined,
        signal: controller.signal,
      };
      const planned = await planComposition(shared);
      const paid = options.maxCost !== null && options.base.backend !== 'offline';
      const {plan} = planned;
      out(
        `${label}: ${plan.segments.length} segment${plan.segments.length === 1 ? '' : 's'}, ` +
          (paid
            ? `worst case ${usd(planned.costUsd)} if nothing is cached; ${usd(remaining ?? 0)} of the --max-cost budget left.`
            : 'offline backend: nothing billed (start with --max-cost to use a paid provider).'),
      );
      for (const s of plan.segments) {
        out(
          `  ${s.index + 1}. frames ${s.startFrame}–${s.endFrame}: ${planned.params[s.index].prompt ?? '(no prompt)'}`,
        );
      }
      const before = await srcsOf(compositionId);
      await writeStatus(request, 'generating', `MMAudio: generating ${plan.segments.length} segments…`);
      let lastWrite = 0;
      const result = await generateAudio({
        ...shared,
        onProgress: (p) => {
          const now = Date.now();
          if (p.stage !== 'generating' || now - lastWrite < 1000) return;
          lastWrite = now;
          void writeStatus(
            request,
            'generating',
            `MMAudio: ${p.segmentsDone}/${p.segmentsTotal} segments (${p.cachedSegments} unchanged)…`,
          );
        },
      });
      spentUsd += result.costUsd;
      const changed = result.manifest.segments
        .filter((s) => before.get(s.index) !== s.src)
        .map((s) => s.index);
      const bill =
        result.backend === 'offline'
          ? 'offline backend, nothing billed'
          : `billed ${usd(result.costUsd)} (${usd(spentUsd)} of ${usd(options.maxCost ?? 0)} this session)`;
      const what =
        changed.length === 0
          ? 'no segment changed'
          : `new audio for segment${changed.length === 1 ? '' : 's'} ${changed.map((i) => i + 1).join(', ')}`;
      const message = `MMAudio: ${what}; ${result.segments.length - changed.length} unchanged — ${bill}.`;
      out(`${label}: ${message.replace(/^MMAudio: /, '')}`);
      await writeStatus(request, 'done', message);
      runs.push({
        requestId: request.requestId,
        compositionId,
        ok: true,
        changedSegments: changed,
        costUsd: result.costUsd,
        message,
      });
    } catch (err) {
      const spent =
        options.maxCost !== null && spentUsd > 0
          ? ` (--max-cost ${usd(options.maxCost)} is for the whole session; ${usd(spentUsd)} spent, ${usd(remaining ?? 0)} left)`
          : '';
      const message = `MMAudio: generation failed: ${(err as Error).message.split('\n')[0]}${spent}`;
      logger.error(`${label}: ${message.replace(/^MMAudio: /, '')}`);
      await writeStatus(request, 'failed', message);
      runs.push({
        requestId: request.requestId,
        compositionId,
        ok: false,
        changedSegments: [],
        costUsd: 0,
        message,
      });
    } finally {
      if (serveUrl && path.resolve(serveUrl).startsWith(path.resolve(os.tmpdir()))) {
        await rm(serveUrl, {recursive: true, force: true}).catch(() => undefined);
      }
    }
  };

  const pump = () => {
    if (running || closed) return;
    const next = waiting.entries().next();
    if (next.done) return;
    const [compositionId, request] = next.value;
    waiting.delete(compositionId);
    running = run(request).finally(() => {
      running = null;
      pump();
    });
  };

  const readRequests = async (initial: boolean) => {
    let names: string[];
    try {
      names = (await readdir(folder)).filter((n) => n.endsWith('.request.json'));
    } catch {
      return;
    }
    for (const name of names) {
      const file = path.join(folder, name);
      let mtimeMs: number;
      try {
        mtimeMs = (await stat(file)).mtimeMs;
      } catch {
        continue;
      }
      if (seen.get(name) === mtimeMs) continue;
      seen.set(name, mtimeMs);
      if (initial) continue; // Left over from an earlier session: not asked of this one.
      let request: StudioRequest;
      try {
        request = studioRequestSchema.parse(JSON.parse(await readFile(file, 'utf8')));
      } catch (err) {
        logger.warn(`Ignoring the unreadable Studio request ${name}: ${(err as Error).message}`);
        continue;
      }
      waiting.set(request.compositionId, request);
      void writeStatus(request, 'queued', 'MMAudio: queued for the worker…');
    }
    pump();
  };

  await readRequests(true);
  await writeFileAtomic(
    path.join(publicDir, STUDIO_WORKER_FILE),
    JSON.stringify({pid: process.pid, startedAt: new Date().toISOString(), maxCost: options.maxCost}),
  );
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    readRequests(false).finally(() => {
      polling = false;
    });
  }, pollMs);

  return {
    runs,
    close: async () => {
      closed = true;
      clearInterval(timer);
      controller.abort();
      await running?.catch(() => undefined);
      await rm(path.join(publicDir, STUDIO_WORKER_FILE), {force: true});
    },
  };
};
