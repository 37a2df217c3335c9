import type pg from 'pg';
import type { LinePosting } from '../workflows/credit-line/model/activities.js';
import {
  IdempotencyKeyReusedError,
  LedgerInvariantError,
  type Movement,
  type MovementResult,
  type PaymentsGateway,
} from './payments-gateway.js';

type Kind = 'funding' | 'refund' | 'release' | 'reversal';

export interface LedgerEntry {
  transactionId: string;
  idempotencyKey: string;
  kind: Kind;
  amount: number;
  currency: string;
  reference: string | null;
  memo: string | null;
  createdAt: string;
  legs: { accountId: string; amount: number }[];
}

const TOTAL_COLUMN: Record<Kind, 'funded' | 'refunded' | 'released' | 'reversed'> = {
  funding: 'funded',
  refund: 'refunded',
  release: 'released',
  reversal: 'reversed',
};

const SERIALIZATION_FAILURE = '40001';
/** One retry is enough: the retry is created after the close, in an open day. */
const CLOSED_DAY_RETRIES = 3;

/**
 * A transaction created in a day that its statement closed while it was in flight is refused at
 * commit (db/migrations/005_ledger_reconciliation.sql); made again, it is created in the open day.
 */
async function againAfterClosedDay<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if ((err as { code?: string }).code !== SERIALIZATION_FAILURE || n >= CLOSED_DAY_RETRIES) throw err;
    }
  }
}
/**
 * Creates the order's or line's totals row if it is new and locks it: every movement of one order
 * (or line) is serialised, so that concurrent retries see each other's keys. The update on
 * conflict changes nothing but takes the row's lock, in the same round trip.
 */
const lockTotals = (table: string, key: string) =>
  `INSERT INTO ${table} (${key}, currency) VALUES ($1, $2)
   ON CONFLICT (${key}) DO UPDATE SET ${key} = EXCLUDED.${key}
   RETURNING currency`;

/** A posting that contradicts the line's record: never retried. */
export class LineLedgerError extends Error {
  override name = 'LineLedgerError';
}

interface Account {
  account: string;
  kind: 'escrow' | 'buyer' | 'supplier' | 'fees' | 'lender' | 'borrower' | 'income' | 'capital';
  owner: string;
}

interface Leg extends Account {
  amount: number;
}

/** Placeholders for one statement's parameters, numbered as they are used. */
function parameters() {
  const values: unknown[] = [];
  const p = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  return { values, p };
}

/**
 * Creates the accounts a transaction moves that do not exist yet (the escrow of a new order, a
 * supplier's first payout): one statement for all of them.
 */
async function ensureAccounts(client: pg.PoolClient, accounts: Account[], currency: string): Promise<void> {
  await client.query(
    `INSERT INTO ledger_accounts (id, kind, owner_id, currency)
     SELECT id, kind, owner_id, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS a(id, kind, owner_id)
     ON CONFLICT (id) DO NOTHING`,
    [accounts.map((a) => a.account), accounts.map((a) => a.kind), accounts.map((a) => a.owner), currency],
  );
}

/**
 * The transaction, its entries, the balances they move and the order's or line's totals, in one
 * statement: a movement costs PostgreSQL five round trips in all instead of one per leg and table,
 * which is what a slow network between the worker and the database multiplies. The checks on
 * balances and totals and the deferred ones at commit (db/migrations/) refuse as before.
 */
async function insertTransaction(
  client: pg.PoolClient,
  row: Record<string, unknown>,
  legs: Leg[],
  totals: (p: (value: unknown) => string) => string | undefined,
): Promise<string> {
  const { values, p } = parameters();
  const columns = Object.keys(row);
  const rowValues = columns.map((c) => p(row[c])).join(', ');
  const moved = legs.filter((leg) => leg.amount !== 0);
  const accounts = p(moved.map((leg) => leg.account));
  const amounts = p(moved.map((leg) => leg.amount));
  const totalsUpdate = totals(p);
  const result = await client.query(
    `WITH tx AS (
       INSERT INTO ledger_transactions (${columns.join(', ')}) VALUES (${rowValues}) RETURNING id
     ), entries AS (
       INSERT INTO ledger_entries (transaction_id, account_id, amount)
       SELECT tx.id, l.account, l.amount FROM tx, unnest(${accounts}::text[], ${amounts}::bigint[]) AS l(account, amount)
     ), balances AS (
       UPDATE ledger_accounts a SET balance = a.balance + l.amount
       FROM (SELECT account, sum(amount) AS amount FROM unnest(${accounts}::text[], ${amounts}::bigint[]) AS u(account, amount) GROUP BY account) AS l
       WHERE a.id = l.account
     )${totalsUpdate ? `, totals AS (${totalsUpdate})` : ''}
     SELECT id FROM tx`,
    values,
  );
  return String(result.rows[0].id);
}

