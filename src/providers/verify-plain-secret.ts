import {secretsMatch} from '../api/webhook.ts';
import type {WebhookCall, WebhookVerdict} from './webhook-verdict.ts';

/**
 * Qubico and PiAPI: the secret given at submit comes back verbatim in `x-webhook-secret` (no signature
 * over the body). Compared in constant time.
 */
export const verifyPlainSecret = (call: WebhookCall, secret: string): WebhookVerdict =>
  secretsMatch(call.headers['x-webhook-secret'], secret)
    ? {ok: true}
    : {ok: false, reason: 'wrong or missing x-webhook-secret'};
