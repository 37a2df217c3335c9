import type pg from 'pg';
import { CLOSING_EVENTS } from '../workflows/model/events.js';
import type { OrderSnapshot } from '../workflows/model/state.js';

/**
 * The closed orders of the engine's own records, read for `npm run whatif`: each order's closing
 * event carries its final snapshot. Everything happens in one read-only transaction (a write
 * would fail) with one snapshot of the data, however long the run: the counts and the pages agree,
 * and orders that close meanwhile are not half-counted.
 */
export async function readClosedOrders(
  pool: pg.Pool,
  options: { since?: Date; pageSize?: number },
  onPage: (orders: OrderSnapshot[], total: number) => void | Promise<void>,
): Promise<{ total: number; enrolled: Set<string> }> {
  const client = await pool.connect();
  const since = options.since ?? new Date(0);
  const pageSize = options.pageSize ?? 2000;
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const total = Number(
      (
        await client.query(
          'SELECT count(*) AS n FROM order_events WHERE order_id IS NOT NULL AND type = ANY($1) AND occurred_at >= $2',
          [CLOSING_EVENTS, since],
        )
      ).rows[0].n,
    );
    const enrolled = new Set(
      (await client.query('SELECT supplier_id FROM suppliers WHERE enrolled')).rows.map(
        (r) => r.supplier_id as string,
      ),
    );
    let after = 0;
    for (;;) {
      const page = await client.query(
        `SELECT position, payload FROM order_events
         WHERE position > $1 AND order_id IS NOT NULL AND type = ANY($2) AND occurred_at >= $3
         ORDER BY position LIMIT $4`,
        [after, CLOSING_EVENTS, since, pageSize],
      );
      if (page.rows.length === 0) break;
      after = Number(page.rows.at(-1)?.position);
      await onPage(
        page.rows.map((r) => r.payload as OrderSnapshot),
        total,
      );
    }
    return { total, enrolled };
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}
