import {z} from 'zod';
import type {DescribedErrorBody} from '../../api/make-api-error.ts';
import {parseRetryAfter} from '../../api/retry.ts';

/**
 * The pinned version of the community model `zsxkib/mmaudio` (a community model is run by version). The
 * one several public clients pin; pass `modelVersion` to use another.
 */
export const REPLICATE_MMAUDIO_VERSION = '62871fb59889b2d7c13777f08deb3b36bdff88f7e1d53a50ad7694548a41b484';

export const replicatePredictionSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string().min(1),
  output: z.unknown().optional(),
  error: z.unknown().optional(),
  metrics: z.looseObject({predict_time: z.number().nullish()}).nullish(),
});
export type ReplicatePrediction = z.infer<typeof replicatePredictionSchema>;

/** The prediction's phase from Replicate's status word (`canceled` is a failure: there is no audio). */
export const replicatePhase = (status: string): 'running' | 'completed' | 'failed' => {
  const s = status.toLowerCase();
  if (s === 'succeeded') return 'completed';
  if (s === 'failed' || s === 'canceled') return 'failed';
  return 'running';
};

/** The result URLs of a prediction's `output`: one URL string (an array of them is read too). */
export const replicateOutputUrls = (output: unknown): string[] => {
  if (typeof output === 'string' && output !== '') return [output];
  if (Array.isArray(output)) return output.filter((o): o is string => typeof o === 'string' && o !== '');
  return [];
};

/** Replicate's error bodies: problem details `{title, detail, status}`, or `{detail}`. */
export const describeReplicateError = (parsed: unknown): DescribedErrorBody | null => {
  const body = parsed as {title?: unknown; detail?: unknown} | null;
  if (typeof body !== 'object' || body === null) return null;
  const detail = typeof body.detail === 'string' ? body.detail : null;
  const title = typeof body.title === 'string' ? body.title : null;
  if (!detail && !title) return null;
  return {code: null, message: [title, detail].filter(Boolean).join(': ')};
};

/**
 * How long a 429 asks to wait: the Retry-After header, else the seconds named in the body's `detail`
 * ("Request was throttled. Expected available in 2 seconds.", "… resets in ~30s").
 */
export const replicateRetryAfterMs = (
  headers: Record<string, string>,
  parsed: unknown,
  nowMs: number,
): number | null => {
  const fromHeader = parseRetryAfter(headers['retry-after'], nowMs);
  if (fromHeader !== null) return fromHeader;
  const detail = (parsed as {detail?: unknown} | null)?.detail;
  if (typeof detail !== 'string') return null;
  const match = /in\s+~?(\d+(?:\.\d+)?)\s*s(?:ec(?:ond)?s?)?\b/i.exec(detail);
  return match ? parseRetryAfter(match[1], nowMs) : null;
};
