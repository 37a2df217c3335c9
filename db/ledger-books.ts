import type pg from 'pg';
import { type CanonicalEntry, GENESIS_HASH, StatementHash } from './ledger-canonical.js';

/**
 * The ledger as accounting reads it (docs/ledger.md): every transaction in commit order, balances at
 * an instant, and the daily statements with their chain. Reads only, but for closing a day.
 */

export interface ExportedTransaction {
  /** 1, 2, 3, … in commit order, without gaps: the export's cursor. */
  position: number;
  transactionId: string;
  createdAt: string;
  /** `funding`, `refund`, `release`, and whatever kinds the ledger gains. */
  kind: string;
  orderId: string;
  amount: number;
  currency: string;
  idempotencyKey: string;
  reference: string | null;
  method: string | null;
  memo: string | null;
  entries: { entryId: string; account: string; amount: number }[];
}

export interface AccountBalance {
  account: string;
  currency: string;
  balance: number;
}

export interface StatementAccount {
  account: string;
  currency: string;
  closingBalance: number;
  entries: number;
  sum: number;
}

export interface Statement {
  date: string;
  previousHash: string;
  hash: string;
  transactions: number;
  entries: number;
  closedAt: string;
}

export interface Reconciliation {
  date: string;
  /** False when there is no statement of the day. */
  closed: boolean;
  /** The day's entries and account figures are still those of its statement. */
  statementHolds: boolean;
  /** Every statement from the first to this day follows the one before and carries its hash. */
  chainHolds: boolean;
  storedHash: string | null;
  recomputedHash: string | null;
  /** Entries whose canonical line is not the one the statement hashed, or that it did not hash. */
  entries: { entryId: string; transactionId: string | null; account: string | null; problem: EntryProblem }[];
  accounts: { account: string; field: 'closingBalance' | 'entries' | 'sum'; stated: number; now: number }[];
  chain: string[];
}
export type EntryProblem = 'changed' | 'missing' | 'added';

/** Any constant shared by every process that closes days: one closer at a time. */
const CLOSING_LOCK = 7_310_255_005;
/** Lines read per query while a day is hashed. */
const DAY_BATCH = 5000;
const DAY_MS = 86_400_000;

export const dayBounds = (date: string) => {
  const from = new Date(`${date}T00:00:00.000Z`);
  return { from, to: new Date(from.getTime() + DAY_MS) };
};
const nextDay = (date: string) =>
  new Date(Date.parse(`${date}T00:00:00.000Z`) + DAY_MS).toISOString().slice(0, 10);

interface DayLine extends CanonicalEntry {
  position: number;
  entryId: string;
}

export class LedgerBooks {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Transactions after `after` in commit order. One statement, so one snapshot: it sees every
   * position up to the last it sees (the positions commit in order), and a later page goes on
   * from there without a gap or a repeat.
   */
  async transactions(q: {
    after: number;
    limit: number;
    from?: Date;
    to?: Date;
  }): Promise<ExportedTransaction[]> {
    const { rows } = await this.pool.query(
      `WITH page AS (
         SELECT c.position, t.* FROM ledger_commits c JOIN ledger_transactions t ON t.id = c.transaction_id
          WHERE c.position > $1
            AND ($2::timestamptz IS NULL OR t.created_at >= $2)
            AND ($3::timestamptz IS NULL OR t.created_at < $3)
          ORDER BY c.position LIMIT $4)
       SELECT page.*, (SELECT json_agg(json_build_object('entryId', e.id::text, 'account', e.account_id,
                                                         'amount', e.amount) ORDER BY e.id)
                         FROM ledger_entries e WHERE e.transaction_id = page.id) AS entries
         FROM page ORDER BY page.position`,
      [q.after, q.from ?? null, q.to ?? null, q.limit],
    );
    return rows.map((r) => ({
      position: r.position,
      transactionId: String(r.id),
      createdAt: new Date(r.created_at).toISOString(),
      kind: r.kind,
      orderId: r.order_id,
      amount: r.amount,
      currency: r.currency.trim(),
      idempotencyKey: r.idempotency_key,
      reference: r.reference,
      method: r.method,
      memo: r.memo,
      entries: r.entries ?? [],
    }));
  }

