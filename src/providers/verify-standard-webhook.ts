import {createHmac, timingSafeEqual} from 'node:crypto';
import {staleTimestamp, type WebhookCall, type WebhookVerdict} from './webhook-verdict.ts';

/** The HMAC key of a `whsec_…` secret: the base64 after the prefix. */
export const standardWebhookKey = (secret: string): Buffer => {
  const raw = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const key = Buffer.from(raw, 'base64');
  if (key.length === 0) throw new TypeError('The webhook signing secret is empty (expected whsec_<base64>)');
  return key;
};

/** The `v1,<base64>` signature of a call, as a sender computes it. */
export const signStandardWebhook = (
  secret: string,
  id: string,
  timestamp: string,
  rawBody: Uint8Array,
): string =>
  `v1,${createHmac('sha256', standardWebhookKey(secret))
    .update(`${id}.${timestamp}.`)
    .update(rawBody)
    .digest('base64')}`;

/**
 * Replicate (Standard Webhooks): `webhook-signature` holds space-separated `v1,<base64>` HMAC-SHA256
 * signatures over `${webhook-id}.${webhook-timestamp}.${raw body}`; one must match (constant time), and the
 * timestamp be within ±300 s.
 */
export const verifyStandardWebhook = (call: WebhookCall, secret: string): WebhookVerdict => {
  const id = call.headers['webhook-id'];
  const timestamp = call.headers['webhook-timestamp'];
  const header = call.headers['webhook-signature'];
  if (!id || !timestamp || !header) return {ok: false, reason: 'missing webhook-id/-timestamp/-signature'};
  const stale = staleTimestamp(timestamp, call.nowMs);
  if (stale) return {ok: false, reason: stale};
  const expected = Buffer.from(signStandardWebhook(secret, id, timestamp, call.rawBody).slice(3), 'base64');
  for (const part of header.split(' ')) {
    const [version, value] = part.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return {ok: true};
  }
  return {ok: false, reason: 'no v1 signature matches'};
};
