import { createHash } from 'node:crypto';

/**
 * List cursors: Temporal's visibility page token plus a digest of the token and the query it
 * belongs to. Temporal answers a token it cannot read with a retryable UNKNOWN error, so a cursor
 * that was mangled, made up or taken from a list with other filters must be caught here, as a 400.
 */
const digest = (token: Uint8Array, query: string) =>
  createHash('sha256').update(query).update('\0').update(token).digest('base64url').slice(0, 22);

export function encodeCursor(token: Uint8Array, query: string): string {
  return `${Buffer.from(token).toString('base64url')}.${digest(token, query)}`;
}

/** The page token, or undefined when the cursor is not one `encodeCursor` made for this query. */
export function decodeCursor(cursor: string, query: string): Buffer | undefined {
  const [encoded, check, ...rest] = cursor.split('.');
  if (!encoded || !check || rest.length > 0) return undefined;
  const token = Buffer.from(encoded, 'base64url');
  return digest(token, query) === check ? token : undefined;
}
