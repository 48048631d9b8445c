import {createHash, createHmac, generateKeyPairSync, type KeyObject, randomBytes, sign} from 'node:crypto';

/** How far back a `stale` knob dates a signed call: twice the verifiers' ±300 s window. */
export const STALE_SECONDS = 600;

const unixNow = (stale: boolean) => String(Math.floor(Date.now() / 1000) - (stale ? STALE_SECONDS : 0));

/**
 * fal's webhook signing, the simulator's side: its own Ed25519 key (published in its JWKS), and a second
 * key the JWKS does not hold for the `wrongSecret` knob. The signature is hex Ed25519 over
 * `${request_id}\n${user_id}\n${timestamp}\n${hex sha256(raw body)}`.
 */
export const createFalSigner = () => {
  const key = generateKeyPairSync('ed25519');
  const stranger = generateKeyPairSync('ed25519');
  const jwk = key.publicKey.export({format: 'jwk'}) as {x: string};
  const kid = createHash('sha256').update(jwk.x).digest('hex').slice(0, 16);
  const signWith = (privateKey: KeyObject, message: string) =>
    sign(null, Buffer.from(message, 'utf8'), privateKey).toString('hex');
  return {
    jwks: {keys: [{kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid, use: 'sig', alg: 'EdDSA'}]},
    headers: (
      call: {requestId: string; userId: string; body: string},
      knobs: {wrongSecret: boolean; stale: boolean},
    ): Record<string, string> => {
      const timestamp = unixNow(knobs.stale);
      const bodyHash = createHash('sha256').update(call.body, 'utf8').digest('hex');
      const message = `${call.requestId}\n${call.userId}\n${timestamp}\n${bodyHash}`;
      return {
        'x-fal-webhook-request-id': call.requestId,
        'x-fal-webhook-user-id': call.userId,
        'x-fal-webhook-timestamp': timestamp,
        'x-fal-webhook-signature': signWith(
          knobs.wrongSecret ? stranger.privateKey : key.privateKey,
          message,
        ),
      };
    },
  };
};

/** A fresh Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * Replicate's webhook signing (Standard Webhooks): `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `${webhook-id}.${webhook-timestamp}.${raw body}`, keyed with the base64 after `whsec_`. `wrongSecret`
 * signs with another secret; `stale` dates the call 10 minutes back.
 */
export const standardWebhookHeaders = (
  secret: string,
  body: string,
  knobs: {wrongSecret: boolean; stale: boolean},
): Record<string, string> => {
  const id = `msg_${randomBytes(12).toString('hex')}`;
  const timestamp = unixNow(knobs.stale);
  const keySecret = knobs.wrongSecret ? newWebhookSecret() : secret;
  const key = Buffer.from(keySecret.slice('whsec_'.length), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
  return {'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${mac}`};
};
