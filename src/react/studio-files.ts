import {z} from 'zod';

/**
 * The files through which `<GeneratedAudio />` in Studio and the worker of `remotion-mmaudio studio` talk,
 * relative to the public dir (Studio's `writeStaticFile` writes there, `watchStaticFile` watches there).
 * A folder of their own, so no composition's generated-audio folder is touched.
 */
export const STUDIO_FOLDER = 'mmaudio-studio';
/** Present while a worker runs: `<GeneratedAudio />` drops requests only then. */
export const STUDIO_WORKER_FILE = `${STUDIO_FOLDER}/worker.json`;
export const studioRequestPath = (compositionId: string): string =>
  `${STUDIO_FOLDER}/${encodeURIComponent(compositionId)}.request.json`;
export const studioStatusPath = (compositionId: string): string =>
  `${STUDIO_FOLDER}/${encodeURIComponent(compositionId)}.status.json`;

/** Written by `<GeneratedAudio />` when the `mmaudio` props change in Studio (saved or not). */
export const studioRequestSchema = z.object({
  requestId: z.string().min(1),
  compositionId: z.string().min(1),
  /** The composition's props as Studio has them now, without `mmaudioManifest`. */
  props: z.record(z.string(), z.unknown()),
  requestedAt: z.string(),
});
export type StudioRequest = z.infer<typeof studioRequestSchema>;

/** Written by the worker as a run goes; shown by `<GeneratedAudio />` as one line, in Studio only. */
export const studioStatusSchema = z.object({
  requestId: z.string(),
  state: z.enum(['queued', 'planning', 'generating', 'done', 'failed']),
  /** One line for the user: the bill, the progress, or what went wrong. */
  message: z.string(),
  updatedAt: z.string(),
});
export type StudioStatus = z.infer<typeof studioStatusSchema>;