/** The legs of a posting (docs/credit.md#ledger); they sum to zero. */
function legsOf(p: LinePosting, lenderBalance: number): { amount: number; legs: Leg[] } {
  const lender: Omit<Leg, 'amount'> = { account: `lender:${p.lineId}`, kind: 'lender', owner: p.lineId };
  const borrower: Omit<Leg, 'amount'> = {
    account: `borrower:${p.lineId}`,
    kind: 'borrower',
    owner: p.lineId,
  };
  const capital: Omit<Leg, 'amount'> = {
    account: `capital:${p.currency}`,
    kind: 'capital',
    owner: p.currency,
  };
  switch (p.kind) {
    case 'credit_open':
      return {
        amount: p.amount,
        legs: [
          { ...capital, amount: -p.amount },
          { ...lender, amount: p.amount },
        ],
      };
    case 'interest':
      return {
        amount: p.amount,
        legs: [
          { ...borrower, amount: -p.amount },
          { account: `income:${p.lineId}`, kind: 'income', owner: p.lineId, amount: p.amount },
        ],
      };
    case 'repayment': {
      const total = p.interest + p.principal;
      const legs: Leg[] = [
        { account: `buyer:${p.buyerId}:${p.currency}`, kind: 'buyer', owner: p.buyerId, amount: -total },
      ];
      if (p.interest > 0) legs.push({ ...borrower, amount: p.interest });
      if (p.principal > 0) legs.push({ ...lender, amount: p.principal });
      return { amount: total, legs };
    }
    case 'credit_close':
      return {
        amount: lenderBalance,
        legs: [
          { ...lender, amount: -lenderBalance },
          { ...capital, amount: lenderBalance },
        ],
      };
  }
}

/** What a line's posting adds to its totals (ledger_line_totals), if anything. */
const TOTALS: Record<
  LinePosting['kind'],
  ((p: (value: unknown) => string, posting: LinePosting, amount: number) => string) | undefined
> = {
  credit_open: (p, _, amount) => `opened = opened + ${p(amount)}`,
  interest: (p, _, amount) => `interest_billed = interest_billed + ${p(amount)}`,
  repayment: (p, posting) =>
    posting.kind === 'repayment'
      ? `interest_paid = interest_paid + ${p(posting.interest)}, principal_repaid = principal_repaid + ${p(posting.principal)}`
      : '',
  credit_close: undefined,
};

/** The double-entry ledger in PostgreSQL: the payments system of record. */
export class PostgresLedger implements PaymentsGateway {
  constructor(private readonly pool: pg.Pool) {}

  creditEscrow(m: Movement): Promise<MovementResult> {
    return this.move('funding', m);
  }

  refundBuyer(m: Movement): Promise<MovementResult> {
    return this.move('refund', m);
  }

  releaseToSupplier(m: Movement): Promise<MovementResult> {
    return this.move('release', m);
  }

  reverseFunding(m: Movement): Promise<MovementResult> {
    return this.move('reversal', m);
  }

  private async move(kind: Kind, m: Movement): Promise<MovementResult> {
    if (!Number.isSafeInteger(m.amount) || m.amount <= 0) {
      throw new LedgerInvariantError(`amount must be a positive integer of minor units, got ${m.amount}`);
    }
    if (
      m.fee !== undefined &&
      (kind !== 'release' || !Number.isSafeInteger(m.fee) || m.fee < 0 || m.fee > m.amount)
    ) {
      throw new LedgerInvariantError(
        `a fee is paid out of a release, 0 ≤ fee ≤ amount; got ${kind} fee ${m.fee}`,
      );
    }
    if (kind === 'reversal' && m.reference === undefined) {
      throw new LedgerInvariantError('a reversal names the reference of the payment it takes back');
    }
    return againAfterClosedDay(() => this.moveOnce(kind, m));
  }

