import {type GenerateAudioOptions, normalizeGenerateOptions} from './options.ts';
import {planSegments, type SegmentPlan} from './plan.ts';
import {openRemotionSession} from './remotion-session.ts';
import {resolveBrowser} from './resolve-browser.ts';
import {paramsForSegment, resolveAudioParams, type SegmentParams} from './segment-params.ts';

export type CompositionPlan = {
  compositionId: string;
  width: number;
  height: number;
  plan: SegmentPlan;
  /** Prompt, negative prompt and steps of each segment. */
  params: SegmentParams[];
  /** The seed for every segment, or null for a random one per segment. */
  seed: number | null;
};

/**
 * What `remotion-mmaudio plan` prints: loads the composition (bundle + metadata, no frame rendered) and
 * plans its segments with their prompts and the worst-case bill. Sends nothing to any API.
 */
export const planComposition = async (options: GenerateAudioOptions): Promise<CompositionPlan> => {
  const o = normalizeGenerateOptions(options);
  const session = await openRemotionSession({
    entryPoint: o.entryPoint,
    serveUrl: o.serveUrl,
    publicDir: o.publicDir,
    compositionId: o.compositionId,
    inputProps: o.inputProps,
    resolvedBrowser: resolveBrowser({browserExecutable: o.browserExecutable, chromeMode: o.chromeMode}),
    logger: o.logger,
    signal: o.signal ?? undefined,
  });
  try {
    const {composition} = session;
    const resolved = resolveAudioParams(o, session.inputProps);
    const plan = planSegments({
      durationInFrames: composition.durationInFrames,
      fps: composition.fps,
      maxSegmentSeconds: o.maxSegmentSeconds,
      overlapSeconds: o.overlapSeconds,
      cutFrames: resolved.scenes.map((s) => s.from),
    });
    return {
      compositionId: o.compositionId,
      width: composition.width,
      height: composition.height,
      plan,
      params: plan.segments.map((s) => paramsForSegment(s, resolved)),
      seed: resolved.seed,
    };
  } finally {
    await session.close();
  }
};
