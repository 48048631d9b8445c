import {createHash, createPublicKey, type KeyObject, verify} from 'node:crypto';
import {staleTimestamp, type WebhookCall, type WebhookVerdict} from './webhook-verdict.ts';

/** One key of fal's JWKS: an Ed25519 public key. */
export type Ed25519Jwk = {kty: 'OKP'; crv: 'Ed25519'; x: string; kid?: string};

/** The public keys of a JWKS document; keys of other types are skipped. */
export const ed25519KeysOf = (jwks: unknown): KeyObject[] => {
  const keys = (jwks as {keys?: unknown})?.keys;
  if (!Array.isArray(keys)) return [];
  const out: KeyObject[] = [];
  for (const key of keys) {
    const k = key as Partial<Ed25519Jwk>;
    if (k?.kty !== 'OKP' || k.crv !== 'Ed25519' || typeof k.x !== 'string') continue;
    try {
      out.push(createPublicKey({key: {kty: 'OKP', crv: 'Ed25519', x: k.x}, format: 'jwk'}));
    } catch {
      // A malformed key is one that verifies nothing.
    }
  }
  return out;
};

/** The message fal signs: request id, user id, timestamp and the hex sha256 of the raw body, one a line. */
export const falSignedMessage = (requestId: string, userId: string, timestamp: string, rawBody: Uint8Array) =>
  Buffer.from(
    `${requestId}\n${userId}\n${timestamp}\n${createHash('sha256').update(rawBody).digest('hex')}`,
    'utf8',
  );

/**
 * fal.ai: an Ed25519 signature (hex, `x-fal-webhook-signature`) over `falSignedMessage`, by one of the keys
 * of the JWKS; the timestamp within ±300 s.
 */
export const verifyFalWebhook = (call: WebhookCall, keys: readonly KeyObject[]): WebhookVerdict => {
  const h = call.headers;
  const requestId = h['x-fal-webhook-request-id'];
  const userId = h['x-fal-webhook-user-id'];
  const timestamp = h['x-fal-webhook-timestamp'];
  const signature = h['x-fal-webhook-signature'];
  if (!requestId || !userId || !timestamp || !signature)
    return {ok: false, reason: 'missing x-fal-webhook-* headers'};
  const stale = staleTimestamp(timestamp, call.nowMs);
  if (stale) return {ok: false, reason: stale};
  if (!/^[0-9a-f]{128}$/i.test(signature)) return {ok: false, reason: 'the signature is not 64 bytes of hex'};
  if (keys.length === 0) return {ok: false, reason: 'no Ed25519 key in the JWKS'};
  const message = falSignedMessage(requestId, userId, timestamp, call.rawBody);
  const sig = Buffer.from(signature, 'hex');
  return keys.some((key) => verify(null, message, key, sig))
    ? {ok: true}
    : {ok: false, reason: 'the signature matches no key of the JWKS'};
};
