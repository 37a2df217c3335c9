import { randomBytes } from 'node:crypto';

/**
 * Webhook signing secrets as the Standard Webhooks specification serializes them: `whsec_`, then
 * the base64 of 24 to 64 random bytes. The prefix names the scheme, so a receiver's library
 * (`new Webhook(secret)` of the `standardwebhooks` packages) takes the string as it is.
 */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
const MIN_BYTES = 24;
const MAX_BYTES = 64;

export const WEBHOOK_SECRET_HINT =
  `each must be ${WEBHOOK_SECRET_PREFIX} followed by the base64 of ${MIN_BYTES} to ${MAX_BYTES} random bytes; ` +
  `make one with: echo "${WEBHOOK_SECRET_PREFIX}$(openssl rand -base64 32)"`;

/** The HMAC key of a `whsec_` secret; undefined when the string is not one. */
export function webhookSecretKey(secret: string): Buffer | undefined {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) return undefined;
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  const key = Buffer.from(encoded, 'base64');
  // Canonical, padded base64 only: Node skips what is not base64, and every receiver's decoder
  // must read the same bytes.
  if (key.toString('base64') !== encoded) return undefined;
  return key.length >= MIN_BYTES && key.length <= MAX_BYTES ? key : undefined;
}

/** Comma-separated secrets, the first the newest: blanks around and between entries are ignored. */
export function parseWebhookSecrets(spec: string): string[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}
