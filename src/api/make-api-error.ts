import {
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  PayloadTooLargeError,
  QubicoApiError,
  RateLimitError,
  type ResponseHeaders,
} from './errors.ts';
import {parseRetryAfter} from './retry.ts';
import {apiErrorBodySchema} from './schema.ts';

const parseBody = (body: string | unknown): unknown => {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
};

const identity = (text: string) => text;

/** What a host's error body says, in its own shape (see `MakeApiErrorOptions.describe`). */
export type DescribedErrorBody = {code: string | null; message: string | null; details?: unknown};

export type MakeApiErrorOptions = {
  nowMs?: number;
  redact?: (text: string) => string;
  /** The host named in messages. Default `Qubico`. */
  label?: string;
  /** The variable holding the host's key, named in a 401/403. Default `QUBICO_API_KEY`. */
  keyEnv?: string;
  /** Reads the host's own error body shape; default Qubico's `{error: {code, message, details}}`. */
  describe?: (parsed: unknown) => DescribedErrorBody | null;
  /**
   * The host's own wait hint of a 429, when it is not (only) Retry-After: ms, or null. Default: the
   * Retry-After header.
   */
  retryAfterMs?: (headers: ResponseHeaders, parsed: unknown, nowMs: number) => number | null;
  /** Statuses that are a refusal of the parameters, like 400 (e.g. fal's 422). Default none. */
  badRequestStatuses?: readonly number[];
};

const describeQubicoBody = (parsed: unknown): DescribedErrorBody | null => {
  const shaped = apiErrorBodySchema.safeParse(parsed);
  return shaped.success
    ? {code: shaped.data.error.code, message: shaped.data.error.message, details: shaped.data.error.details}
    : null;
};

/**
 * Builds the right QubicoApiError subclass for an error answer. `body` is the raw text or the parsed
 * JSON. `redact` removes secrets from anything that ends up in the message or the body. The class names
 * keep their history; the other hosts (PiAPI, fal, Replicate) pass their label, key variable and body
 * shape, and get the same classes, so the retry table and the money rules treat every host alike.
 */
export const makeApiError = (
  status: number,
  headers: ResponseHeaders,
  body: string | unknown,
  options: MakeApiErrorOptions = {},
): QubicoApiError => {
  const redact = options.redact ?? identity;
  const label = options.label ?? 'Qubico';
  const keyEnv = options.keyEnv ?? 'QUBICO_API_KEY';
  const nowMs = options.nowMs ?? Date.now();
  const parsedRaw = parseBody(body);
  // Round-trip through JSON so that a key echoed anywhere in the body is redacted there too.
  const parsed =
    typeof parsedRaw === 'string' ? redact(parsedRaw) : parseBody(redact(JSON.stringify(parsedRaw) ?? ''));
  const described = (options.describe ?? describeQubicoBody)(parsed);
  const code = described?.code ?? null;
  const details = described?.details;
  const serviceMessage =
    described?.message ?? (typeof parsed === 'string' && parsed.length > 0 ? parsed.slice(0, 200) : null);
  const said = serviceMessage ? ` The service said: ${code ? `${code}: ` : ''}${serviceMessage}` : '';
  const info = {headers, code, details, body: parsed};
  if (status === 400 || options.badRequestStatuses?.includes(status)) {
    return new BadRequestError(status, `The ${label} API refused the request (${status}).${said}`, info);
  }
  if (status === 401 || status === 403) {
    return new AuthenticationError(
      status,
      `The ${label} API refused the API key (${status}). Check ${keyEnv}: it must be the key of your ` +
        `${label} account, without quotes or spaces.${said}`,
      info,
    );
  }
  if (status === 413) {
    return new PayloadTooLargeError(
      status,
      `The ${label} API refused the proxy video as too large (413). Use a shorter --max-segment-seconds, ` +
        `or host the proxies and send URLs (the \`upload\` option) instead of inline base64.${said}`,
      info,
    );
  }
  if (status === 429) {
    const retryAfterMs = options.retryAfterMs
      ? options.retryAfterMs(headers, parsed, nowMs)
      : parseRetryAfter(headers['retry-after'], nowMs);
    return new RateLimitError(
      status,
      `The ${label} API rate limit was hit (429)` +
        (retryAfterMs === null ? '' : `; it asked to retry after ${Math.ceil(retryAfterMs / 1000)} s`) +
        `.${said}`,
      {...info, retryAfterMs},
    );
  }
  if (status >= 500) {
    return new InternalServerError(status, `The ${label} API had a server error (${status}).${said}`, info);
  }
  return new QubicoApiError(status, `The ${label} API answered ${status}.${said}`, info);
};
