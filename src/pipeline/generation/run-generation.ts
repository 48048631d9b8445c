import {rm} from 'node:fs/promises';
import path from 'node:path';
import {manifestPath} from '../../contract/manifest.ts';
import {providerNames} from '../../contract/providers.ts';
import {usdPerVideoSecond} from '../../providers/usd-per-video-second.ts';
import {withFleetSeeds} from '../../state/fleet-seeds.ts';
import {createSubmitJournal} from '../../state/journal.ts';
import {lockRun} from '../lock-run.ts';
import type {NormalizedGenerateOptions} from '../options.ts';
import {createPictureHashMemo} from '../picture-hash-memo.ts';
import {cleanStaleTempFiles, publishManifest} from '../publish.ts';
import {openRemotionSession, type RemotionSession} from '../remotion-session.ts';
import {resolveFrameRange} from '../render-settings.ts';
import {resolveBrowser} from '../resolve-browser.ts';
import {planForComposition} from '../segment-params.ts';
import {createSerialQueue} from '../serial-queue.ts';
import {checkTakeSeeds} from '../take-seeds.ts';
import {validateSegmentPrompts} from '../validate-segment-prompts.ts';
import {buildManifest} from './build-manifest.ts';
import {checkUnknownSubmits} from './check-unknown-submits.ts';
import {chooseBackendName} from './choose-backend-name.ts';
import {createProgressReporter} from './create-progress-reporter.ts';
import {createWorkDirs, type WorkDirs} from './create-work-dirs.ts';
import {createSegmentGenerator} from './generate-segment.ts';
import {generateSegmentsDuringFramePass} from './generate-segments-during-frame-pass.ts';
import type {GenerationRun} from './generation-run.ts';
import type {GenerationSettings} from './generation-settings.ts';
import {openAudioCache} from './open-audio-cache.ts';
import {releaseAcknowledgedSubmits} from './release-acknowledged-submits.ts';
import {type BackendSetup, setUpBackend} from './set-up-backend.ts';
import {createSpendingGate} from './spending-gate.ts';
import {summarizeOutcomes} from './summarize-outcomes.ts';

/** A backend that bills: a hosted service (a custom backend counts by the name it gives). */
const isHosted = (name: string): boolean => (providerNames as readonly string[]).includes(name);

