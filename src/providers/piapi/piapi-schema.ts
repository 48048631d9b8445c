import {z} from 'zod';

/** PiAPI's task object (`data` of every answer); lenient about added fields. */
export const piapiTaskSchema = z.looseObject({
  task_id: z.string().min(1),
  model: z.string().optional(),
  task_type: z.string().optional(),
  status: z.string().min(1),
  output: z.looseObject({audio_url: z.string().nullish()}).nullish(),
  meta: z.unknown().optional(),
  error: z
    .looseObject({
      code: z.union([z.number(), z.string()]).nullish(),
      message: z.string().nullish(),
      raw_message: z.string().nullish(),
    })
    .nullish(),
});
export type PiapiTask = z.infer<typeof piapiTaskSchema>;

/** Every PiAPI answer: `{code, message, data}`, `code` following HTTP. */
export const piapiEnvelopeSchema = z.looseObject({
  code: z.number(),
  message: z.string().nullish(),
  data: z.unknown().optional(),
});

/** The task's phase from PiAPI's status word (case-insensitive; `staged` is not terminal). */
export const piapiPhase = (status: string): 'running' | 'completed' | 'failed' => {
  const s = status.toLowerCase();
  return s === 'completed' ? 'completed' : s === 'failed' ? 'failed' : 'running';
};

/** A PiAPI error answer, for messages: the envelope's code and message, or plain text. */
export const describePiapiError = (parsed: unknown) => {
  const envelope = piapiEnvelopeSchema.safeParse(parsed);
  if (!envelope.success) return null;
  const data = envelope.data.data as {error?: {message?: unknown; raw_message?: unknown}} | undefined;
  const detail = typeof data?.error?.message === 'string' && data.error.message ? data.error.message : null;
  const message = [envelope.data.message, detail].filter(Boolean).join(': ') || null;
  return {code: String(envelope.data.code), message, details: envelope.data.data};
};
