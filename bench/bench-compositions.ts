/** A composition the bench measures, and how. */
export type BenchComposition = {
  /** Name for --only and in the results. */
  name: string;
  compositionId: string;
  inputProps: Record<string, unknown>;
  /** Given when the composition has no `mmaudio.prompt` of its own. */
  prompt: string | null;
  /** null: the pipeline's default (60 s). */
  maxSegmentSeconds: number | null;
  /**
   * `<GeneratedAudio />` without `required`: a plain render also works with no manifest at all, so the
   * bench adds the strictest baseline, a render without any generated layer ("bare").
   */
  bareBaselinePossible: boolean;
  /** Part of `--quick` (true) or of the full bench (false) when --only is not given. */
  quick: boolean;
};

const testTimeline = (durationInSeconds: number, width: number, height: number) => ({
  durationInSeconds,
  fps: 30,
  width,
  height,
  variant: 0,
  variantFrom: 0,
  variantTo: 0,
  ownAudio: true,
});

/**
 * `matrix-case` as a user's short clip: 24 fps, its own two short sounds played with `<Html5Audio>`
 * (so Remotion mixes them per render range), `<GeneratedAudio />` optional.
 */
const matrixClip = (seconds: number, width: number, height: number) => ({
  fps: 24,
  durationInFrames: seconds * 24,
  width,
  height,
  ownAudio: [
    {kind: 'short', player: 'html5', from: Math.min(185, seconds * 12), durationInFrames: 24},
    ...(seconds > 33 ? [{kind: 'short', player: 'html5', from: 790, durationInFrames: 24}] : []),
  ],
  generated: {sequenceFrom: null, volume: 1, muted: false, required: false},
  cuts: [],
});

export const benchCompositions: BenchComposition[] = [
  {
    // 120 s, 30 fps, 1280×720, its own music loop; prompts per scene in its props; 3 segments.
    name: 'demo',
    compositionId: 'mmaudio-demo',
    inputProps: {},
    prompt: null,
    maxSegmentSeconds: null,
    bareBaselinePossible: true,
    quick: false,
  },
  {
    // 180 s at 30 fps, 1280×720, beeps as its own audio; `<GeneratedAudio required />`.
    name: 'long',
    compositionId: 'test-timeline',
    inputProps: testTimeline(180, 1280, 720),
    prompt: 'soft footsteps in a quiet room, a light tap on every movement',
    maxSegmentSeconds: null,
    bareBaselinePossible: false,
    quick: false,
  },
  {
    // The smoke version: 24 s cut into three 8 s segments so pipelining still shows.
    name: 'short',
    compositionId: 'test-timeline',
    inputProps: testTimeline(24, 640, 360),
    prompt: 'soft footsteps in a quiet room, a light tap on every movement',
    maxSegmentSeconds: 10,
    bareBaselinePossible: false,
    quick: true,
  },
  // Short videos, where the pipeline's fixed costs show (a social clip, a personalised video).
  {
    // 15 s at 24 fps, 320×180, one short sound of its own: one segment.
    name: 'short15',
    compositionId: 'matrix-case',
    inputProps: matrixClip(15, 320, 180),
    prompt: 'soft footsteps in a quiet room, a light tap on every movement',
    maxSegmentSeconds: null,
    bareBaselinePossible: true,
    quick: false,
  },
  {
    // The report that opened the short-video work: 50 s at 24 fps, 320×180, two sounds of its own,
    // three segments of ≤20 s.
    name: 'short50',
    compositionId: 'matrix-case',
    inputProps: matrixClip(50, 320, 180),
    prompt: 'soft footsteps in a quiet room, a light tap on every movement',
    maxSegmentSeconds: 20,
    bareBaselinePossible: true,
    quick: false,
  },
  {
    // 15 s at 1920×1080: a short clip where the frames, not the fixed costs, weigh most.
    name: 'hd15',
    compositionId: 'matrix-case',
    inputProps: matrixClip(15, 1920, 1080),
    prompt: 'soft footsteps in a quiet room, a light tap on every movement',
    maxSegmentSeconds: null,
    bareBaselinePossible: true,
    quick: false,
  },
];
