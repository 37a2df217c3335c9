import type pg from 'pg';

/** An answer kept under its Idempotency-Key, with the canonical body of the request it answered. */
export interface KeptAnswer {
  fingerprint: string;
  statusCode: number;
  body: unknown;
}

/**
 * The first successful answer of each Idempotency-Key on the routes that are not Workflow Updates
 * (the supplier program's), kept in PostgreSQL so that a retry on any API replica gets it again.
 */
export class IdempotencyRecords {
  constructor(private readonly pool: pg.Pool) {}

  async find(scope: string): Promise<KeptAnswer | undefined> {
    const result = await this.pool.query(
      'SELECT fingerprint, status_code, body FROM api_idempotency WHERE scope = $1',
      [scope],
    );
    const row = result.rows[0];
    return row && { fingerprint: row.fingerprint, statusCode: row.status_code, body: row.body };
  }

  /** Keeps the answer unless one is kept already (a request racing with the same key), and answers the kept one. */
  async keep(scope: string, answer: KeptAnswer): Promise<KeptAnswer> {
    const inserted = await this.pool.query(
      `INSERT INTO api_idempotency (scope, fingerprint, status_code, body) VALUES ($1, $2, $3, $4)
       ON CONFLICT (scope) DO NOTHING`,
      [scope, answer.fingerprint, answer.statusCode, JSON.stringify(answer.body)],
    );
    if (inserted.rowCount === 1) return answer;
    return (await this.find(scope)) ?? answer;
  }
}
