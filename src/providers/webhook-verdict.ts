/** What a webhook verifier says of one call. A call that passes is a wake-up only: the GET is the truth. */
export type WebhookVerdict = {ok: true} | {ok: false; reason: string};

/** One webhook call as received: lower-case header names, the raw body bytes, the receiver's clock. */
export type WebhookCall = {
  headers: Readonly<Record<string, string | undefined>>;
  rawBody: Uint8Array;
  nowMs: number;
};

/** Calls older or newer than this are refused (a replayed call). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Checks a unix-seconds timestamp header against the window; null when it is fine. */
export const staleTimestamp = (value: string | undefined, nowMs: number): string | null => {
  if (value === undefined || !/^\d{1,12}$/.test(value)) return 'missing or malformed timestamp';
  const skew = Math.abs(nowMs / 1000 - Number(value));
  return skew > WEBHOOK_TOLERANCE_SECONDS
    ? `timestamp ${Math.round(skew)} s away from now (more than ${WEBHOOK_TOLERANCE_SECONDS} s)`
    : null;
};
