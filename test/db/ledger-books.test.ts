import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExportedTransaction, LedgerBooks } from '../../db/ledger-books.js';
import type { Movement } from '../../db/payments-gateway.js';
import { createPool } from '../../db/pool.js';
import { PostgresLedger } from '../../db/postgres-ledger.js';
import { generateLedgerDay } from '../../scripts/bench/ledger-data.js';
import { createDatabase } from '../support/databases.js';

/*
 * A database of its own: the export's positions and the closed days are the whole ledger's, and a
 * closed day refuses what the other files would write into it.
 */
let db: Awaited<ReturnType<typeof createDatabase>>;
let pool: pg.Pool;
let ledger: PostgresLedger;
let books: LedgerBooks;
beforeAll(async () => {
  db = await createDatabase();
  pool = createPool(db.url, 12);
  ledger = new PostgresLedger(pool);
  books = new LedgerBooks(pool);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const funding = (orderId: string, reference: string, amount = 500): Movement => ({
  idempotencyKey: `${orderId}:payment:${reference}`,
  orderId,
  buyerId: 'buyer-X',
  supplierId: 'supplier-X',
  currency: 'EUR',
  amount,
  reference,
  memo: 'payment',
});

/** A funding written by hand in a transaction left open: it has its id, and no commit position yet. */
async function fundingInFlight(orderId: string, createdAt?: Date) {
  const client = await pool.connect();
  await client.query('BEGIN');
  await client.query("INSERT INTO ledger_order_totals (order_id, currency, funded) VALUES ($1, 'EUR', 500)", [
    orderId,
  ]);
  await client.query(
    `INSERT INTO ledger_accounts (id, kind, owner_id, currency, balance) VALUES
       ($1, 'escrow', $2, 'EUR', 500), ('buyer:buyer-H:EUR', 'buyer', 'buyer-H', 'EUR', 0)
     ON CONFLICT (id) DO NOTHING`,
    [`escrow:${orderId}`, orderId],
  );
  const { rows } = await client.query(
    `INSERT INTO ledger_transactions (idempotency_key, order_id, kind, amount, currency, reference, created_at)
     VALUES ($1, $2, 'funding', 500, 'EUR', 'held', coalesce($3, now())) RETURNING id::text AS id`,
    [`${orderId}:payment:held`, orderId, createdAt ?? null],
  );
  await client.query(
    "INSERT INTO ledger_entries (transaction_id, account_id, amount) VALUES ($1, 'buyer:buyer-H:EUR', -500), ($1, $2, 500)",
    [rows[0].id, `escrow:${orderId}`],
  );
  return { client, transactionId: rows[0].id as string };
}

/** Every page after `after` until one comes back empty. */
async function readAll(after: number, limit: number): Promise<ExportedTransaction[]> {
  const all: ExportedTransaction[] = [];
  for (;;) {
    const page = await books.transactions({ after, limit });
    if (page.length === 0) return all;
    all.push(...page);
    after = page.at(-1)?.position ?? after;
  }
}

describe('the ledger export', () => {
  it('goes by commit position, not by id: a transaction that commits late is read late, never skipped', async () => {
    const start = (await readAll(0, 1000)).at(-1)?.position ?? 0;
    const held = await fundingInFlight(`X-${randomUUID()}`);
    const later = await ledger.creditEscrow(funding(`X-${randomUUID()}`, 'quick'));
    // The held transaction took its id first; the quick one committed first.
    expect(BigInt(held.transactionId)).toBeLessThan(BigInt(later.transactionId));

    const first = await books.transactions({ after: start, limit: 10 });
    expect(first.map((t) => [t.position, t.transactionId])).toEqual([[start + 1, later.transactionId]]);
    // A reader paging by id would have passed the held id here, and never come back for it.
    await held.client.query('COMMIT');
    held.client.release();
    const second = await books.transactions({ after: start + 1, limit: 10 });
    expect(second.map((t) => [t.position, t.transactionId])).toEqual([[start + 2, held.transactionId]]);
    expect(second[0]?.entries.map((e) => [e.account, e.amount])).toEqual([
      ['buyer:buyer-H:EUR', -500],
      [expect.stringMatching(/^escrow:X-/), 500],
    ]);
  });

  it('pages without a gap or a repeat while writers commit concurrently', async () => {
    const start = (await readAll(0, 1000)).at(-1)?.position ?? 0;
    const writers = 6;
    const each = 40;
    let writing = true;
    const committed: string[] = [];
    const writes = Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < each; i++) {
          const orderId = `C-${w}-${i}-${randomUUID()}`;
          const r = await ledger.creditEscrow(funding(orderId, `w${w}-${i}`, 100 + i));
          committed.push(r.transactionId);
          if (i % 3 === 0)
            committed.push(
              (
                await ledger.refundBuyer({
                  ...funding(orderId, 'r', 50),
                  idempotencyKey: `${orderId}:refund`,
                })
              ).transactionId,
            );
        }
      }),
    ).finally(() => {
      writing = false;
    });
    // Small pages, read as fast as the writers commit.
    const read: ExportedTransaction[] = [];
    let after = start;
    let pages = 0;
    while (writing || pages === 0) {
      const page = await books.transactions({ after, limit: 7 });
      pages++;
      read.push(...page);
      after = page.at(-1)?.position ?? after;
    }
    await writes;
    read.push(...(await readAll(after, 7)));

    const positions = read.map((t) => t.position);
    expect(positions).toEqual(Array.from({ length: committed.length }, (_, i) => start + 1 + i));
    expect(new Set(read.map((t) => t.transactionId))).toEqual(new Set(committed));
    expect(read.length).toBe(committed.length);
    // The ids of concurrent writers interleave: commit order is not id order.
    const ids = read.map((t) => BigInt(t.transactionId));
    const outOfIdOrder = ids.filter((id, i) => i > 0 && id < (ids[i - 1] as bigint)).length;
    console.log(
      `${read.length} transactions in ${pages} pages while ${writers} writers committed; ${outOfIdOrder} read after a higher id`,
    );
    for (const t of read) expect(t.entries.reduce((s, e) => s + e.amount, 0)).toBe(0);
  });
});

