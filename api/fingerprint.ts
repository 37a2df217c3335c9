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
