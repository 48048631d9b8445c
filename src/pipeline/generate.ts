import {randomBytes} from 'node:crypto';
import {mkdir, mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {createQubicoClient, type QubicoClient} from '../api/client.ts';
import {MMAUDIO_MODEL} from '../api/schema.ts';
import {startWebhookReceiver, type WebhookReceiver} from '../api/webhook.ts';
import type {AudioBackend, BackendName} from '../backends/backend.ts';
import {createOfflineBackend} from '../backends/offline.ts';
import {createQubicoBackend} from '../backends/qubico.ts';
import {UnknownSubmitError} from '../backends/unknown-submit-error.ts';
import {
  MANIFEST_VERSION,
  type Manifest,
  type ManifestTake,
  manifestFolder,
  manifestPath,
} from '../contract/manifest.ts';
import {PROVIDERS} from '../contract/providers.ts';
import {CostLimitError, UsageError} from '../errors.ts';
import {createQubicoProvider} from '../providers/qubico/create-qubico-provider.ts';
import {
  createSubmitJournal,
  findUnknownSubmits,
  isUnknownOutcome,
  type UnknownSubmit,
} from '../state/journal.ts';
import {createSegmentClaimLayer} from '../state/segment-claim-layer.ts';
import {adoptLegacyJournalEntry} from './adopt-legacy-journal-entry.ts';
import {applyCrossfade} from './apply-crossfade.ts';
import {
  type AudioCache,
  type CacheEntry,
  computeAutoSeedKey,
  computeCacheKey,
  createAudioCache,
  legacyAutoSeedKey,
  legacyCacheKey,
  serviceIdentity,
} from './cache.ts';
import {type ChunkEncoding, type FramePassArtifact, type RenderedChunk, runFramePass} from './frame-pass.ts';
import {hashJson} from './hash.ts';
import {lockRun} from './lock-run.ts';
import {makeSegmentProxy} from './make-proxy.ts';
import {normalizeSegmentAudio} from './normalize-audio.ts';
import {
  type GenerateAudioOptions,
  type GenerateProgress,
  type NormalizedGenerateOptions,
  normalizeGenerateOptions,
} from './options.ts';
import {type PlannedSegment, PRICE_PER_SECOND_USD, type SegmentPlan} from './plan.ts';
import {cleanStaleTempFiles, publishManifest} from './publish.ts';
import {openRemotionSession, type RemotionSession} from './remotion-session.ts';
import {renderChunksFor} from './render-chunks.ts';
import {
  type FrameRange,
  generationSettingsFor,
  normalizeRenderSettings,
  type RemotionRenderSettings,
  resolveFrameRange,
} from './render-settings.ts';
import {resolveBrowser} from './resolve-browser.ts';
import {planForComposition} from './segment-params.ts';
import {createSerialQueue} from './serial-queue.ts';
import {checkTakeSeeds, takeSeeds} from './take-seeds.ts';
import {validateSegmentPrompts} from './validate-segment-prompts.ts';

/** Model id recorded for the offline synthesiser in cache keys; bump when its output changes. */
export const OFFLINE_MODEL = 'remotion-mmaudio/offline-v1';

/** The service recorded for the offline synthesiser in cache keys: this machine. */
export const OFFLINE_SERVICE = 'local';

/**
 * Requests one uncached segment needs at least (submit, one poll, the result download); the spending
 * check before a run uses it. The client counts every real request against the daily quota as it goes.
 */
export const MIN_REQUESTS_PER_SEGMENT = 3;

export type SegmentOutcome = {
  index: number;
  /** 0-based take of the segment (its seed's place among `--takes N`); 0 for the first. */
  take: number;
  cached: boolean;
  /** Submits this run made for the segment (0 when cached or resumed). */
  submits: number;
  billedSeconds: number;
  taskId: string;
  cacheKey: string;
  seed: number;
  /** Absolute path of the published wav. */
  wavPath: string;
  proxyBytes: number;
  /**
   * Every take of the segment (this outcome being the first) when the run made more than one; absent
   * otherwise. Billed seconds and submits of all takes count in the run's totals.
   */
  takes?: SegmentOutcome[];
};

export type GenerateAudioResult = {
  manifest: Manifest;
  /** Absolute path of the published manifest. */
  manifestPath: string;
  backend: BackendName;
  plan: SegmentPlan;
  /** One per segment: its first take (with every take under `takes` when there are several). */
  segments: SegmentOutcome[];
  /** Takes per segment this run asked for (`takes`, default 1). */
  takes: number;
  /** Seconds of video billed by this run (segments generated now by the paid backend). */
  billedSeconds: number;
  /** Seconds served from the cache (no request). */
  cachedSeconds: number;
  costUsd: number;
  /** Frames rendered by the frame pass (equals the composition's frame count: every frame once). */
  renderedFrames: number;
  /** Proxy bytes per second of video, over the segments of this run. */
  proxyBytesPerSecond: number;
  timings: {
    bundleMs: number;
    framePassMs: number;
    /** Time spent after the frame pass waiting for generation: the API latency rendering did not hide. */
    waitAfterFramesMs: number;
    publishMs: number;
    totalMs: number;
  };
};

/** What renderWithAudio needs beyond the result: the live session and the rendered chunks. */
export type GenerationRun = {
  result: GenerateAudioResult;
  session: RemotionSession;
  chunks: RenderedChunk[];
  /** Artifacts the frame pass emitted (e.g. where `<GeneratedAudio />` places its layers). */
  artifacts: FramePassArtifact[];
  /** Media Remotion fetched to mix the composition's own audio (see FramePassResult). */
  mixedMediaSources: string[];
  workDir: string;
  dispose: () => Promise<void>;
};

/**
 * Remotion render settings the generation needs (from renderWithAudio / remotion.config.ts and the
 * CLI's Remotion flags): how the session is opened, which frames, how the chunks are encoded.
 */
export type GenerationSettings = {
  session?: Pick<
    Parameters<typeof openRemotionSession>[0],
    'webpackOverride' | 'envVariables' | 'chromiumOptions' | 'timeoutInMilliseconds' | 'width' | 'height'
  >;
  /** `--frames`: only these frames are rendered, planned, billed and published. Default every frame. */
  frameRange?: FrameRange | null;
  /** Default h264 at Remotion's defaults. */
  encoding?: ChunkEncoding;
};

type BackendSetup = {
  backend: AudioBackend;
  name: BackendName;
  /** Which service makes the audio, for cache keys (see CacheKeyInput.service). */
  service: string;
  model: string;
  client: QubicoClient | null;
  receiver: WebhookReceiver | null;
  close: () => Promise<void>;
};

const chooseBackendName = (o: NormalizedGenerateOptions): BackendName => {
  if (o.backend && typeof o.backend !== 'string') return o.backend.name;
  if (o.backend) return o.backend;
  if (o.provider !== null && o.provider !== 'qubico' && o.provider !== 'offline') {
    throw new UsageError(
      `Generating with ${PROVIDERS[o.provider].label} is not available in this version: ` +
        `\`plan --provider ${o.provider}\` shows its segments and bill. Use --provider qubico or --provider offline. Nothing was sent.`,
    );
  }
  const key = o.apiKey ?? process.env.QUBICO_API_KEY;
  if (key) return 'qubico';
  o.logger.warn(
    'No QUBICO_API_KEY set: using the offline backend (local synthesis that follows the picture, not MMAudio). ' +
      'Set QUBICO_API_KEY or pass --backend qubico to generate with MMAudio.',
  );
  return 'offline';
};

const setUpBackend = async (o: NormalizedGenerateOptions, name: BackendName): Promise<BackendSetup> => {
  if (o.backend && typeof o.backend !== 'string') {
    const custom = o.backend;
    return {
      backend: custom,
      name,
      service: `custom:${name}`,
      model: `custom/${name}`,
      client: null,
      receiver: null,
      close: async () => custom.close?.(),
    };
  }
  if (name === 'offline') {
    const backend = createOfflineBackend();
    return {
      backend,
      name,
      service: OFFLINE_SERVICE,
      model: OFFLINE_MODEL,
      client: null,
      receiver: null,
      close: async () => backend.close?.(),
    };
  }
  const apiKey = o.apiKey ?? process.env.QUBICO_API_KEY ?? '';
  o.logger.addSecret(apiKey);
  let webhook: {url: string; secret: string} | null = null;
  if (o.webhook) {
    const secret = o.webhook.secret ?? process.env.QUBICO_WEBHOOK_SECRET ?? randomBytes(24).toString('hex');
    o.logger.addSecret(secret);
    webhook = {url: o.webhook.url, secret};
  }
  // ioredis and the AWS SDK are loaded only by the runs that use them.
  const fleet = o.redisUrl
    ? await (await import('../state/create-fleet-state.ts')).createFleetState({
        redisUrl: o.redisUrl,
        apiKey,
        client: o.client,
      })
    : null;
  const client = createQubicoClient({
    ...o.client,
    apiKey,
    ...(o.baseUrl ? {baseUrl: o.baseUrl} : {}),
    logger: o.logger,
    webhook,
    ...(fleet ? {sharedLimits: fleet.limits} : {}),
  });
  let receiver: WebhookReceiver | null = null;
  try {
    if (o.webhook && webhook) {
      receiver = await startWebhookReceiver({
        host: o.webhook.host,
        port: o.webhook.port,
        secret: webhook.secret,
        onTask: (taskId) => client.notifyTaskUpdate(taskId),
        logger: o.logger,
      });
      o.logger.verbose(`Listening for webhooks on ${o.webhook.host}:${receiver.port}`);
    }
  } catch (err) {
    await client.close();
    await fleet?.close();
    throw new UsageError(
      `Could not listen for webhooks on ${o.webhook?.host}:${o.webhook?.port}: ${err instanceof Error ? err.message : String(err)}`,
      {cause: err},
    );
  }
  const localJournal = createSubmitJournal(path.join(o.cacheDir, 'journal'));
  const claimLayer = fleet
    ? createSegmentClaimLayer({claims: fleet.claims, journal: localJournal, baseUrl: client.baseUrl})
    : null;
  const qubico = createQubicoBackend({
    client: createQubicoProvider(client, {webhookSecret: webhook?.secret ?? null}),
    journal: claimLayer?.journal ?? localJournal,
    maxTaskAttempts: o.maxTaskAttempts,
    taskTimeoutMs: o.taskTimeoutMs,
    upload: o.upload,
    resubmitUnknown: o.resubmitUnknown,
  });
  const backend = claimLayer ? claimLayer.wrap(qubico) : qubico;
  return {
    backend,
    name,
    service: serviceIdentity(client.baseUrl),
    model: MMAUDIO_MODEL,
    client,
    receiver,
    close: async () => {
      await receiver?.close();
      await client.close();
      await fleet?.close();
    },
  };
};

const segmentFileName = (segment: PlannedSegment, cacheKey: string) =>
  `segment-${String(segment.index + 1).padStart(3, '0')}-${cacheKey.slice(0, 12)}.wav`;

/** Name of a take's working files (the first take keeps the single-take name). */
const takeFileName = (index: number, take: number, ext: string) =>
  `segment-${index}${take === 0 ? '' : `-take-${take}`}.${ext}`;

/**
 * The whole generation: bundle once, render every frame once (chunk by chunk), and while chunk k+1
 * renders, build segment k's proxy, look it up in the cache, and generate it if needed; then publish the
 * manifest and wavs. Leaves the session and the chunks alive for `renderWithAudio`; call `dispose()`.
 */
export const runGeneration = async (
  o: NormalizedGenerateOptions,
  settings: GenerationSettings = {},
): Promise<GenerationRun> => {
  const {logger} = o;
  const t0 = Date.now();
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(o.signal?.reason);
  if (o.signal?.aborted) controller.abort(o.signal.reason);
  o.signal?.addEventListener('abort', onOuterAbort, {once: true});
  const signal = controller.signal;

  const backendName = chooseBackendName(o);
  if (
    backendName === 'qubico' &&
    !(o.apiKey ?? process.env.QUBICO_API_KEY) &&
    typeof o.backend === 'string'
  ) {
    throw new UsageError(
      '--backend qubico needs an API key: set QUBICO_API_KEY (never pass it on the command line), or use --backend offline.',
    );
  }

  let progress: GenerateProgress = {
    stage: 'bundling',
    progress: 0,
    renderedFrames: 0,
    totalFrames: 0,
    segmentsDone: 0,
    segmentsTotal: 0,
    cachedSegments: 0,
  };
  const report = (patch: Partial<GenerateProgress>) => {
    progress = {...progress, ...patch};
    const frames = progress.totalFrames ? progress.renderedFrames / progress.totalFrames : 0;
    const segments = progress.segmentsTotal ? progress.segmentsDone / progress.segmentsTotal : 0;
    progress.progress = Math.min(1, 0.05 + 0.65 * frames + 0.3 * segments);
    o.onProgress(progress);
  };
  report({});

  const locks = await lockRun(o, signal);
  const releaseLocks = () => Promise.all(locks.map((l) => l.release().catch(() => undefined)));
  const resolvedBrowser = resolveBrowser({browserExecutable: o.browserExecutable, chromeMode: o.chromeMode});
  logger.verbose(
    `Browser: ${resolvedBrowser.browserExecutable ?? "Remotion's own"} (${resolvedBrowser.chromeMode}, from ${resolvedBrowser.source})`,
  );
  let session: RemotionSession;
  try {
    session = await openRemotionSession({
      entryPoint: o.entryPoint,
      serveUrl: o.serveUrl,
      publicDir: o.publicDir,
      compositionId: o.compositionId,
      inputProps: o.inputProps,
      resolvedBrowser,
      logger,
      signal,
      ...settings.session,
    });
  } catch (err) {
    await releaseLocks();
    throw err;
  }
  const bundleMs = Date.now() - t0;
  let workDir: string | null = null;
  let setup: BackendSetup | null = null;
  let disposeSharedCache = () => {};
  const dispose = async () => {
    disposeSharedCache();
    o.signal?.removeEventListener('abort', onOuterAbort);
    await setup?.close().catch(() => undefined);
    await session.close().catch(() => undefined);
    if (workDir) await rm(workDir, {recursive: true, force: true});
    await releaseLocks();
  };
  try {
    const {composition} = session;
    const range = resolveFrameRange(settings.frameRange ?? null, composition.durationInFrames);
    const {params, plan, segmentParams} = planForComposition(o, composition, session.inputProps, range);
    for (const warning of plan.warnings) logger.warn(warning);
    validateSegmentPrompts(plan.segments, segmentParams, {
      requirePrompt: backendName === 'qubico',
      compositionId: o.compositionId,
    });
    checkTakeSeeds(params.seed, o.takes);
    // Every take of a segment is generated and billed: the worst case is the plan times the takes.
    const takes = o.takes;
    const worstCaseUsd = Math.round(plan.costUsd * takes * 100) / 100;
    setup = await setUpBackend(o, backendName);
    const {backend, client} = setup;
    const journal = createSubmitJournal(path.join(o.cacheDir, 'journal'));
    // Bad news before work: a segment whose earlier submit has an unknown outcome stops the run now,
    // before the frame pass, unless the user asked to submit it again. (The check by cache key, once
    // the picture is known, is the backend's.)
    let acknowledgedUnknown: UnknownSubmit[] = [];
    if (client) {
      const unknown = await findUnknownSubmits(journal, {
        baseUrl: client.baseUrl,
        compositionId: o.compositionId,
        segments: plan.segments,
      });
      if (unknown.length > 0 && !o.resubmitUnknown) throw new UnknownSubmitError(unknown);
      if (unknown.length > 0) {
        logger.warn(
          `Submitting again, as asked (--resubmit-unknown), ${unknown.length} segment(s) whose earlier submit has an unknown outcome: ${unknown.map((u) => u.segmentIndex + 1).join(', ')}.`,
        );
      }
      acknowledgedUnknown = unknown;
    }
    const localCache = createAudioCache(o.cacheDir, {
      onCorrupt: (key, why) =>
        logger.warn(`Cache entry ${key.slice(0, 12)} is corrupt (${why}); generating it again.`),
    });
    const sharedCache = o.cacheUrl
      ? await (await import('../state/s3-audio-cache.ts')).createS3AudioCache(localCache, {
          url: o.cacheUrl,
          endpoint: o.cacheEndpoint ?? undefined,
        })
      : null;
    if (sharedCache) disposeSharedCache = sharedCache.close;
    const cache: AudioCache = sharedCache ?? localCache;
    workDir = await mkdtemp(path.join(os.tmpdir(), 'remotion-mmaudio-'));
    const dirs = {
      chunks: path.join(workDir, 'chunks'),
      proxies: path.join(workDir, 'proxies'),
      results: path.join(workDir, 'results'),
      normalized: path.join(workDir, 'normalized'),
    };
    await Promise.all(Object.values(dirs).map((d) => mkdir(d, {recursive: true})));
    await cleanStaleTempFiles(o.publicDir, o.compositionId);
    report({
      stage: 'rendering',
      totalFrames: plan.durationInFrames,
      segmentsTotal: plan.segments.length,
    });

    // Spending guard. When even the worst case (nothing cached) fits the budget and the daily quota,
    // segments are generated while the frame pass goes on. Otherwise submits wait until every segment's
    // cache key is known, and the exact need is checked before the first request.
    const paid = backendName === 'qubico';
    let deferSubmits = false;
    if (paid && o.maxCost !== null && worstCaseUsd > o.maxCost) deferSubmits = true;
    if (paid && client?.quota) {
      const remaining = await client.quota.remaining();
      if (remaining < plan.segments.length * takes * MIN_REQUESTS_PER_SEGMENT) deferSubmits = true;
    }
    if (deferSubmits) {
      logger.verbose(
        'The worst case exceeds --max-cost or the daily quota: submits wait for the cache check of every segment.',
      );
    }
    let openGate!: () => void;
    let closeGate!: (err: unknown) => void;
    const gate = new Promise<void>((resolve, reject) => {
      openGate = resolve;
      closeGate = reject;
    });
    gate.catch(() => undefined);
    if (!deferSubmits) openGate();
    let decided = 0;
    let misses = 0;
    let missSeconds = 0;
    let onDecided: () => void = () => undefined;
    const allDecided = new Promise<void>((resolve) => {
      onDecided = () => {
        decided++;
        if (decided === plan.segments.length * takes) resolve();
      };
    });

    const journalDir = path.join(o.cacheDir, 'journal');
    const proxyQueue = createSerialQueue();
    // The offline backend is CPU-bound: one at a time beside the render. The API client has its own
    // slots (5 tasks in flight) and request budget.
    const generateQueue = paid ? null : createSerialQueue();
    const chunks: RenderedChunk[] = [];
    let cachedSegments = 0;
    let segmentsDone = 0;

    type TakeResult = {entry: CacheEntry; outcome: SegmentOutcome};
    const processSegment = async (segment: PlannedSegment): Promise<TakeResult[]> => {
      // Each take is decided (cache hit or miss) once; a failure before that decides what is left.
      let undecided = takes;
      const decideOne = () => {
        if (undecided > 0) {
          undecided--;
          onDecided();
        }
      };
      try {
        const proxyPath = path.join(dirs.proxies, `segment-${segment.index}.mp4`);
        const proxy = await proxyQueue.run(() =>
          makeSegmentProxy({
            chunks,
            startFrame: segment.startFrame,
            endFrame: segment.endFrame,
            fps: composition.fps,
            width: composition.width,
            height: composition.height,
            outputPath: proxyPath,
            signal,
          }),
        );
        logger.verbose(
          `Segment ${segment.index + 1}: proxy ${(proxy.bytes / 1024).toFixed(0)} kB, picture ${proxy.pictureHash.slice(0, 12)}`,
        );
        const p = segmentParams[segment.index];
        const keyBase = {
          service: setup!.service,
          model: setup!.model,
          prompt: p.prompt ?? '',
          negativePrompt: p.negativePrompt,
          steps: p.steps,
          pictureHash: proxy.pictureHash,
          durationInFrames: segment.durationInFrames,
          fps: composition.fps,
        };
        const seeds = await takeSeeds({
          seed: params.seed,
          takes,
          autoSeedKey: computeAutoSeedKey(keyBase),
          // A seed an older version chose (its key did not name the service) is kept: the same picture
          // and prompt keep their sound, and an unfinished task of that version can be found below.
          legacyAutoSeedKey: legacyAutoSeedKey(keyBase),
          cache,
        });
        const label = (take: number) =>
          `Segment ${segment.index + 1}${takes > 1 ? ` take ${take + 1} (seed ${seeds[take]})` : ''}`;
        const processTake = async (take: number, seed: number): Promise<TakeResult> => {
          const cacheKey = computeCacheKey({...keyBase, seed});
          const legacyKey = legacyCacheKey({...keyBase, seed});
          if (client && (await adoptLegacyJournalEntry(journalDir, legacyKey, cacheKey, client.baseUrl))) {
            logger.verbose(
              `${label(take)}: a submit recorded by an older version is resumed under the new cache key.`,
            );
          }
          const hit = await cache.get(cacheKey);
          if (hit) {
            decideOne();
            cachedSegments++;
            logger.verbose(`${label(take)}: cache hit (${cacheKey.slice(0, 12)}), no request.`);
            return {
              entry: hit,
              outcome: {
                index: segment.index,
                take,
                cached: true,
                submits: 0,
                billedSeconds: 0,
                taskId: hit.taskId,
                cacheKey,
                seed,
                wavPath: '',
                proxyBytes: proxy.bytes,
              },
            };
          }
          misses++;
          missSeconds += segment.durationInSeconds;
          decideOne();
          await gate;
          signal.throwIfAborted();
          const request = {
            segmentIndex: segment.index,
            proxyPath,
            durationInSeconds: segment.durationInSeconds,
            prompt: p.prompt ?? '',
            negativePrompt: p.negativePrompt,
            steps: p.steps,
            seed,
            outputPath: path.join(dirs.results, takeFileName(segment.index, take, 'wav')),
            cacheKey,
            compositionId: o.compositionId,
            startFrame: segment.startFrame,
            endFrame: segment.endFrame,
          };
          const generated = generateQueue
            ? await generateQueue.run(() => backend.generate(request, {signal, logger}))
            : await backend.generate(request, {signal, logger});
          const normalizedPath = path.join(dirs.normalized, takeFileName(segment.index, take, 'wav'));
          const normalized = await normalizeSegmentAudio({
            input: generated.wavPath,
            output: normalizedPath,
            durationInSeconds: segment.durationInSeconds,
            signal,
          });
          for (const change of normalized.adjustments) logger.verbose(`${label(take)}: ${change}.`);
          const entry = await cache.put(cacheKey, normalizedPath, {
            sampleRate: normalized.sampleRate,
            channels: normalized.channels,
            durationInSeconds: segment.durationInSeconds,
            taskId: generated.taskId,
            backend: backend.name,
            billedSeconds: generated.billedSeconds,
            createdAt: new Date().toISOString(),
          });
          // The audio is safe in the cache: the task no longer needs resuming.
          await journal.remove(cacheKey);
          return {
            entry,
            outcome: {
              index: segment.index,
              take,
              cached: false,
              submits: generated.submits,
              billedSeconds: generated.billedSeconds,
              taskId: generated.taskId,
              cacheKey,
              seed,
              wavPath: '',
              proxyBytes: proxy.bytes,
            },
          };
        };
        // Every take runs to its end even when another fails: paid audio is cached, never dropped.
        const settledTakes = await Promise.allSettled(seeds.map((seed, take) => processTake(take, seed)));
        const failed = settledTakes.find((t): t is PromiseRejectedResult => t.status === 'rejected');
        if (failed) throw failed.reason;
        return settledTakes.map((t) => (t as PromiseFulfilledResult<TakeResult>).value);
      } finally {
        while (undecided > 0) decideOne();
        segmentsDone++;
        report({segmentsDone, cachedSegments});
      }
    };

    const jobs: Promise<TakeResult[]>[] = [];
    let nextSegment = 0;
    const tFrames = Date.now();
    let framePassError: unknown = null;
    let renderedFrames = 0;
    let artifacts: FramePassArtifact[] = [];
    let mixedMediaSources: string[] = [];
    try {
      ({renderedFrames, artifacts, mixedMediaSources} = await runFramePass({
        session,
        chunks: renderChunksFor(plan.segments),
        directory: dirs.chunks,
        concurrency: o.concurrency,
        ...(settings.encoding ? {encoding: settings.encoding} : {}),
        signal,
        onChunk: (chunk) => {
          chunks.push(chunk);
          // Chunks come in order: every segment whose last frame is now rendered can be built.
          while (
            nextSegment < plan.segments.length &&
            plan.segments[nextSegment].endFrame <= chunk.endFrame
          ) {
            const job = processSegment(plan.segments[nextSegment++]);
            job.catch(() => undefined);
            jobs.push(job);
          }
        },
        onProgress: (p) => report({renderedFrames: p.renderedFrames}),
      }));
    } catch (err) {
      framePassError = err;
    }
    const framePassMs = Date.now() - tFrames;
    const tWait = Date.now();
    if (framePassError) {
      // Stop generation; submitted tasks stay in the journal for the next run.
      controller.abort(framePassError);
      closeGate(framePassError);
      await Promise.allSettled(jobs);
      throw framePassError;
    }
    report({stage: 'generating'});
    if (deferSubmits) {
      await allDecided;
      const needUsd = Math.round(missSeconds * PRICE_PER_SECOND_USD * 100) / 100;
      try {
        if (o.maxCost !== null && needUsd > o.maxCost) throw new CostLimitError(needUsd, o.maxCost);
        if (misses > 0) await client?.quota?.ensureAvailable(misses * MIN_REQUESTS_PER_SEGMENT);
        openGate();
      } catch (err) {
        closeGate(err);
      }
    }
    const settled = await Promise.allSettled(jobs);
    const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failures.length > 0) {
      const gateError = await gate.then(
        () => null,
        (e: unknown) => e,
      );
      if (gateError) throw gateError;
      if (signal.aborted) throw signal.reason;
      // Unknown submits are the failure the user must act on (money): one line naming them all, last.
      const unknown = failures
        .map((f) => f.reason)
        .filter((r): r is UnknownSubmitError => r instanceof UnknownSubmitError);
      const others = failures.map((f) => f.reason).filter((r) => !(r instanceof UnknownSubmitError));
      if (unknown.length > 0) {
        for (const r of others) logger.error(r instanceof Error ? r.message : String(r));
        throw UnknownSubmitError.merge(unknown);
      }
      for (const f of failures.slice(1))
        logger.error(f.reason instanceof Error ? f.reason.message : String(f.reason));
      throw failures[0].reason;
    }
    const waitAfterFramesMs = Date.now() - tWait;

    report({stage: 'publishing'});
    const tPublish = Date.now();
    const done = settled.map((s) => (s as PromiseFulfilledResult<TakeResult[]>).value);
    const files = new Map<string, string>();
    const folder = manifestFolder(o.compositionId);
    const publishedDir = path.join(workDir, 'published');
    await mkdir(publishedDir, {recursive: true});
    const segments: Manifest['segments'] = [];
    for (const segmentTakes of done) {
      const segment = plan.segments[segmentTakes[0].outcome.index];
      const published: ManifestTake[] = [];
      for (const {entry, outcome} of segmentTakes) {
        // The published wav carries its crossfade (see apply-crossfade.ts); its name is addressed by the
        // cached audio and the fades, so a reader never sees a file change under the same name.
        const name = segmentFileName(
          segment,
          hashJson([outcome.cacheKey, segment.fadeInFrames, segment.fadeOutFrames, composition.fps]),
        );
        const src = `${folder}/${name}`;
        const faded = path.join(publishedDir, name);
        await applyCrossfade({
          input: entry.wavPath,
          output: faded,
          fadeInSeconds: segment.fadeInFrames / composition.fps,
          fadeOutSeconds: segment.fadeOutFrames / composition.fps,
        });
        files.set(src, faded);
        outcome.wavPath = path.join(o.publicDir, src);
        published.push({
          seed: outcome.seed,
          src,
          sampleRate: entry.sampleRate,
          channels: entry.channels,
          taskId: outcome.taskId,
          cacheKey: outcome.cacheKey,
        });
      }
      // The segment's own fields are its first take: what a reader that knows nothing of takes plays.
      const [first] = published;
      const p = segmentParams[segment.index];
      segments.push({
        index: segment.index,
        startFrame: segment.startFrame,
        endFrame: segment.endFrame,
        src: first.src,
        durationInSeconds: segment.durationInSeconds,
        sampleRate: first.sampleRate,
        channels: first.channels,
        fadeInFrames: segment.fadeInFrames,
        fadeOutFrames: segment.fadeOutFrames,
        prompt: p.prompt ?? '',
        negativePrompt: p.negativePrompt,
        steps: p.steps,
        seed: first.seed,
        taskId: first.taskId,
        cacheKey: first.cacheKey,
        ...(published.length > 1 ? {takes: published} : {}),
      });
    }
    const manifest: Manifest = {
      version: MANIFEST_VERSION,
      compositionId: o.compositionId,
      fps: composition.fps,
      durationInFrames: composition.durationInFrames,
      backend: backend.name,
      createdAt: new Date().toISOString(),
      crossfade: 'in-audio',
      segments,
    };
    await publishManifest({
      publicDirs: [o.publicDir, ...(session.bundlePublicDir ? [session.bundlePublicDir] : [])],
      manifest,
      files,
    });
    const publishMs = Date.now() - tPublish;
    // Unknown submits the user chose to pay again for and that this run did not consume (the picture or
    // the prompt changed since): acknowledged, so they do not stop later runs.
    for (const u of acknowledgedUnknown) {
      const entry = await journal.get(u.cacheKey);
      if (entry && isUnknownOutcome(entry)) await journal.remove(u.cacheKey);
    }
    const allTakes = done.flat().map((d) => d.outcome);
    const outcomes = done.map((segmentTakes) => {
      const first = segmentTakes[0].outcome;
      return segmentTakes.length > 1 ? {...first, takes: segmentTakes.map((t) => t.outcome)} : first;
    });
    const billedSeconds = allTakes.reduce((sum, s) => sum + s.billedSeconds, 0);
    const cachedSeconds = allTakes
      .filter((s) => s.cached)
      .reduce((sum, s) => sum + plan.segments[s.index].durationInSeconds, 0);
    // The takes of a segment share its proxy: counted once.
    const proxyBytes = outcomes.reduce((sum, s) => sum + s.proxyBytes, 0);
    report({stage: 'done', segmentsDone: plan.segments.length});
    return {
      result: {
        manifest,
        manifestPath: path.join(o.publicDir, manifestPath(o.compositionId)),
        backend: backend.name,
        plan,
        segments: outcomes,
        takes,
        billedSeconds,
        cachedSeconds,
        costUsd: Math.round(billedSeconds * PRICE_PER_SECOND_USD * 100) / 100,
        renderedFrames,
        proxyBytesPerSecond: plan.billedSeconds > 0 ? proxyBytes / plan.billedSeconds : 0,
        timings: {bundleMs, framePassMs, waitAfterFramesMs, publishMs, totalMs: Date.now() - t0},
      },
      session,
      chunks,
      artifacts,
      mixedMediaSources,
      workDir,
      dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
};

/**
 * Generates picture-synchronised audio for a composition and writes
 * `<publicDir>/mmaudio/<composition-id>/manifest.json` plus one wav per segment. A plain
 * `npx remotion render` (or Studio) then plays them through `<GeneratedAudio />`.
 */
export const generateAudio = async (
  options: GenerateAudioOptions &
    RemotionRenderSettings & {webpackOverride?: import('@remotion/bundler').WebpackOverrideFn | null},
): Promise<GenerateAudioResult> => {
  // Remotion's render settings (as renderWithAudio takes them): the same chunks as `render` encodes, so
  // a later `render` with the same settings finds these segments in the cache.
  const run = await runGeneration(
    normalizeGenerateOptions(options),
    generationSettingsFor(normalizeRenderSettings(options), options.webpackOverride ?? null),
  );
  await run.dispose();
  return run.result;
};
