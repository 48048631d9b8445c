import {DEFAULT_STEPS, type MmaudioProps, mmaudioPropsSchema} from '../contract/props-schema.ts';
import {UsageError} from '../errors.ts';
import type {NormalizedGenerateOptions} from './options.ts';
import {type PlannedSegment, planSegments, type SegmentPlan} from './plan.ts';

export type SceneParams = {from: number; prompt: string; negativePrompt: string | null};

/** Prompt settings after merging CLI flags (highest) over the composition's `mmaudio` props. */
export type ResolvedAudioParams = {
  prompt: string | null;
  negativePrompt: string | null;
  steps: number;
  /** null: a random seed per segment, recorded. */
  seed: number | null;
  /** Per-scene prompts from props, sorted by `from`; empty when `--prompt` was given. */
  scenes: SceneParams[];
};

export type SegmentParams = {prompt: string | null; negativePrompt: string | null; steps: number};

/** A negative prompt without surrounding whitespace; empty means none. */
const trimmed = (text: string | undefined): string | null => text?.trim() || null;

/** Reads `props.mmaudio` (validated by mmaudioPropsSchema) and lets CLI flags win. */
export const resolveAudioParams = (
  options: Pick<NormalizedGenerateOptions, 'prompt' | 'negativePrompt' | 'steps' | 'seed' | 'compositionId'>,
  props: Record<string, unknown>,
): ResolvedAudioParams => {
  let fromProps: MmaudioProps = {};
  if (props.mmaudio !== undefined) {
    const parsed = mmaudioPropsSchema.safeParse(props.mmaudio);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(
        `The "mmaudio" prop of composition "${options.compositionId}" is invalid at mmaudio.${issue.path.join('.')}: ${issue.message}. Fix it in the props (Studio's props panel or --props).`,
      );
    }
    fromProps = parsed.data;
  }
  const scenes =
    options.prompt === null
      ? [...(fromProps.scenes ?? [])]
          .sort((a, b) => a.from - b.from)
          .map((s) => ({from: s.from, prompt: s.prompt.trim(), negativePrompt: trimmed(s.negativePrompt)}))
      : [];
  return {
    // Trimmed here, once: what is checked, hashed into the cache key and sent is the same text.
    prompt: options.prompt ?? (fromProps.prompt === undefined ? null : fromProps.prompt.trim()),
    negativePrompt: options.negativePrompt ?? trimmed(fromProps.negativePrompt),
    steps: options.steps ?? fromProps.steps ?? DEFAULT_STEPS,
    seed: options.seed ?? fromProps.seed ?? null,
    scenes,
  };
};

/** The scene covering most frames of the segment decides its prompt; frames before any scene use the global one. */
export const paramsForSegment = (segment: PlannedSegment, params: ResolvedAudioParams): SegmentParams => {
  let best: {frames: number; scene: SceneParams | null} = {frames: -1, scene: null};
  const bounds = [
    {from: 0, scene: null as SceneParams | null},
    ...params.scenes.map((scene) => ({from: scene.from, scene})),
  ];
  for (let i = 0; i < bounds.length; i++) {
    const from = Math.max(bounds[i].from, segment.startFrame);
    const to = Math.min(
      i + 1 < bounds.length ? bounds[i + 1].from : Number.POSITIVE_INFINITY,
      segment.endFrame,
    );
    const frames = to - from;
    if (frames > best.frames) best = {frames, scene: bounds[i].scene};
  }
  const scene = best.scene;
  return {
    prompt: scene?.prompt ?? params.prompt,
    negativePrompt: scene?.negativePrompt ?? params.negativePrompt,
    steps: params.steps,
  };
};

/**
 * The plan of a loaded composition and the prompt settings of each of its segments: its scene starts are
 * the preferred seams. Shared by `plan` (which prints it) and `generate` (which runs it).
 */
export const planForComposition = (
  options: Pick<
    NormalizedGenerateOptions,
    'prompt' | 'negativePrompt' | 'steps' | 'seed' | 'compositionId' | 'maxSegmentSeconds' | 'overlapSeconds'
  >,
  composition: {durationInFrames: number; fps: number},
  props: Record<string, unknown>,
  /** `--frames`: only [first, last] (inclusive) is planned and billed; default every frame. */
  range: [number, number] = [0, composition.durationInFrames - 1],
): {params: ResolvedAudioParams; plan: SegmentPlan; segmentParams: SegmentParams[]} => {
  const params = resolveAudioParams(options, props);
  const [first, last] = range;
  const planned = planSegments({
    durationInFrames: last - first + 1,
    fps: composition.fps,
    maxSegmentSeconds: options.maxSegmentSeconds,
    overlapSeconds: options.overlapSeconds,
    cutFrames: params.scenes.map((s) => s.from - first).filter((f) => f > 0 && f <= last - first),
  });
  // The plan of the range, in the composition's frames.
  const plan: SegmentPlan =
    first === 0
      ? planned
      : {
          ...planned,
          segments: planned.segments.map((s) => ({
            ...s,
            startFrame: s.startFrame + first,
            endFrame: s.endFrame + first,
            renderStartFrame: s.renderStartFrame + first,
            renderEndFrame: s.renderEndFrame + first,
          })),
        };
  return {params, plan, segmentParams: plan.segments.map((s) => paramsForSegment(s, params))};
};
