import {z} from 'zod';

/**
 * The manifest that `generate` writes to `public/mmaudio/<composition-id>/manifest.json`, beside the
 * segment wavs. Browser-safe (zod only): `<GeneratedAudio />` validates it before placing any layer, and
 * the Node pipeline writes it through the same schema.
 */
export const MANIFEST_VERSION = 1 as const;

/**
 * One take of a segment: the audio generated with one seed (`--takes N` makes N per segment). Added in a
 * backwards-compatible way: a segment's own `src`, `seed`, `taskId`, `cacheKey`, `sampleRate` and
 * `channels` are always its first take, so a reader that knows nothing of takes plays that one.
 */
export const manifestTakeSchema = z.object({
  seed: z.number().int(),
  /** Path of the take's wav relative to the public dir. */
  src: z.string().min(1),
  sampleRate: z.number().int().positive(),
  channels: z.number().int().min(1).max(8),
  taskId: z.string(),
  cacheKey: z.string(),
});

export const manifestSegmentSchema = z
  .object({
    index: z.number().int().nonnegative(),
    startFrame: z.number().int().nonnegative(),
    /** Exclusive. */
    endFrame: z.number().int().positive(),
    /** Path of the wav relative to the public dir, e.g. `mmaudio/my-comp/segment-000-<hash>.wav`. */
    src: z.string().min(1),
    durationInSeconds: z.number().positive(),
    sampleRate: z.number().int().positive(),
    channels: z.number().int().min(1).max(8),
    fadeInFrames: z.number().int().nonnegative(),
    fadeOutFrames: z.number().int().nonnegative(),
    prompt: z.string(),
    negativePrompt: z.string().nullable(),
    steps: z.number().int(),
    seed: z.number().int(),
    taskId: z.string(),
    cacheKey: z.string(),
    /**
     * Every take of the segment, the first being the one described by the fields above; absent when only
     * one was generated. Seeds are unique within a segment. Pick one with the `mmaudio.takes` prop.
     */
    takes: z.array(manifestTakeSchema).min(1).optional(),
  })
  .refine((s) => s.endFrame > s.startFrame, {message: 'endFrame must be greater than startFrame'})
  .refine((s) => !s.takes || new Set(s.takes.map((t) => t.seed)).size === s.takes.length, {
    message: "the seeds of a segment's takes must be unique",
  });

export const manifestSchema = z.object({
  version: z.literal(MANIFEST_VERSION),
  compositionId: z.string().min(1),
  fps: z.number().positive(),
  durationInFrames: z.number().int().positive(),
  backend: z.enum(['qubico', 'offline', 'piapi', 'fal', 'replicate']),
  createdAt: z.string(),
  /**
   * Where the crossfades over overlaps live. `in-audio`: baked into the wavs sample by sample (what the
   * pipeline writes: smooth at any frame rate). `volume` (the default when absent): applied by
   * `<GeneratedAudio />` as per-frame volume ramps.
   */
  crossfade: z.enum(['in-audio', 'volume']).optional(),
  segments: z.array(manifestSegmentSchema),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestSegment = z.infer<typeof manifestSegmentSchema>;
export type ManifestTake = z.infer<typeof manifestTakeSchema>;

/** Folder of a composition's generated audio, relative to the public dir. */
export const manifestFolder = (compositionId: string): string => `mmaudio/${compositionId}`;

/** Path of a composition's manifest, relative to the public dir (pass it to `staticFile()`). */
export const manifestPath = (compositionId: string): string =>
  `${manifestFolder(compositionId)}/manifest.json`;
