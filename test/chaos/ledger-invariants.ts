import type pg from 'pg';
import type { ExpectedMovement, SnapshotPayout } from './order-paths.js';

/**
 * The ledger's invariants, asked of PostgreSQL in one REPEATABLE READ snapshot while the engine
 * keeps writing. Each query returns the rows that break its rule: an empty answer means it holds.
 */
export const LEDGER_INVARIANTS: Record<string, string> = {
  'no escrow account below zero': `
    SELECT id, balance FROM ledger_accounts WHERE kind = 'escrow' AND balance < 0`,
  'no fee account below zero': `
    SELECT id, balance FROM ledger_accounts WHERE kind = 'fees' AND balance < 0`,
  'refunds + releases never exceed funding, per order': `
    SELECT order_id,
           sum(amount) FILTER (WHERE kind = 'funding') AS funded,
           sum(amount) FILTER (WHERE kind <> 'funding') AS paid_out
      FROM ledger_transactions GROUP BY order_id
    HAVING coalesce(sum(amount) FILTER (WHERE kind <> 'funding'), 0)
         > coalesce(sum(amount) FILTER (WHERE kind = 'funding'), 0)`,
  // A release with a commission has a third leg, to the fee account (docs/ledger.md#fees).
  'every transaction has two legs (three with a fee) that balance and carry its amount': `
    SELECT t.id, t.amount, count(e.id) AS legs, coalesce(sum(e.amount), 0) AS total,
           min(e.amount) AS debit
      FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id
     GROUP BY t.id, t.amount, t.fee
    HAVING count(e.id) <> (CASE WHEN coalesce(t.fee, 0) > 0 THEN 3 ELSE 2 END)
        OR coalesce(sum(e.amount), 0) <> 0 OR min(e.amount) <> -t.amount`,
  'legs move money between the right accounts': `
    SELECT t.id, t.kind, e.account_id, e.amount
      FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
     WHERE NOT (
       (e.account_id = 'escrow:' || t.order_id AND (t.kind = 'funding') = (e.amount > 0))
       OR (e.account_id LIKE 'buyer:%' AND t.kind IN ('funding', 'refund', 'reversal') AND (t.kind <> 'funding') = (e.amount > 0))
       OR (e.account_id LIKE 'supplier:%' AND t.kind = 'release' AND e.amount > 0)
       OR (e.account_id = 'fees:' || t.currency AND t.kind = 'release' AND e.amount = t.fee))`,
  'one transaction per idempotency key': `
    SELECT idempotency_key, count(*) FROM ledger_transactions GROUP BY idempotency_key HAVING count(*) > 1`,
  'one refund, one release and one excess refund per order at most': `
    SELECT order_id, idempotency_key FROM ledger_transactions
     WHERE kind <> 'funding'
       AND idempotency_key NOT IN (order_id || ':refund', order_id || ':release', order_id || ':excess-refund')
       AND NOT (kind = 'reversal' AND idempotency_key LIKE order_id || ':reversal:%')`,
  'account balances equal the sum of their entries': `
    SELECT a.id, a.balance, coalesce(s.total, 0) AS entries
      FROM ledger_accounts a
      LEFT JOIN (SELECT account_id, sum(amount) AS total FROM ledger_entries GROUP BY account_id) s
        ON s.account_id = a.id
     WHERE a.balance <> coalesce(s.total, 0)`,
  'order totals equal the sum of their transactions': `
    SELECT o.order_id, o.funded, o.refunded, o.released, o.reversed
      FROM ledger_order_totals o
      LEFT JOIN (SELECT order_id,
                        coalesce(sum(amount) FILTER (WHERE kind = 'funding'), 0) AS funded,
                        coalesce(sum(amount) FILTER (WHERE kind = 'refund'), 0) AS refunded,
                        coalesce(sum(amount) FILTER (WHERE kind = 'release'), 0) AS released,
                        coalesce(sum(amount) FILTER (WHERE kind = 'reversal'), 0) AS reversed
                   FROM ledger_transactions GROUP BY order_id) t ON t.order_id = o.order_id
     WHERE (o.funded, o.refunded, o.released, o.reversed)
           IS DISTINCT FROM (coalesce(t.funded, 0), coalesce(t.refunded, 0), coalesce(t.released, 0), coalesce(t.reversed, 0))`,
  'escrow balance equals funding minus payouts, per order': `
    SELECT a.id, a.balance, o.funded - o.refunded - o.released - o.reversed AS expected
      FROM ledger_accounts a JOIN ledger_order_totals o ON a.id = 'escrow:' || o.order_id
     WHERE a.balance <> o.funded - o.refunded - o.released - o.reversed`,
  'money is neither created nor destroyed': `
    SELECT sum(balance) AS total FROM ledger_accounts HAVING sum(balance) <> 0`,
};

export interface LedgerRow {
  transactionId: string;
  orderId: string;
  kind: ExpectedMovement['kind'];
  idempotencyKey: string;
  amount: number;
  /** Of a release: its leg to the fee account; 0 without one. */
  fee: number;
}

