import {z} from 'zod';
import type {DescribedErrorBody} from '../../api/make-api-error.ts';

/** The app behind fal's queue: status, result and cancel URLs use `owner/alias` only. */
export const FAL_APP = 'fal-ai/mmaudio-v2';

/** fal's seed range (`seed`: 0–65535). */
export const FAL_SEED_MODULUS = 65_536;
/** fal's `duration` range, seconds. */
export const FAL_MIN_DURATION = 1;
export const FAL_MAX_DURATION = 30;

export const falSubmitSchema = z.looseObject({
  request_id: z.string().min(1),
  response_url: z.string().optional(),
  status_url: z.string().optional(),
  cancel_url: z.string().optional(),
});

export const falStatusSchema = z.looseObject({
  status: z.string().min(1),
  queue_position: z.number().nullish(),
  /** Newer queue answers say why a completed request failed. */
  error: z.unknown().optional(),
});
export type FalStatus = z.infer<typeof falStatusSchema>;

export const falResultSchema = z.looseObject({
  video: z.looseObject({
    url: z.string().min(1),
    content_type: z.string().nullish(),
    file_name: z.string().nullish(),
    file_size: z.number().nullish(),
  }),
});

/** The request's phase from fal's status word: COMPLETED is terminal (its result says whether it failed). */
export const falPhase = (status: string): 'running' | 'completed' =>
  status.toUpperCase() === 'COMPLETED' ? 'completed' : 'running';

/** fal's error bodies: `{detail: [{loc, msg, type}]}` (a 422), or `{detail: "…"}`. */
export const describeFalError = (parsed: unknown): DescribedErrorBody | null => {
  const detail = (parsed as {detail?: unknown} | null)?.detail;
  if (typeof detail === 'string') return {code: null, message: detail};
  if (Array.isArray(detail)) {
    const message = detail
      .slice(0, 5)
      .map(
        (d: {loc?: unknown; msg?: unknown}) =>
          `${Array.isArray(d?.loc) ? d.loc.join('.') : '?'}: ${typeof d?.msg === 'string' ? d.msg : JSON.stringify(d)}`,
      )
      .join('; ');
    return {code: null, message, details: detail};
  }
  return null;
};
