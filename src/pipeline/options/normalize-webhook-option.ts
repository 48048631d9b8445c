import {UsageError} from '../../errors.ts';
import type {GenerateAudioOptions} from './generate-audio-options.ts';
import type {NormalizedGenerateOptions} from './normalized-generate-options.ts';
import {parseHostPort} from './parse-host-port.ts';

/** `webhook`: an http(s) URL the service calls and the `host:port` this process listens on. */
export const normalizeWebhookOption = (
  webhook: GenerateAudioOptions['webhook'],
): NormalizedGenerateOptions['webhook'] => {
  if (!webhook) return null;
  if (!/^https?:\/\//.test(webhook.url)) {
    throw new UsageError(`--webhook-url must be an http(s) URL the service can reach, got "${webhook.url}".`);
  }
  if (!webhook.listen) {
    throw new UsageError(
      '--webhook-url needs --webhook-listen host:port: where this process receives the calls.',
    );
  }
  return {
    url: webhook.url,
    ...parseHostPort(webhook.listen, '--webhook-listen'),
    secret: webhook.secret ?? null,
  };
};
