import {z} from 'zod';
import {MAX_NEGATIVE_PROMPT_LENGTH, MAX_PROMPT_LENGTH, MAX_STEPS, MIN_STEPS} from './limits.ts';
import {propsManifestSchema} from './props-manifest.ts';

/**
 * Props a composition can carry under the key `mmaudio`, so the prompt, negative prompt, steps, seed and
 * per-scene prompts are editable in Remotion Studio's props panel. CLI flags win over these.
 *
 * ```tsx
 * const schema = z.object({title: z.string(), mmaudio: mmaudioPropsSchema});
 * ```
 */
export {
  DEFAULT_STEPS,
  MAX_NEGATIVE_PROMPT_LENGTH,
  MAX_PROMPT_LENGTH,
  MAX_STEPS,
  MIN_STEPS,
} from './limits.ts';

export const mmaudioSceneSchema = z.object({
  /** First frame of the scene; the scene lasts until the next scene's `from`. */
  from: z.number().int().nonnegative(),
  prompt: z.string().min(1).max(MAX_PROMPT_LENGTH),
  negativePrompt: z.string().max(MAX_NEGATIVE_PROMPT_LENGTH).optional(),
});

/** `{"0": 1234, "2": 99}`: segment index → seed of the take to play. */
export const mmaudioTakesSchema = z.record(
  z.string().regex(/^(0|[1-9][0-9]*)$/, 'a segment index (0, 1, 2, …)'),
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
);

export const mmaudioPropsSchema = z.object({
  prompt: z.string().max(MAX_PROMPT_LENGTH).optional(),
  negativePrompt: z.string().max(MAX_NEGATIVE_PROMPT_LENGTH).optional(),
  steps: z.number().int().min(MIN_STEPS).max(MAX_STEPS).optional(),
  seed: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  scenes: z.array(mmaudioSceneSchema).optional(),
  /**
   * The take to play per segment, when `generate --takes N` made several: segment index (0-based, the
   * manifest's `index`; the timeline's "MMAudio 1" is index 0) → the seed of the take. Segments left out
   * play their first take. Changing it never generates anything.
   */
  takes: mmaudioTakesSchema.optional(),
  /**
   * The generated audio to play, given in the props instead of read from `public/mmaudio/<id>/`: for a
   * render that cannot see the public folder `generate` wrote into (Remotion Lambda, a deployed site).
   * Every `src` is an http(s) URL or a path in the public folder. `generate --publish-url s3://…` uploads
   * the wavs and prints the props to pass.
   */
  manifest: propsManifestSchema.optional(),
});

export type MmaudioProps = z.infer<typeof mmaudioPropsSchema>;
export type MmaudioScene = z.infer<typeof mmaudioSceneSchema>;
export type MmaudioTakes = z.infer<typeof mmaudioTakesSchema>;
