import { createHash } from 'node:crypto';

/**
 * Canonical JSON (object keys sorted at every level) of a parsed create request: two requests with
 * the same content in another key order are the same order, so that a retried create is a no-op.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * What an order's workflow keeps of its create request: the SHA-256 of its canonical JSON, not the
 * JSON itself, which repeated the whole contract in every order's first history event.
 */
export function createFingerprint(input: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(input)).digest('hex')}`;
}

/** Whether a create repeats the one an order was started with; orders started before the digest kept the JSON. */
export function sameCreate(stored: string | undefined, input: unknown): boolean {
  return stored === createFingerprint(input) || stored === canonicalJson(input);
}