  /**
   * Each account's balance from the entries created at or before `asOf`, in account order after
   * `after`. Times are stored to the microsecond and shown to the millisecond: a transaction is at
   * or before the instant it is shown at.
   */
  async balances(q: { asOf: Date; after?: string; limit: number }): Promise<AccountBalance[]> {
    const { rows } = await this.pool.query(
      `SELECT a.id, a.currency, b.balance FROM ledger_accounts a
         CROSS JOIN LATERAL (
           SELECT coalesce(sum(e.amount), 0)::bigint AS balance, count(*) AS n
             FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
            WHERE e.account_id = a.id AND t.created_at < $1::timestamptz + interval '1 millisecond') b
        WHERE ($2::text IS NULL OR a.id > $2) AND b.n > 0
        ORDER BY a.id LIMIT $3`,
      [q.asOf, q.after ?? null, q.limit],
    );
    return rows.map((r) => ({ account: r.id, currency: r.currency.trim(), balance: r.balance }));
  }

  async statement(date: string): Promise<Statement | undefined> {
    const { rows } = await this.pool.query(
      `SELECT day::text AS date, previous_hash, hash, transactions, entries, closed_at
         FROM ledger_statements WHERE day = $1`,
      [date],
    );
    const r = rows[0];
    return (
      r && {
        date: r.date,
        previousHash: r.previous_hash,
        hash: r.hash,
        transactions: r.transactions,
        entries: r.entries,
        closedAt: new Date(r.closed_at).toISOString(),
      }
    );
  }

  async statementAccounts(date: string, q: { after?: string; limit: number }): Promise<StatementAccount[]> {
    const { rows } = await this.pool.query(
      `SELECT account_id, currency, closing_balance, entries, entries_sum FROM ledger_statement_accounts
        WHERE day = $1 AND ($2::text IS NULL OR account_id > $2) ORDER BY account_id LIMIT $3`,
      [date, q.after ?? null, q.limit],
    );
    return rows.map((r) => ({
      account: r.account_id,
      currency: r.currency.trim(),
      closingBalance: r.closing_balance,
      entries: r.entries,
      sum: r.entries_sum,
    }));
  }

