import type pg from 'pg';

/**
 * Rows of the supplier program made in SQL with generate_series, for the benchmark's program
 * section and the tests of the assessment: suppliers as enrolment leaves them, and the read model's
 * rows of orders closed over the last year, as the event store would have written them.
 */

/** `<prefix>000001` …: ids that sort in the order they were made. */
export const generatedId = (prefix: string, n: number) => `${prefix}${String(n).padStart(7, '0')}`;

/**
 * `count` enrolled suppliers `<prefix>0000001` … with `status`, assessed a day ago, and `limit` in
 * every currency (500000 by default, none when suspended).
 */
export async function generateSuppliers(
  db: pg.Pool,
  options: {
    prefix: string;
    count: number;
    status: 'provisional' | 'qualified' | 'suspended';
    limit?: number;
  },
): Promise<void> {
  const limit = options.status === 'suspended' ? 0 : (options.limit ?? 500_000);
  await db.query(
    `INSERT INTO suppliers (supplier_id, name, country, enrolled, status, status_reasons, member_since, assessed_at)
     SELECT $1 || lpad(i::text, 7, '0'), 'Generated Mill ' || i, 'DE', true, $3, '{}',
            now() - interval '400 days', now() - interval '1 day'
     FROM generate_series(1, $2) AS i`,
    [options.prefix, options.count, options.status],
  );
  await db.query(
    `INSERT INTO supplier_limits (supplier_id, currency, limit_amount)
     SELECT $1 || lpad(i::text, 7, '0'), '*', $3 FROM generate_series(1, $2) AS i`,
    [options.prefix, options.count, limit],
  );
}

/**
 * `count` closed orders of the generated suppliers, spread evenly over them and over the last
 * 150 days (inside the assessment window and the profile's year): released, shipped on time and
 * delivered; one in ten of each supplier's orders disputed and split (30% refunded). A supplier with
 * ten or more such orders meets every threshold of the defaults.
 */
export async function generateClosedOrders(
  db: pg.Pool,
  options: { prefix: string; suppliers: number; count: number },
): Promise<void> {
  // In batches: one statement of millions of rows would hold a transaction open for minutes.
  const batch = 200_000;
  for (let from = 1; from <= options.count; from += batch) {
    const to = Math.min(options.count, from + batch - 1);
    await db.query(
      `INSERT INTO supplier_orders (order_id, supplier_id, currency, amount, last_sequence, closed_at,
         on_time_num, on_time_den, dispute_num, dispute_den, refund_num, refund_den, released, transaction)
       SELECT 'gen-order-' || i, $1 || lpad((1 + i % $2)::text, 7, '0'), 'USD', 100000, 9,
              now() - (i % 150) * interval '1 day' - interval '1 hour',
              1, 1, (i / $2 % 10 = 0)::int, 1, CASE WHEN i / $2 % 10 = 0 THEN 30000 ELSE 0 END, 100000,
              CASE WHEN i / $2 % 10 = 0 THEN 70000 ELSE 100000 END, true
       FROM generate_series($3::int, $4::int) AS i`,
      [options.prefix, options.suppliers, from, to],
    );
  }
  await db.query('ANALYZE supplier_orders');
}
