import type { IdempotencyRecords } from '../db/api-idempotency.js';
import { canonicalJson } from './fingerprint.js';
import { HttpProblem } from './problem.js';
import { withTimeout } from './upstream-errors.js';

export interface Answer<T> {
  statusCode: number;
  body: T;
}

/**
 * Runs a request at most once per Idempotency-Key (docs/api.md#idempotency): a retry with the
 * same key and body gets the first answer again and changes nothing; the same key with another
 * body is a 422. `scope` names the route and its resource, so that one key on two routes names two
 * requests. Only successful answers are kept: a refused request leaves nothing behind.
 */
export async function idempotent<T>(
  records: IdempotencyRecords,
  key: string | undefined,
  scope: string,
  body: unknown,
  timeoutMs: number,
  run: () => Promise<Answer<T>>,
): Promise<Answer<T>> {
  if (key === undefined) return run();
  const keyed = `${scope}:${key}`;
  const fingerprint = canonicalJson(body ?? {});
  const replay = (kept: { fingerprint: string; statusCode: number; body: unknown }): Answer<T> => {
    if (kept.fingerprint !== fingerprint) {
      throw new HttpProblem(
        'idempotency-key-reused',
        'this Idempotency-Key was sent on this route with another body; send a new key for a new request',
      );
    }
    return { statusCode: kept.statusCode, body: kept.body as T };
  };
  const kept = await withTimeout(records.find(keyed), timeoutMs, 'postgres');
  if (kept) return replay(kept);
  const answer = await run();
  if (answer.statusCode >= 300) return answer;
  return replay(await withTimeout(records.keep(keyed, { fingerprint, ...answer }), timeoutMs, 'postgres'));
}