/**
 * The whole generation: bundle once, render every frame once (chunk by chunk), and while chunk k+1
 * renders, build segment k's proxy, look it up in the cache, and generate it if needed; then publish the
 * manifest and wavs. Leaves the session and the chunks alive for `renderWithAudio`; call `dispose()`.
 *
 * Its stages: backend set-up (set-up-backend.ts), per-segment work (generate-segment.ts, run while the
 * frame pass goes on by generate-segments-during-frame-pass.ts), the spending gate (spending-gate.ts)
 * and manifest assembly (build-manifest.ts), then publishing.
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
  const report = createProgressReporter(o.onProgress);
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
  let dirs: WorkDirs | null = null;
  let setup: BackendSetup | null = null;
  let disposeSharedCache = () => {};
  const dispose = async () => {
    disposeSharedCache();
    o.signal?.removeEventListener('abort', onOuterAbort);
    await setup?.close().catch(() => undefined);
    await session.close().catch(() => undefined);
    if (dirs) await rm(dirs.root, {recursive: true, force: true});
    await releaseLocks();
  };
  try {
    // Plan, and refuse bad input, before anything is sent.
    const {composition} = session;
    const range = resolveFrameRange(settings.frameRange ?? null, composition.durationInFrames);
    const {params, plan, segmentParams} = planForComposition(o, composition, session.inputProps, range);
    for (const warning of plan.warnings) logger.warn(warning);
    validateSegmentPrompts(plan.segments, segmentParams, {
      requirePrompt: isHosted(backendName),
      compositionId: o.compositionId,
    });
    checkTakeSeeds(params.seed, o.takes);
    // Every take of a segment is generated and billed: the worst case is the plan times the takes.
    const takes = o.takes;
    const usdPerSecond = usdPerVideoSecond(backendName, o.maxCost);
    const worstCaseUsd = Math.round(plan.billedSeconds * usdPerSecond * takes * 100) / 100;

    // Backend set-up.
    setup = await setUpBackend(o, backendName);
    const {backend, client} = setup;
    const journalDir = path.join(o.cacheDir, 'journal');
    const journal = createSubmitJournal(journalDir);
    const acknowledgedUnknown = await checkUnknownSubmits({
      client,
      journal,
      compositionId: o.compositionId,
      segments: plan.segments,
      resubmitUnknown: o.resubmitUnknown,
      logger,
    });
    const audioCache = await openAudioCache(o);
    disposeSharedCache = audioCache.close;
    dirs = await createWorkDirs();
    await cleanStaleTempFiles(o.publicDir, o.compositionId);
    report({stage: 'rendering', totalFrames: plan.durationInFrames, segmentsTotal: plan.segments.length});

    // Spending gate, then the per-segment work while the frame pass goes on.
    const paid = isHosted(backendName);
    const gate = await createSpendingGate({
      paid,
      maxCost: o.maxCost,
      worstCaseUsd,
      usdPerSecond,
      takesTotal: plan.segments.length * takes,
      quota: client?.quota ?? null,
      logger,
    });
    const chunks: GenerationRun['chunks'] = [];
    const generateSegment = createSegmentGenerator({
      compositionId: o.compositionId,
      setup,
      // A fleet agrees on auto-seeds through Redis, so machines meeting a new segment want the same audio.
      cache: setup.seedAgreement ? withFleetSeeds(audioCache.cache, setup.seedAgreement) : audioCache.cache,
      journal,
      journalDir,
      dirs,
      gate,
      // The offline backend is CPU-bound: one at a time beside the render. The API client has its own
      // slots (5 tasks in flight) and request budget.
      generateQueue: paid ? null : createSerialQueue(),
      signal,
      logger,
      composition,
      segmentParams,
      seed: params.seed,
      takes,
      chunks,
      proxyQueue: createSerialQueue(),
      pictureMemo: createPictureHashMemo(path.join(o.cacheDir, 'pictures')),
      report,
    });
    const frames = await generateSegmentsDuringFramePass({
      session,
      segments: plan.segments,
      generateSegment,
      chunks,
      chunksDir: dirs.chunks,
      concurrency: o.concurrency,
      encoding: settings.encoding,
      ...(settings.framePass ? {framePass: settings.framePass} : {}),
      gate,
      controller,
      report,
      logger,
      onFramesRendered: settings.onFramesRendered,
    });

    // Manifest assembly and publishing.
    report({stage: 'publishing'});
    const tPublish = Date.now();
    const {manifest, files} = await buildManifest({
      done: frames.done,
      segments: plan.segments,
      segmentParams,
      compositionId: o.compositionId,
      composition,
      backend: backend.name,
      publicDir: o.publicDir,
      workDir: dirs.root,
    });
    await publishManifest({
      publicDirs: [o.publicDir, ...(session.bundlePublicDir ? [session.bundlePublicDir] : [])],
      manifest,
      files,
    });
    const publishMs = Date.now() - tPublish;
    await releaseAcknowledgedSubmits(journal, acknowledgedUnknown);
    const summary = summarizeOutcomes(frames.done, plan, usdPerSecond);
    report({stage: 'done', segmentsDone: plan.segments.length});
    return {
      result: {
        manifest,
        manifestPath: path.join(o.publicDir, manifestPath(o.compositionId)),
        backend: backend.name,
        plan,
        segments: summary.segments,
        takes,
        billedSeconds: summary.billedSeconds,
        cachedSeconds: summary.cachedSeconds,
        costUsd: summary.costUsd,
        renderedFrames: frames.renderedFrames,
        proxyBytesPerSecond: summary.proxyBytesPerSecond,
        timings: {
          bundleMs,
          framePassMs: frames.framePassMs,
          waitAfterFramesMs: frames.waitAfterFramesMs,
          publishMs,
          totalMs: Date.now() - t0,
        },
      },
      session,
      chunks,
      artifacts: frames.artifacts,
      mixedMediaSources: frames.mixedMediaSources,
      ownAudio: frames.ownAudio,
      workDir: dirs.root,
      dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
};
