import type pg from 'pg';

/**
 * Ledger transactions made in SQL for a past UTC day, for the benchmark's reconciliation section and
 * the tests of the statements: each generated order funded by its buyer and released to its
 * supplier within the day, balanced and within the ledger's invariants, as the engine would have
 * written them then. A day can only be generated while it is open (not closed by a statement).
 */
export async function generateLedgerDay(
  db: pg.Pool,
  options: { date: string; prefix: string; orders: number; amount?: number },
): Promise<void> {
  const amount = options.amount ?? 100_000;
  const batch = 2_000;
  for (let first = 1; first <= options.orders; first += batch) {
    const last = Math.min(options.orders, first + batch - 1);
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `CREATE TEMP TABLE generated ON COMMIT DROP AS
           SELECT $1 || lpad(i::text, 7, '0') AS order_id,
                  ($4::date + (i * 86000.0 / $5) * interval '1 second') AS funded_at,
                  'buyer:' || $1 || 'b' || (i % 10) || ':USD' AS buyer,
                  'supplier:' || $1 || 's' || (i % 7) || ':USD' AS supplier
             FROM generate_series($2::int, $3::int) AS i`,
        [options.prefix, first, last, options.date, options.orders],
      );
      await client.query(
        `INSERT INTO ledger_order_totals (order_id, currency, funded, released)
         SELECT order_id, 'USD', $1, $1 FROM generated`,
        [amount],
      );
      await client.query(
        `INSERT INTO ledger_accounts (id, kind, owner_id, currency, balance)
         SELECT 'escrow:' || order_id, 'escrow', order_id, 'USD', 0 FROM generated
         UNION ALL SELECT buyer, 'buyer', split_part(buyer, ':', 2), 'USD', -$1::bigint * count(*) FROM generated GROUP BY buyer
         UNION ALL SELECT supplier, 'supplier', split_part(supplier, ':', 2), 'USD', $1::bigint * count(*) FROM generated
                   GROUP BY supplier
         ON CONFLICT (id) DO UPDATE SET balance = ledger_accounts.balance + EXCLUDED.balance`,
        [amount],
      );
      await client.query(
        `WITH moves AS (
           INSERT INTO ledger_transactions (idempotency_key, order_id, kind, amount, currency, reference, memo, created_at)
           SELECT order_id || ':payment:wire-' || order_id, order_id, 'funding', $1::bigint, 'USD', 'wire-' || order_id,
                  'generated', funded_at FROM generated
           UNION ALL
           SELECT order_id || ':release', order_id, 'release', $1::bigint, 'USD', NULL, 'generated',
                  funded_at + interval '200 milliseconds' FROM generated
           RETURNING id, order_id, kind, amount)
         INSERT INTO ledger_entries (transaction_id, account_id, amount)
         SELECT m.id, leg.account, leg.amount
           FROM moves m JOIN generated g ON g.order_id = m.order_id
           CROSS JOIN LATERAL (VALUES
             (CASE m.kind WHEN 'funding' THEN g.buyer ELSE 'escrow:' || g.order_id END, -m.amount),
             (CASE m.kind WHEN 'funding' THEN 'escrow:' || g.order_id ELSE g.supplier END, m.amount)
           ) AS leg (account, amount)`,
        [amount],
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }
}
