import {describe, expect, it} from 'vitest';
import {ed25519KeysOf, verifyFalWebhook} from '../../../src/providers/verify-fal-webhook.ts';
import {verifyStandardWebhook} from '../../../src/providers/verify-standard-webhook.ts';
import {
  createFalSigner,
  newWebhookSecret,
  STALE_SECONDS,
  standardWebhookHeaders,
} from '../../../src/simulator/contracts/webhook-signers.ts';

const body = JSON.stringify({request_id: 'req-1', status: 'OK', payload: {video: {url: 'http://x/y.mp4'}}});
const raw = (text: string) => Buffer.from(text, 'utf8');
const lower = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

describe('the simulator signs webhooks the way the client verifies them', () => {
  it('fal: Ed25519 over the documented message, checked against the simulator JWKS', () => {
    const signer = createFalSigner();
    const keys = ed25519KeysOf(signer.jwks);
    expect(keys).toHaveLength(1);
    const call = {requestId: 'req-1', userId: 'user_abc', body};
    const verdicts = {
      good: verifyFalWebhook(
        {
          headers: lower(signer.headers(call, {wrongSecret: false, stale: false})),
          rawBody: raw(body),
          nowMs: Date.now(),
        },
        keys,
      ),
      wrongKey: verifyFalWebhook(
        {
          headers: lower(signer.headers(call, {wrongSecret: true, stale: false})),
          rawBody: raw(body),
          nowMs: Date.now(),
        },
        keys,
      ),
      stale: verifyFalWebhook(
        {
          headers: lower(signer.headers(call, {wrongSecret: false, stale: true})),
          rawBody: raw(body),
          nowMs: Date.now(),
        },
        keys,
      ),
      tamperedBody: verifyFalWebhook(
        {
          headers: lower(signer.headers(call, {wrongSecret: false, stale: false})),
          rawBody: raw(body.replace('OK', 'ERROR')),
          nowMs: Date.now(),
        },
        keys,
      ),
      otherSimulatorsJwks: verifyFalWebhook(
        {
          headers: lower(signer.headers(call, {wrongSecret: false, stale: false})),
          rawBody: raw(body),
          nowMs: Date.now(),
        },
        ed25519KeysOf(createFalSigner().jwks),
      ),
    };
    console.table(
      Object.fromEntries(Object.entries(verdicts).map(([k, v]) => [k, v.ok ? 'accepted' : v.reason])),
    );
    expect(verdicts.good).toEqual({ok: true});
    expect(verdicts.wrongKey.ok).toBe(false);
    expect(verdicts.stale).toMatchObject({ok: false, reason: expect.stringContaining('timestamp')});
    expect(verdicts.tamperedBody.ok).toBe(false);
    expect(verdicts.otherSimulatorsJwks.ok).toBe(false);
    // The stale knob dates the call outside the ±300 s window, not at its edge.
    const staleTs = Number(
      signer.headers(call, {wrongSecret: false, stale: true})['x-fal-webhook-timestamp'],
    );
    expect(Math.floor(Date.now() / 1000) - staleTs).toBeGreaterThanOrEqual(STALE_SECONDS);
  });

  it('Replicate: Standard Webhooks HMAC with the whsec_ secret and a timestamp', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const sign = (knobs: {wrongSecret: boolean; stale: boolean}) =>
      lower(standardWebhookHeaders(secret, body, knobs));
    const good = sign({wrongSecret: false, stale: false});
    expect(good['webhook-id']).toMatch(/^msg_/);
    expect(good['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const verdicts = {
      good: verifyStandardWebhook({headers: good, rawBody: raw(body), nowMs: Date.now()}, secret),
      wrongSecret: verifyStandardWebhook(
        {headers: sign({wrongSecret: true, stale: false}), rawBody: raw(body), nowMs: Date.now()},
        secret,
      ),
      stale: verifyStandardWebhook(
        {headers: sign({wrongSecret: false, stale: true}), rawBody: raw(body), nowMs: Date.now()},
        secret,
      ),
      tamperedBody: verifyStandardWebhook(
        {headers: good, rawBody: raw(`${body} `), nowMs: Date.now()},
        secret,
      ),
      replayedLater: verifyStandardWebhook(
        {headers: good, rawBody: raw(body), nowMs: Date.now() + 301_000},
        secret,
      ),
    };
    console.table(
      Object.fromEntries(Object.entries(verdicts).map(([k, v]) => [k, v.ok ? 'accepted' : v.reason])),
    );
    expect(verdicts.good).toEqual({ok: true});
    expect(verdicts.wrongSecret).toMatchObject({ok: false, reason: 'no v1 signature matches'});
    expect(verdicts.stale).toMatchObject({ok: false, reason: expect.stringContaining('timestamp')});
    expect(verdicts.tamperedBody.ok).toBe(false);
    expect(verdicts.replayedLater.ok).toBe(false);
  });
});
