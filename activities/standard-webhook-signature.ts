import { createHmac } from 'node:crypto';
import { webhookSecretKey } from '../config/webhook-secrets.js';

/**
 * Signatures of the Standard Webhooks specification (www.standardwebhooks.com), which receivers
 * check with any of its libraries: `webhook-signature` holds `v1,<base64 HMAC-SHA256 of
 * "<webhook-id>.<webhook-timestamp>.<raw body>">`, one per secret, space-separated, so that a
 * receiver that knows either secret accepts the delivery while the secret is being rotated.
 */
export interface StandardWebhookHeaders {
  'webhook-id': string;
  /** Unix seconds of this attempt (not of the event): a receiver refuses a replayed old request. */
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export type WebhookSigner = (id: string, body: string, timestamp?: number) => StandardWebhookHeaders;

export function standardWebhookSigner(secrets: readonly string[]): WebhookSigner {
  const keys = secrets.map((secret, i) => {
    const key = webhookSecretKey(secret);
    // The configuration refuses such secrets at start; this names a caller that skipped it.
    if (!key) throw new Error(`webhook secret ${i + 1} is not whsec_ and base64`);
    return key;
  });
  if (keys.length === 0) throw new Error('no webhook secret: every delivery must be signed');
  return (id, body, timestamp = Math.floor(Date.now() / 1000)) => {
    const signed = `${id}.${timestamp}.${body}`;
    return {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': keys
        .map((key) => `v1,${createHmac('sha256', key).update(signed).digest('base64')}`)
        .join(' '),
    };
  };
}