  /**
   * Closes the day after the last statement (the first one's day is that of the ledger's first
   * transaction) when it is over; nothing when no day is due. It marks the day closed to writes
   * first: a transaction of the day still in flight is refused at its commit and retried in an open
   * day, so what is hashed here is all the day will ever hold. The statement is written in one
   * transaction; one closer at a time. A closer that dies between the two leaves the day closed to
   * writes and without a statement, which the next run writes.
   */
  async closeNextDay(): Promise<Statement | undefined> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [CLOSING_LOCK]);
      const last = (
        await client.query('SELECT day::text AS date, hash FROM ledger_statements ORDER BY day DESC LIMIT 1')
      ).rows[0] as { date: string; hash: string } | undefined;
      const date = last
        ? nextDay(last.date)
        : (
            await client.query(
              `SELECT to_char(min(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date FROM ledger_transactions`,
            )
          ).rows[0]?.date;
      const { from, to } = dayBounds(date ?? '1970-01-01');
      const now: Date = (await client.query('SELECT now() AS now')).rows[0].now;
      if (!date || to > now) {
        await client.query('ROLLBACK');
        return undefined;
      }
      // Committed on its own: the clock's row lock, which every ledger commit takes, is held for this
      // statement alone, not for the hashing. The day's statements below see every transaction of the
      // day that committed before it; any other is refused at its commit.
      await this.pool.query(
        `UPDATE ledger_clock SET open_from = GREATEST(coalesce(open_from, '-infinity'), $1::timestamptz)`,
        [to],
      );
      const previousHash = last?.hash ?? GENESIS_HASH;
      const hash = new StatementHash(date, previousHash);
      const entryIds: string[] = [];
      const digests: string[] = [];
      const transactions = new Set<string>();
      for await (const line of dayLines(client, from, to)) {
        entryIds.push(line.entryId);
        digests.push(hash.add(line));
        transactions.add(line.transactionId);
      }
      const dayHash = hash.digest();
      const statement = (
        await client.query(
          `INSERT INTO ledger_statements (day, previous_hash, hash, transactions, entries)
           VALUES ($1, $2, $3, $4, $5) RETURNING closed_at`,
          [date, previousHash, dayHash, transactions.size, entryIds.length],
        )
      ).rows[0];
      for (let i = 0; i < entryIds.length; i += DAY_BATCH) {
        await client.query(
          `INSERT INTO ledger_statement_entries (day, entry_id, digest)
           SELECT $1::date, * FROM unnest($2::bigint[], $3::text[])`,
          [date, entryIds.slice(i, i + DAY_BATCH), digests.slice(i, i + DAY_BATCH)],
        );
      }
      await client.query(
        `INSERT INTO ledger_statement_accounts (day, account_id, currency, closing_balance, entries, entries_sum)
         SELECT $1::date, f.account, f.currency, f.closing_balance, f.entries, f.entries_sum
           FROM (${FIGURES_FROM_LAST_STATEMENT}) f`,
        [date, from, to, last?.date ?? null],
      );
      await client.query('COMMIT');
      return {
        date,
        previousHash,
        hash: dayHash,
        transactions: transactions.size,
        entries: entryIds.length,
        closedAt: new Date(statement.closed_at).toISOString(),
      };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * Recomputes the day from the entries as they are now and compares it with its statement: the
   * hash, each entry's line, each account's figures (the closing balance from every entry up to the
   * day's end, not from the day before's statement), and the chain from the first statement to it.
   */
  async reconcile(date: string): Promise<Reconciliation> {
    const { from, to } = dayBounds(date);
    const stored = await this.statement(date);
    const chain = await this.chainBreaks(date);
    const report: Reconciliation = {
      date,
      closed: Boolean(stored),
      statementHolds: false,
      chainHolds: chain.length === 0,
      storedHash: stored?.hash ?? null,
      recomputedHash: null,
      entries: [],
      accounts: [],
      chain,
    };
    if (!stored) return report;
    const client = await this.pool.connect();
    try {
      // One snapshot for the lines and the figures.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const hash = new StatementHash(date, stored.previousHash);
      const digests = new Map<string, { digest: string; line: DayLine }>();
      for await (const line of dayLines(client, from, to))
        digests.set(line.entryId, { digest: hash.add(line), line });
      report.recomputedHash = hash.digest();
      const stated = await client.query(
        'SELECT entry_id::text AS entry_id, digest FROM ledger_statement_entries WHERE day = $1',
        [date],
      );
      const statedIds = new Set<string>();
      for (const { entry_id: entryId, digest } of stated.rows) {
        statedIds.add(entryId);
        const now = digests.get(entryId);
        if (now?.digest === digest) continue;
        const line = now?.line ?? (await entryNow(client, entryId));
        report.entries.push({
          entryId,
          transactionId: line?.transactionId ?? null,
          account: line?.account ?? null,
          problem: now ? 'changed' : 'missing',
        });
      }
      for (const [entryId, { line }] of digests) {
        if (!statedIds.has(entryId))
          report.entries.push({
            entryId,
            transactionId: line.transactionId,
            account: line.account,
            problem: 'added',
          });
      }
      const figures = await client.query(
        `WITH recomputed AS (${FIGURES_FROM_ENTRIES}),
              stated AS (SELECT account_id AS account, closing_balance, entries, entries_sum
                           FROM ledger_statement_accounts WHERE day = $3)
         SELECT coalesce(r.account, stated.account) AS account,
                coalesce(r.closing_balance, 0) AS now_closing, coalesce(stated.closing_balance, 0) AS stated_closing,
                coalesce(r.entries, 0) AS now_entries, coalesce(stated.entries, 0) AS stated_entries,
                coalesce(r.entries_sum, 0) AS now_sum, coalesce(stated.entries_sum, 0) AS stated_sum
           FROM recomputed r FULL JOIN stated ON stated.account = r.account
          ORDER BY 1`,
        [from, to, date],
      );
      await client.query('COMMIT');
      for (const r of figures.rows) {
        for (const [field, now, stated] of [
          ['closingBalance', r.now_closing, r.stated_closing],
          ['entries', r.now_entries, r.stated_entries],
          ['sum', r.now_sum, r.stated_sum],
        ] as const) {
          if (Number(now) !== Number(stated))
            report.accounts.push({ account: r.account, field, stated: Number(stated), now: Number(now) });
        }
      }
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
    report.statementHolds =
      report.recomputedHash === stored.hash && report.entries.length === 0 && report.accounts.length === 0;
    return report;
  }

  /** Where the chain from the first statement to `date` breaks: a missing day or a wrong previous hash. */
  private async chainBreaks(date: string): Promise<string[]> {
    const { rows } = await this.pool.query(
      'SELECT day::text AS date, previous_hash, hash FROM ledger_statements WHERE day <= $1 ORDER BY day',
      [date],
    );
    const breaks: string[] = [];
    let prior: { date: string; hash: string } | undefined;
    for (const r of rows) {
      if (!prior && r.previous_hash !== GENESIS_HASH)
        breaks.push(`the first statement (${r.date}) does not carry 64 zeros as its previous hash`);
      if (prior && r.date !== nextDay(prior.date))
        breaks.push(`no statement between ${prior.date} and ${r.date}`);
      if (prior && r.previous_hash !== prior.hash)
        breaks.push(
          `the statement of ${r.date} carries ${r.previous_hash}, not the hash of ${prior.date} (${prior.hash})`,
        );
      prior = { date: r.date, hash: r.hash };
    }
    return breaks;
  }
}

