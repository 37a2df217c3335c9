import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Deprecated: the engine's own signature of before Standard Webhooks (standard-webhook-signature.ts),
 * `Escrow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. Sent beside the
 * standard headers for one more release when WEBHOOK_LEGACY_SIGNATURE=1, so that receivers can
 * move over with no gap; `verifyWebhook` stays as long for the receivers that still import it.
 * The timestamp is signed with the body so that a captured request cannot be replayed later.
 */
export const SIGNATURE_HEADER = 'escrow-signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signWebhook(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * For receivers: checks the signature header of a delivery against the raw body, as received
 * (before any JSON parsing). `headers` may be a Fetch `Headers` or a Node header object.
 */
export function verifyWebhook(
  secret: string,
  headers: Headers | Record<string, string | string[] | undefined>,
  body: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): VerifyResult {
  const raw =
    headers instanceof Headers ? headers.get(SIGNATURE_HEADER) : headerValue(headers, SIGNATURE_HEADER);
  if (!raw) return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` };
  const parts = Object.fromEntries(raw.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || !parts.v1) return { ok: false, reason: 'malformed signature header' };
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) {
    return { ok: false, reason: 'timestamp outside the tolerance window' };
  }
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true, timestamp };
}

function hmac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key ? headers[key] : undefined;
  return Array.isArray(value) ? value[0] : value;
}
