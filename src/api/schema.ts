import {z} from 'zod';
import {
  DEFAULT_STEPS,
  MAX_NEGATIVE_PROMPT_LENGTH,
  MAX_PROMPT_LENGTH,
  MAX_SEED,
  MAX_STEPS,
  MIN_STEPS,
} from '../contract/limits.ts';
import {QUBICO_MAX_CLIP_SECONDS, QUBICO_USD_PER_SECOND} from '../contract/providers.ts';

/**
 * The Qubico MMAudio contract as zod schemas. Answers are parsed leniently: fields the service adds later
 * are kept (loose objects), and only what the client relies on is required (`task_id`, `status`, and a
 * result's `url`), so a harmless change at the service does not break a run.
 */

export const MMAUDIO_MODEL = 'Qubico/mmaudio';

export const PROMPT_MAX_CHARS = MAX_PROMPT_LENGTH;
export const NEGATIVE_PROMPT_MAX_CHARS = MAX_NEGATIVE_PROMPT_LENGTH;
export const STEPS_MIN = MIN_STEPS;
export const STEPS_MAX = MAX_STEPS;
export const STEPS_DEFAULT = DEFAULT_STEPS;
export const SEED_MAX = MAX_SEED;
export const VIDEO_MAX_SECONDS = QUBICO_MAX_CLIP_SECONDS;
export const USD_PER_VIDEO_SECOND = QUBICO_USD_PER_SECOND;

/** What a caller asks for; `validateInput` turns it into the request body's `input`. */
export type MmaudioInput = {
  /** An http(s) URL of an mp4, or an mp4 as base64 (raw, or a `data:video/mp4;base64,` URI). ≤60 s. */
  video: string;
  /** Required, 1–500 characters. */
  prompt: string;
  /** ≤200 characters; null, undefined or '' sends none. */
  negativePrompt?: string | null;
  /** Integer 20–50. Default 25. */
  steps?: number;
  /** Integer 0..2^53−1; sent as `seeds`. Default: none (the service picks one). */
  seed?: number;
};

export const inferenceRequestSchema = z.object({
  model: z.literal(MMAUDIO_MODEL),
  input: z.object({
    video: z.string().min(1),
    prompt: z.string().min(1),
    negative_prompt: z.string().optional(),
    steps: z.number().int().min(STEPS_MIN).max(STEPS_MAX).optional(),
    seeds: z.number().int().min(0).max(SEED_MAX).optional(),
  }),
  config: z
    .object({
      webhook_config: z.object({endpoint: z.string().min(1), secret: z.string()}),
    })
    .optional(),
});

export type InferenceRequest = z.infer<typeof inferenceRequestSchema>;

export const taskStatusSchema = z.enum(['pending', 'processing', 'completed', 'failed']);
export type QubicoTaskStatus = z.infer<typeof taskStatusSchema>;

export const taskResultSchema = z.looseObject({
  url: z.string().min(1),
  /** Seconds. May differ from the video's length. */
  duration: z.number().optional(),
  format: z.string().optional(),
  sample_rate: z.number().optional(),
  channels: z.number().optional(),
});
export type QubicoTaskResult = z.infer<typeof taskResultSchema>;

export const taskUsageSchema = z.looseObject({
  credits_used: z.number().optional(),
  processing_time: z.number().optional(),
});

export const taskSchema = z.looseObject({
  task_id: z.string().min(1),
  status: taskStatusSchema,
  model: z.string().optional(),
  created_at: z.string().optional(),
  completed_at: z.string().nullish(),
  /** Seconds, in the submit answer: when the task is expected to be done. */
  estimated_time: z.number().nullish(),
  results: z.array(taskResultSchema).nullish(),
  usage: taskUsageSchema.nullish(),
  /** The service's reason when `status` is `failed` (a string or an object). */
  error: z.unknown().optional(),
});
export type QubicoTask = z.infer<typeof taskSchema>;

export const apiErrorBodySchema = z.object({
  error: z.looseObject({
    code: z.union([z.string(), z.number()]).transform(String),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