export interface InvariantReport {
  transactions: number;
  violations: string[];
  rows: LedgerRow[];
}

/** Every invariant, and every transaction, from one consistent snapshot of the ledger. */
export async function checkLedger(pool: pg.Pool): Promise<InvariantReport> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const violations: string[] = [];
    for (const [name, sql] of Object.entries(LEDGER_INVARIANTS)) {
      const broken = await client.query(sql);
      for (const row of broken.rows.slice(0, 5)) violations.push(`${name}: ${JSON.stringify(row)}`);
    }
    const all = await client.query(
      'SELECT id, order_id, kind, idempotency_key, amount, coalesce(fee, 0) AS fee FROM ledger_transactions ORDER BY id',
    );
    await client.query('COMMIT');
    return {
      transactions: all.rowCount ?? 0,
      violations,
      rows: all.rows.map((r) => ({
        transactionId: String(r.id),
        orderId: r.order_id,
        kind: r.kind,
        idempotencyKey: r.idempotency_key,
        amount: Number(r.amount),
        fee: Number(r.fee),
      })),
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export interface MoneyComparison {
  /** Expected movements missing or short in the ledger, in minor units. */
  lost: number;
  /** Movements in the ledger beyond what was expected, in minor units. */
  doubled: number;
  differences: string[];
}

/** Compares an order's ledger rows with the movements the model expects, exactly. */
export function compareMoney(
  orderId: string,
  expected: ExpectedMovement[],
  actual: LedgerRow[],
): MoneyComparison {
  const result: MoneyComparison = { lost: 0, doubled: 0, differences: [] };
  const byKey = new Map(actual.map((r) => [r.idempotencyKey, r]));
  for (const e of expected) {
    const row = byKey.get(e.idempotencyKey);
    byKey.delete(e.idempotencyKey);
    const got = row && row.kind === e.kind ? row.amount : 0;
    if (got < e.amount) result.lost += e.amount - got;
    if (got > e.amount) result.doubled += got - e.amount;
    if (got !== e.amount || row?.kind !== e.kind) {
      result.differences.push(
        `${orderId}: expected ${e.kind} ${e.amount} (${e.idempotencyKey}), ledger has ${row ? `${row.kind} ${row.amount}` : 'nothing'}`,
      );
    } else if (row.fee !== (e.fee ?? 0)) {
      // The whole release left escrow; only its split between the supplier and the fee account is off.
      result.differences.push(
        `${orderId}: expected a fee of ${e.fee ?? 0} in ${e.idempotencyKey}, ledger has ${row.fee}`,
      );
    }
  }
  for (const extra of byKey.values()) {
    result.doubled += extra.amount;
    result.differences.push(`${orderId}: unexpected ${extra.kind} ${extra.amount} (${extra.idempotencyKey})`);
  }
  return result;
}

/** The ledger's kind of transaction for each kind of payout in a snapshot. */
const LEDGER_KIND: Record<SnapshotPayout['kind'], LedgerRow['kind']> = {
  refund: 'refund',
  release: 'release',
  excess_refund: 'refund',
  line_refund: 'refund',
};

/**
 * A closed order's payouts, as its final snapshot lists them (what the workflow believes it
 * paid), against the ledger's transactions out of its escrow (what the payments system booked):
 * the same keys, each with the same kind, amount and transaction, and nothing on either side alone.
 */
export function comparePayouts(
  orderId: string,
  payouts: SnapshotPayout[] | undefined,
  rows: LedgerRow[],
): string[] {
  if (!payouts) return [`${orderId}: closed, and its snapshot has no payouts list`];
  const differences: string[] = [];
  // Reversals leave escrow too, but to the rail, as the snapshot's `reversals`: the model checks them.
  const booked = new Map(
    rows.filter((r) => r.kind !== 'funding' && r.kind !== 'reversal').map((r) => [r.idempotencyKey, r]),
  );
  for (const p of payouts) {
    const row = booked.get(p.idempotencyKey);
    booked.delete(p.idempotencyKey);
    if (!row) {
      differences.push(
        `${orderId}: snapshot pays ${p.kind} ${p.amount} (${p.idempotencyKey}), the ledger has nothing`,
      );
    } else if (
      row.kind !== LEDGER_KIND[p.kind] ||
      row.amount !== p.amount ||
      row.fee !== (p.fee ?? 0) ||
      row.transactionId !== p.transactionId
    ) {
      differences.push(
        `${orderId}: snapshot pays ${p.kind} ${p.amount} (fee ${p.fee ?? 0}) in transaction ${p.transactionId} (${p.idempotencyKey}), the ledger has ${row.kind} ${row.amount} (fee ${row.fee}) in ${row.transactionId}`,
      );
    }
  }
  for (const row of booked.values()) {
    differences.push(
      `${orderId}: the ledger has ${row.kind} ${row.amount} (${row.idempotencyKey}), the snapshot no payout`,
    );
  }
  return differences;
}