  private async moveOnce(kind: Kind, m: Movement): Promise<MovementResult> {
    const escrow = `escrow:${m.orderId}`;
    const buyer = `buyer:${m.buyerId}:${m.currency}`;
    const supplier = `supplier:${m.supplierId}:${m.currency}`;
    // A draw funds the escrow from the lender's account, and a refund of it goes back there; that
    // account exists since the line opened, and its own check keeps it from going below zero.
    const payer = m.lenderLineId ? `lender:${m.lenderLineId}` : buyer;
    const [from, to] =
      kind === 'funding'
        ? [payer, escrow]
        : kind === 'release'
          ? [escrow, supplier]
          : kind === 'refund'
            ? [escrow, payer]
            : // A reversal goes back to the rail the buyer paid by.
              [escrow, buyer];
    const fee = m.fee ?? 0;
    const fees = `fees:${m.currency}`;

    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const totals = await client.query(lockTotals('ledger_order_totals', 'order_id'), [
        m.orderId,
        m.currency,
      ]);
      if (totals.rows[0].currency.trim() !== m.currency) {
        throw new LedgerInvariantError(
          `order ${m.orderId} is kept in ${totals.rows[0].currency}, not ${m.currency}`,
        );
      }
      const existing = await client.query(
        'SELECT id, order_id, kind, amount, currency, fee FROM ledger_transactions WHERE idempotency_key = $1',
        [m.idempotencyKey],
      );
      if (existing.rows[0]) {
        const row = existing.rows[0];
        await client.query('ROLLBACK');
        if (
          row.order_id !== m.orderId ||
          row.kind !== kind ||
          row.amount !== m.amount ||
          row.currency.trim() !== m.currency ||
          (row.fee ?? 0) !== fee
        ) {
          throw new IdempotencyKeyReusedError(
            `idempotency key ${m.idempotencyKey} was used for ${row.kind} of ${row.amount} ${row.currency} (fee ${row.fee ?? 0}) on order ` +
              `${row.order_id}; refusing ${kind} of ${m.amount} ${m.currency} (fee ${fee}) on order ${m.orderId}`,
          );
        }
        return {
          transactionId: String(row.id),
          idempotencyKey: m.idempotencyKey,
          amount: row.amount,
          replayed: true,
        };
      }
      if (kind === 'reversal') await this.refuseReversalAbovePayment(client, m);
      const account = (id: string): Account =>
        id === escrow
          ? { account: id, kind: 'escrow', owner: m.orderId }
          : id === supplier
            ? { account: id, kind: 'supplier', owner: m.supplierId }
            : id === fees
              ? { account: id, kind: 'fees', owner: m.currency }
              : id === buyer
                ? { account: id, kind: 'buyer', owner: m.buyerId }
                : // The lender's account exists since its line opened.
                  { account: id, kind: 'lender', owner: m.lenderLineId ?? '' };
      // The fee is the release's third leg: the supplier's is the net, and one key covers both.
      const legs: Leg[] = [
        { ...account(from), amount: -m.amount },
        { ...account(to), amount: m.amount - fee },
        ...(fee > 0 ? [{ ...account(fees), amount: fee }] : []),
      ];
      await ensureAccounts(
        client,
        legs.filter((leg) => leg.kind !== 'lender'),
        m.currency,
      );
      const column = TOTAL_COLUMN[kind];
      const txId = await insertTransaction(
        client,
        {
          idempotency_key: m.idempotencyKey,
          order_id: m.orderId,
          kind,
          amount: m.amount,
          currency: m.currency,
          reference: m.reference ?? null,
          memo: m.memo,
          fee: m.fee ?? null,
          method: m.method ?? null,
        },
        legs,
        (p) =>
          `UPDATE ledger_order_totals SET ${column} = ${column} + ${p(m.amount)} WHERE order_id = ${p(m.orderId)}`,
      );
      await client.query('COMMIT');
      return {
        transactionId: txId,
        idempotencyKey: m.idempotencyKey,
        amount: m.amount,
        replayed: false,
      };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      if ((err as { code?: string }).code === '23514') {
        throw new LedgerInvariantError(
          `${kind} of ${m.amount} ${m.currency} on order ${m.orderId} refused: ${(err as Error).message}`,
        );
      }
      throw err;
    } finally {
      client.release();
    }
  }

  /** At most the payment's amount in all is taken back, checked under the order's lock. */
  private async refuseReversalAbovePayment(client: pg.PoolClient, m: Movement): Promise<void> {
    const result = await client.query(
      `SELECT COALESCE(SUM(amount) FILTER (WHERE kind = 'funding'), 0)::bigint AS paid,
              COALESCE(SUM(amount) FILTER (WHERE kind = 'reversal'), 0)::bigint AS reversed
         FROM ledger_transactions WHERE order_id = $1 AND reference = $2`,
      [m.orderId, m.reference],
    );
    const paid = Number(result.rows[0].paid);
    const reversed = Number(result.rows[0].reversed);
    if (reversed + m.amount > paid) {
      throw new LedgerInvariantError(
        `reversal of ${m.amount} ${m.currency} on payment ${m.reference} of order ${m.orderId} refused: ` +
          `the payment brought ${paid} and ${reversed} of it was reversed before`,
      );
    }
  }

  async entries(orderId: string): Promise<LedgerEntry[]> {
    const result = await this.pool.query(
      `SELECT t.id, t.idempotency_key, t.kind, t.amount, t.currency, t.reference, t.memo, t.created_at,
              json_agg(json_build_object('accountId', e.account_id, 'amount', e.amount) ORDER BY e.id) AS legs
         FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
        WHERE t.order_id = $1
        GROUP BY t.id ORDER BY t.id`,
      [orderId],
    );
    return result.rows.map((r) => ({
      transactionId: String(r.id),
      idempotencyKey: r.idempotency_key,
      kind: r.kind,
      amount: r.amount,
      currency: r.currency.trim(),
      reference: r.reference,
      memo: r.memo,
      createdAt: new Date(r.created_at).toISOString(),
      legs: r.legs,
    }));
  }

  /**
   * A line's ledger transaction, exactly once per business key: a key posted before answers with
   * its first transaction; the same key for another posting is an error. The database refuses any
   * that would take `lender:<lineId>` below zero or pay more interest than was billed.
   */
  postLine(p: LinePosting): Promise<{ transactionId: string; replayed: boolean }> {
    return againAfterClosedDay(() => this.postLineOnce(p));
  }

  private async postLineOnce(p: LinePosting): Promise<{ transactionId: string; replayed: boolean }> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(lockTotals('ledger_line_totals', 'line_id'), [p.lineId, p.currency]);
      const existing = await client.query(
        'SELECT id, line_id, kind FROM ledger_transactions WHERE idempotency_key = $1',
        [p.key],
      );
      if (existing.rows[0]) {
        await client.query('ROLLBACK');
        const row = existing.rows[0];
        if (row.line_id !== p.lineId || row.kind !== p.kind) {
          throw new LineLedgerError(
            `ledger key ${p.key} was used for ${row.kind} of ${row.line_id ?? 'an order'}`,
          );
        }
        return { transactionId: String(row.id), replayed: true };
      }
      const balance = await client.query('SELECT balance FROM ledger_accounts WHERE id = $1', [
        `lender:${p.lineId}`,
      ]);
      const { amount, legs } = legsOf(p, Number(balance.rows[0]?.balance ?? 0));
      if (amount <= 0) {
        await client.query('ROLLBACK');
        return { transactionId: '', replayed: false };
      }
      await ensureAccounts(client, legs, p.currency);
      const totals = TOTALS[p.kind];
      const txId = await insertTransaction(
        client,
        {
          idempotency_key: p.key,
          line_id: p.lineId,
          kind: p.kind,
          amount,
          currency: p.currency,
          reference: p.kind === 'repayment' ? p.reference : null,
          memo: `${p.kind} ${p.lineId}`,
        },
        legs,
        (param) =>
          totals &&
          `UPDATE ledger_line_totals SET ${totals(param, p, amount)} WHERE line_id = ${param(p.lineId)}`,
      );
      await client.query('COMMIT');
      return { transactionId: txId, replayed: false };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      if ((err as { code?: string }).code === '23514') {
        throw new LineLedgerError(`${p.kind} on line ${p.lineId} refused: ${(err as Error).message}`);
      }
      throw err;
    } finally {
      client.release();
    }
  }

  /** What the transaction of that key credited to that account; 0 when there is none. */
  async creditedBy(idempotencyKey: string, accountId: string): Promise<number> {
    const result = await this.pool.query(
      `SELECT COALESCE(SUM(e.amount), 0) AS amount
         FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
        WHERE t.idempotency_key = $1 AND e.account_id = $2 AND e.amount > 0`,
      [idempotencyKey, accountId],
    );
    return Number(result.rows[0].amount);
  }

  /** The line's ledger transactions with their legs, in commit order. */
  async lineEntries(lineId: string) {
    const result = await this.pool.query(
      `SELECT t.id, t.idempotency_key, t.kind, t.amount, t.currency, t.reference, t.created_at,
            json_agg(json_build_object('accountId', e.account_id, 'amount', e.amount) ORDER BY e.id) AS legs
       FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
      WHERE t.line_id = $1 GROUP BY t.id ORDER BY t.id`,
      [lineId],
    );
    return result.rows.map((r) => ({
      transactionId: String(r.id),
      idempotencyKey: r.idempotency_key as string,
      kind: r.kind as LinePosting['kind'],
      amount: Number(r.amount),
      currency: (r.currency as string).trim(),
      reference: r.reference as string | null,
      createdAt: new Date(r.created_at).toISOString(),
      legs: (r.legs as { accountId: string; amount: string | number }[]).map((l) => ({
        accountId: l.accountId,
        amount: Number(l.amount),
      })),
    }));
  }
}
