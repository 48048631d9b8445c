import type {ProviderName} from '../contract/providers.ts';
import type {GenerationSettings} from './generation/generation-settings.ts';
import {type GenerateAudioOptions, normalizeGenerateOptions} from './options.ts';
import type {SegmentPlan} from './plan.ts';
import {openRemotionSession} from './remotion-session.ts';
import {resolveFrameRange} from './render-settings.ts';
import {resolveBrowser} from './resolve-browser.ts';
import {planForComposition, type SegmentParams} from './segment-params.ts';
import {checkTakeSeeds} from './take-seeds.ts';

export type CompositionPlan = {
  compositionId: string;
  width: number;
  height: number;
  plan: SegmentPlan;
  /** Prompt, negative prompt and steps of each segment. */
  params: SegmentParams[];
  /** The seed for every segment, or null for a random one per segment. */
  seed: number | null;
  /** Takes (seeds) generated per segment, each billed. */
  takes: number;
  /** The worst-case bill (nothing cached): the plan's cost × takes, rounded to cents. */
  costUsd: number;
  /** The service whose clip limit and price the plan uses. */
  provider: ProviderName;
};

/**
 * What `remotion-mmaudio plan` prints: loads the composition (bundle + metadata, no frame rendered) and
 * plans its segments with their prompts and the worst-case bill. Sends nothing to any API.
 */
export const planComposition = async (
  options: GenerateAudioOptions,
  /** The session and `--frames` of the render this plans (so the bill matches what `render` does). */
  settings: Pick<GenerationSettings, 'session' | 'frameRange'> = {},
): Promise<CompositionPlan> => {
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
    ...settings.session,
  });
  try {
    const {composition} = session;
    const range = resolveFrameRange(settings.frameRange ?? null, composition.durationInFrames);
    const {params, plan, segmentParams} = planForComposition(o, composition, session.inputProps, range);
    checkTakeSeeds(params.seed, o.takes);
    return {
      compositionId: o.compositionId,
      width: composition.width,
      height: composition.height,
      plan,
      params: segmentParams,
      seed: params.seed,
      takes: o.takes,
      costUsd: Math.round(plan.costUsd * o.takes * 100) / 100,
      provider: o.planProvider,
    };
  } finally {
    await session.close();
  }
};