/**
 * Per account: the day's count and sum of entries, and the closing balance from the day before's
 * statement plus the day's sum ($2 = from, $3 = to, $4 = the day before's date or null). An account
 * absent from a statement held nothing and did not move.
 */
const FIGURES_FROM_LAST_STATEMENT = `
  WITH day AS (
         SELECT e.account_id AS account, count(*)::int AS entries, sum(e.amount)::bigint AS entries_sum
           FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
          WHERE t.created_at >= $2 AND t.created_at < $3 GROUP BY e.account_id),
       before AS (SELECT account_id AS account, closing_balance FROM ledger_statement_accounts WHERE day = $4)
  SELECT a.id AS account, a.currency,
         (coalesce(before.closing_balance, 0) + coalesce(day.entries_sum, 0))::bigint AS closing_balance,
         coalesce(day.entries, 0) AS entries, coalesce(day.entries_sum, 0)::bigint AS entries_sum
    FROM (SELECT account FROM day UNION SELECT account FROM before) ids
    JOIN ledger_accounts a ON a.id = ids.account
    LEFT JOIN day ON day.account = ids.account
    LEFT JOIN before ON before.account = ids.account
   WHERE day.entries > 0 OR coalesce(before.closing_balance, 0) + coalesce(day.entries_sum, 0) <> 0`;

/** The same figures from every entry up to the day's end ($1 = from, $2 = to). */
const FIGURES_FROM_ENTRIES = `
  SELECT e.account_id AS account,
         sum(e.amount)::bigint AS closing_balance,
         count(*) FILTER (WHERE t.created_at >= $1)::int AS entries,
         coalesce(sum(e.amount) FILTER (WHERE t.created_at >= $1), 0)::bigint AS entries_sum
    FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
   WHERE t.created_at < $2
   GROUP BY e.account_id
  HAVING count(*) FILTER (WHERE t.created_at >= $1) > 0 OR sum(e.amount) <> 0`;

const LINE_COLUMNS = `c.position, t.id::text AS transaction_id, e.id::text AS entry_id, t.created_at, t.kind,
  t.order_id, e.account_id, e.amount, t.currency, t.idempotency_key, t.reference, t.method`;

const toLine = (r: Record<string, unknown>): DayLine => ({
  position: r.position as number,
  entryId: r.entry_id as string,
  transactionId: r.transaction_id as string,
  createdAt: new Date(r.created_at as Date).toISOString(),
  kind: r.kind as string,
  orderId: r.order_id as string,
  account: r.account_id as string,
  amount: r.amount as number,
  currency: (r.currency as string).trim(),
  idempotencyKey: r.idempotency_key as string,
  reference: r.reference as string | null,
  method: r.method as string | null,
});

/** The day's entries in canonical order: commit position, then entry id. */
async function* dayLines(client: pg.PoolClient, from: Date, to: Date): AsyncGenerator<DayLine> {
  let after: [number, string] = [0, '0'];
  for (;;) {
    const { rows } = await client.query(
      `SELECT ${LINE_COLUMNS}
         FROM ledger_commits c JOIN ledger_transactions t ON t.id = c.transaction_id
         JOIN ledger_entries e ON e.transaction_id = t.id
        WHERE t.created_at >= $1 AND t.created_at < $2 AND (c.position, e.id) > ($3, $4::bigint)
        ORDER BY c.position, e.id LIMIT $5`,
      [from, to, after[0], after[1], DAY_BATCH],
    );
    for (const r of rows) yield toLine(r);
    const last = rows.at(-1);
    if (rows.length < DAY_BATCH || !last) return;
    after = [last.position, last.entry_id];
  }
}

/** An entry the statement hashed that is no longer in the day: where it is now, if anywhere. */
async function entryNow(client: pg.PoolClient, entryId: string): Promise<DayLine | undefined> {
  const { rows } = await client.query(
    `SELECT ${LINE_COLUMNS}
       FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
       LEFT JOIN ledger_commits c ON c.transaction_id = t.id
      WHERE e.id = $1`,
    [entryId],
  );
  return rows[0] && toLine(rows[0]);
}
