import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ApiKeys {
  marketplace: string;
  arbitrator: string;
}

/** The API over HTTP, as a marketplace (and its arbitrator) calls it. */
export interface ApiClient {
  /** Answers the milliseconds until the final answer, retries and their waits included. */
  post(path: string, body: unknown, as?: keyof ApiKeys): Promise<{ ms: number }>;
  /** One GET as the marketplace, not retried: a refused read is a failed one. */
  get(path: string): Promise<{ ok: boolean; status: number; ms: number }>;
  /** The 429s and 503s retried so far. */
  refusals: { rateLimited: number; unavailable: number };
}

export function apiClient(apiUrl: string, keys: ApiKeys): ApiClient {
  const refusals = { rateLimited: 0, unavailable: 0 };
  return {
    refusals,
    async post(path, body, as = 'marketplace') {
      const idempotencyKey = randomUUID();
      const started = performance.now();
      for (;;) {
        const response = await fetch(`${apiUrl}${path}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${keys[as]}`,
            'idempotency-key': idempotencyKey,
            'content-type': 'application/json',
          },
          body: JSON.stringify(body),
        });
        const text = await response.text();
        // A marketplace retries a 429 and a 503 with the same Idempotency-Key; the wait counts.
        if (response.status === 429 || response.status === 503) {
          if (response.status === 429) refusals.rateLimited++;
          else refusals.unavailable++;
          await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
          continue;
        }
        if (response.status >= 300) throw new Error(`POST ${path}: ${response.status} ${text}`);
        const ms = performance.now() - started;
        // Read as a marketplace reads it: the bench's own CPU per order includes the parse.
        JSON.parse(text);
        return { ms };
      }
    },
    async get(path) {
      const started = performance.now();
      const response = await fetch(`${apiUrl}${path}`, {
        headers: { authorization: `Bearer ${keys.marketplace}` },
      });
      await response.arrayBuffer();
      return { ok: response.ok, status: response.status, ms: performance.now() - started };
    },
  };
}