describe('closing a day', () => {
  it('refuses a transaction of the day still in flight when the day closed, and leaves the day as hashed', async () => {
    // Days before every other test's: the first statement is the ledger's first day.
    await generateLedgerDay(pool, {
      date: '2026-01-10',
      prefix: `g-${randomUUID().slice(0, 6)}-`,
      orders: 3,
    });
    const held = await fundingInFlight(`X-${randomUUID()}`, new Date('2026-01-10T23:59:59.900Z'));
    const statement = await books.closeNextDay();
    expect(statement).toMatchObject({ date: '2026-01-10', transactions: 6, entries: 12 });
    await expect(held.client.query('COMMIT')).rejects.toMatchObject({ code: '40001' });
    held.client.release();
    const report = await books.reconcile('2026-01-10');
    expect(report).toMatchObject({ statementHolds: true, chainHolds: true, entries: [], accounts: [] });
    expect(report.recomputedHash).toBe(statement?.hash);
    // Nothing may be written into the closed day, by the engine or by hand.
    await expect(
      generateLedgerDay(pool, { date: '2026-01-10', prefix: `late-${randomUUID().slice(0, 6)}-`, orders: 1 }),
    ).rejects.toThrow(/closed by its statement/);
  });

  it('chains each day to the one before in the database', async () => {
    await generateLedgerDay(pool, {
      date: '2026-01-12',
      prefix: `g-${randomUUID().slice(0, 6)}-`,
      orders: 2,
    });
    const eleventh = await books.closeNextDay();
    const twelfth = await books.closeNextDay();
    expect(eleventh).toMatchObject({ date: '2026-01-11', transactions: 0, entries: 0 });
    expect(twelfth).toMatchObject({ date: '2026-01-12', previousHash: eleventh?.hash, transactions: 4 });
    await expect(
      pool.query(
        "INSERT INTO ledger_statements (day, previous_hash, hash, transactions, entries) VALUES ('2026-01-14', $1, $1, 0, 0)",
        [twelfth?.hash],
      ),
    ).rejects.toThrow(/must follow the statement of 2026-01-12/);
    await expect(pool.query("DELETE FROM ledger_statements WHERE day = '2026-01-11'")).rejects.toThrow(
      /append-only/,
    );
  });
});

describe('the fee account and reversals in the books', () => {
  it('exports a release’s fee leg and a reversal, and lists fees:<currency> among the balances', async () => {
    const start = (await readAll(0, 1000)).at(-1)?.position ?? 0;
    const orderId = `X-${randomUUID()}`;
    await ledger.creditEscrow(funding(orderId, 'wire-f', 1000));
    await ledger.reverseFunding({
      ...funding(orderId, 'wire-f', 100),
      idempotencyKey: `${orderId}:reversal:wire-f:1`,
    });
    await ledger.releaseToSupplier({
      ...funding(orderId, 'wire-f', 900),
      idempotencyKey: `${orderId}:release`,
      fee: 90,
    });
    const exported = (await readAll(start, 1000)).filter((t) => t.orderId === orderId);
    expect(exported.map((t) => [t.kind, t.amount, t.entries.map((e) => [e.account, e.amount])])).toEqual([
      [
        'funding',
        1000,
        [
          ['buyer:buyer-X:EUR', -1000],
          [`escrow:${orderId}`, 1000],
        ],
      ],
      [
        'reversal',
        100,
        [
          [`escrow:${orderId}`, -100],
          ['buyer:buyer-X:EUR', 100],
        ],
      ],
      [
        'release',
        900,
        [
          [`escrow:${orderId}`, -900],
          ['supplier:supplier-X:EUR', 810],
          ['fees:EUR', 90],
        ],
      ],
    ]);
    const balances = await books.balances({ asOf: new Date(), limit: 1000 });
    // The file's database is its own: this is its only fee.
    expect(balances.find((b) => b.account === 'fees:EUR')?.balance).toBe(90);
    expect(balances.find((b) => b.account === `escrow:${orderId}`)?.balance).toBe(0);
    const eur = balances.filter((b) => b.currency === 'EUR').reduce((n, b) => n + Number(b.balance), 0);
    expect(eur).toBe(0);
  });
});
