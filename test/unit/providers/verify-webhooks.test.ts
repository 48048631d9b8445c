import {generateKeyPairSync, sign} from 'node:crypto';
import {describe, expect, test} from 'vitest';
import {
  ed25519KeysOf,
  falSignedMessage,
  verifyFalWebhook,
} from '../../../src/providers/verify-fal-webhook.ts';
import {verifyPlainSecret} from '../../../src/providers/verify-plain-secret.ts';
import {signStandardWebhook, verifyStandardWebhook} from '../../../src/providers/verify-standard-webhook.ts';

const body = Buffer.from(JSON.stringify({request_id: 'req-1', status: 'OK', payload: {}}));
const NOW_MS = 1_800_000_000_000;
const nowS = String(NOW_MS / 1000);

describe('plain secret (Qubico, PiAPI)', () => {
  test('the right secret passes; a wrong or missing one does not', () => {
    const call = (secret?: string) => ({headers: {'x-webhook-secret': secret}, rawBody: body, nowMs: NOW_MS});
    expect(verifyPlainSecret(call('s3cret'), 's3cret')).toEqual({ok: true});
    expect(verifyPlainSecret(call('s3creT'), 's3cret').ok).toBe(false);
    expect(verifyPlainSecret(call(undefined), 's3cret').ok).toBe(false);
  });
});

describe('fal: Ed25519 over request id, user id, timestamp and sha256(body), keys from a JWKS', () => {
  const pair = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');
  const jwks = {
    keys: [
      {...pair.publicKey.export({format: 'jwk'}), kid: 'k1'},
      {kty: 'RSA', n: 'x', e: 'AQAB'},
    ],
  };
  const keys = ed25519KeysOf(jwks);
  const signed = (timestamp: string, rawBody = body, key = pair.privateKey) => ({
    headers: {
      'x-fal-webhook-request-id': 'req-1',
      'x-fal-webhook-user-id': 'user-9',
      'x-fal-webhook-timestamp': timestamp,
      'x-fal-webhook-signature': sign(
        null,
        falSignedMessage('req-1', 'user-9', timestamp, rawBody),
        key,
      ).toString('hex'),
    },
    rawBody,
    nowMs: NOW_MS,
  });

  test('a good signature passes; the RSA key of the JWKS is skipped', () => {
    expect(keys).toHaveLength(1);
    expect(verifyFalWebhook(signed(nowS), keys)).toEqual({ok: true});
  });

  test('a tampered body, another key, a stale or future timestamp are refused', () => {
    const tampered = {...signed(nowS), rawBody: Buffer.from(`${body.toString()} `)};
    const verdicts = {
      tampered: verifyFalWebhook(tampered, keys),
      otherKey: verifyFalWebhook(signed(nowS, body, other.privateKey), keys),
      stale: verifyFalWebhook(signed(String(NOW_MS / 1000 - 301)), keys),
      future: verifyFalWebhook(signed(String(NOW_MS / 1000 + 301)), keys),
      noKeys: verifyFalWebhook(signed(nowS), []),
    };
    console.table(Object.fromEntries(Object.entries(verdicts).map(([k, v]) => [k, v.ok ? 'ok' : v.reason])));
    for (const v of Object.values(verdicts)) expect(v.ok).toBe(false);
    expect(verifyFalWebhook(signed(String(NOW_MS / 1000 - 299)), keys).ok).toBe(true);
  });
});

describe('Replicate: Standard Webhooks HMAC', () => {
  test("the Standard Webhooks spec's own test vector", () => {
    const signature = signStandardWebhook(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      '1614265330',
      Buffer.from('{"test": 2432232314}'),
    );
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  const secret = `whsec_${Buffer.from('a 32-byte key for the test suite').toString('base64')}`;
  const call = (timestamp: string, signature: string, rawBody = body) => ({
    headers: {'webhook-id': 'msg_1', 'webhook-timestamp': timestamp, 'webhook-signature': signature},
    rawBody,
    nowMs: NOW_MS,
  });

  test('a good signature passes, also among several; a bad, stale or tampered one is refused', () => {
    const good = signStandardWebhook(secret, 'msg_1', nowS, body);
    expect(verifyStandardWebhook(call(nowS, good), secret)).toEqual({ok: true});
    expect(verifyStandardWebhook(call(nowS, `v1,AAAA ${good}`), secret)).toEqual({ok: true});
    const stale = String(NOW_MS / 1000 - 400);
    const verdicts = {
      bad: verifyStandardWebhook(call(nowS, 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='), secret),
      stale: verifyStandardWebhook(call(stale, signStandardWebhook(secret, 'msg_1', stale, body)), secret),
      tampered: verifyStandardWebhook(call(nowS, good, Buffer.from('{}')), secret),
      v2Only: verifyStandardWebhook(call(nowS, good.replace('v1,', 'v2,')), secret),
    };
    console.table(Object.fromEntries(Object.entries(verdicts).map(([k, v]) => [k, v.ok ? 'ok' : v.reason])));
    for (const v of Object.values(verdicts)) expect(v.ok).toBe(false);
  });
});
