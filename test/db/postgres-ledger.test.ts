import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../../db/migrate.js';
import { IdempotencyKeyReusedError, LedgerInvariantError, type Movement } from '../../db/payments-gateway.js';
import { createPool } from '../../db/pool.js';
import { PostgresLedger } from '../../db/postgres-ledger.js';

let pool: pg.Pool;
let ledger: PostgresLedger;
beforeAll(() => {
  pool = createPool(inject('databaseUrl'), 4);
  ledger = new PostgresLedger(pool);
});
afterAll(() => pool?.end());

const movement = (orderId: string, step: string, amount: number): Movement => ({
  idempotencyKey: `${orderId}:${step}`,
  orderId,
  buyerId: 'buyer-L',
  supplierId: 'supplier-L',
  currency: 'EUR',
  amount,
  memo: step,
});

async function balances(orderId: string) {
  const rows = await pool.query(
    'SELECT funded, refunded, released FROM ledger_order_totals WHERE order_id = $1',
    [orderId],
  );
  const escrow = await pool.query('SELECT balance FROM ledger_accounts WHERE id = $1', [`escrow:${orderId}`]);
  return { ...rows.rows[0], escrow: escrow.rows[0]?.balance };
}

describe('PostgreSQL double-entry ledger', () => {
  it('records funding and payouts as balanced transactions', async () => {
    const orderId = `L-${randomUUID()}`;
    await ledger.creditEscrow(movement(orderId, 'payment:w1', 600));
    await ledger.creditEscrow(movement(orderId, 'payment:w2', 400));
    await ledger.refundBuyer(movement(orderId, 'refund', 250));
    await ledger.releaseToSupplier(movement(orderId, 'release', 750));
    expect(await balances(orderId)).toEqual({ funded: 1000, refunded: 250, released: 750, escrow: 0 });
    const entries = await ledger.entries(orderId);
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([
      ['funding', 600],
      ['funding', 400],
      ['refund', 250],
      ['release', 750],
    ]);
    for (const e of entries) expect(e.legs.reduce((sum, leg) => sum + leg.amount, 0)).toBe(0);
    expect(entries[3]?.legs).toEqual([
      { accountId: `escrow:${orderId}`, amount: -750 },
      { accountId: 'supplier:supplier-L:EUR', amount: 750 },
    ]);
  });

  it('answers a retried movement with the first result and no second entry', async () => {
    const orderId = `L-${randomUUID()}`;
    const first = await ledger.creditEscrow(movement(orderId, 'payment:w1', 500));
    const again = await Promise.all(
      [1, 2, 3].map(() => ledger.creditEscrow(movement(orderId, 'payment:w1', 500))),
    );
    expect(first.replayed).toBe(false);
    for (const r of again) expect(r).toMatchObject({ transactionId: first.transactionId, replayed: true });
    expect(await ledger.entries(orderId)).toHaveLength(1);
  });

  it('refuses a key reused with another amount, changing nothing', async () => {
    const orderId = `L-${randomUUID()}`;
    await ledger.creditEscrow(movement(orderId, 'payment:w1', 500));
    await expect(ledger.creditEscrow(movement(orderId, 'payment:w1', 501))).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    expect(await balances(orderId)).toMatchObject({ funded: 500, escrow: 500 });
  });

  it('refuses payouts beyond what was funded, in the database transaction', async () => {
    const orderId = `L-${randomUUID()}`;
    await ledger.creditEscrow(movement(orderId, 'payment:w1', 500));
    await expect(ledger.releaseToSupplier(movement(orderId, 'release', 501))).rejects.toBeInstanceOf(
      LedgerInvariantError,
    );
    await ledger.refundBuyer(movement(orderId, 'refund', 300));
    await expect(ledger.releaseToSupplier(movement(orderId, 'release', 201))).rejects.toBeInstanceOf(
      LedgerInvariantError,
    );
    expect(await balances(orderId)).toEqual({ funded: 500, refunded: 300, released: 0, escrow: 200 });
    expect(await ledger.entries(orderId)).toHaveLength(2);
  });

  it('enforces balance and append-only rules even against direct SQL', async () => {
    const orderId = `L-${randomUUID()}`;
    const tx = await ledger.creditEscrow(movement(orderId, 'payment:w1', 500));
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        'INSERT INTO ledger_entries (transaction_id, account_id, amount) VALUES ($1, $2, 7)',
        [tx.transactionId, `escrow:${orderId}`],
      );
      await expect(client.query('COMMIT')).rejects.toThrow(/does not balance/);
    } finally {
      client.release();
    }
    await expect(
      pool.query('DELETE FROM ledger_entries WHERE transaction_id = $1', [tx.transactionId]),
    ).rejects.toThrow(/append-only/);
    await expect(
      pool.query('UPDATE ledger_accounts SET balance = -1 WHERE id = $1', [`escrow:${orderId}`]),
    ).rejects.toThrow(/escrow_balance_never_negative/);
  });

  it('survives the server dropping a checked-out connection, and the next movement goes through', async () => {
    // What a PostgreSQL restart does to a worker between two statements of a ledger movement: pg
    // emits 'error' on the checked-out client, which used to be unhandled and killed the process.
    const own = createPool(inject('databaseUrl'), 1);
    const client = await own.connect();
    await client.query('BEGIN');
    const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
    await pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    await new Promise((r) => setTimeout(r, 300));
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release();
    const orderId = `L-${randomUUID()}`;
    const result = await new PostgresLedger(own).creditEscrow(movement(orderId, 'payment:after-drop', 500));
    expect(result.replayed).toBe(false);
    await own.end();
  });

  it('ends a session cut off in the middle of a ledger movement, so that its retry gets the locks', async () => {
    // A worker partitioned from PostgreSQL between two statements of a movement leaves its session
    // idle in a transaction, holding the order's rows; the retry of that movement on another worker
    // waited on them until TCP gave up (issue 29's soak). The pool's sessions may not idle so.
    const orderId = `L-${randomUUID()}`;
    await ledger.creditEscrow(movement(orderId, 'payment:w1', 1000));
    const cut = createPool(inject('databaseUrl'), 1);
    const stranded = await cut.connect();
    await stranded.query('BEGIN');
    await stranded.query('SELECT 1 FROM ledger_order_totals WHERE order_id = $1 FOR UPDATE', [orderId]);
    // Never another word from it: the retry goes through once the server has ended that session.
    const retry = await ledger.refundBuyer(movement(orderId, 'refund', 1000));
    expect(retry.replayed).toBe(false);
    expect(await balances(orderId)).toMatchObject({ funded: 1000, refunded: 1000, escrow: 0 });
    // The server ended the stranded session: its client is not queryable any more.
    await expect(stranded.query('SELECT 1')).rejects.toThrow(/connection error|idle-in-transaction/);
    stranded.release(true);
    await cut.end();
  });

  it('migrations are idempotent', async () => {
    expect(await migrate(pool)).toEqual([]);
    const versions = await pool.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.rows.map((r) => r.version)).toContain('001_ledger');
  });
});

describe('the fee account and reversals (docs/ledger.md#fees, docs/ledger.md#reversals)', () => {
  const withReference = (m: Movement, reference: string): Movement => ({ ...m, reference });

  it('pays a release and its commission in one balanced transaction, once under its key', async () => {
    const orderId = `L-${randomUUID()}`;
    await ledger.creditEscrow(movement(orderId, 'payment:w1', 1000));
    const release = { ...movement(orderId, 'release', 1000), fee: 25 };
    const first = await ledger.releaseToSupplier(release);
    const again = await ledger.releaseToSupplier(release);
    expect(again).toEqual({ ...first, replayed: true });
    const entries = await ledger.entries(orderId);
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([
      ['funding', 1000],
      ['release', 1000],
    ]);
    expect(entries[1]?.legs).toEqual([
      { accountId: `escrow:${orderId}`, amount: -1000 },
      { accountId: 'supplier:supplier-L:EUR', amount: 975 },
      { accountId: 'fees:EUR', amount: 25 },
    ]);
    // The same key with another fee is a reuse, not a retry.
    await expect(ledger.releaseToSupplier({ ...release, fee: 30 })).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    await expect(ledger.releaseToSupplier({ ...movement(orderId, 'release', 1000) })).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    expect(await balances(orderId)).toEqual({ funded: 1000, refunded: 0, released: 1000, escrow: 0 });
  });

  it('refuses a fee above the release or on any other movement', async () => {
    const orderId = `L-${randomUUID()}`;
    await ledger.creditEscrow(movement(orderId, 'payment:w1', 1000));
    await expect(
      ledger.releaseToSupplier({ ...movement(orderId, 'release', 100), fee: 101 }),
    ).rejects.toBeInstanceOf(LedgerInvariantError);
    await expect(ledger.refundBuyer({ ...movement(orderId, 'refund', 100), fee: 1 })).rejects.toBeInstanceOf(
      LedgerInvariantError,
    );
    expect(await ledger.entries(orderId)).toHaveLength(1);
  });

  it('keeps the fee account from going below zero, even against direct SQL', async () => {
    const orderId = `L-${randomUUID()}`;
    await ledger.creditEscrow(movement(orderId, 'payment:w1', 1000));
    await ledger.releaseToSupplier({ ...movement(orderId, 'release', 1000), fee: 10 });
    await expect(pool.query("UPDATE ledger_accounts SET balance = -1 WHERE id = 'fees:EUR'")).rejects.toThrow(
      /fees_balance_never_negative/,
    );
    const kind = await pool.query("SELECT kind FROM ledger_accounts WHERE id = 'fees:EUR'");
    expect(kind.rows[0]?.kind).toBe('fees');
  });

  it('takes a reversal out of escrow back to the buyer, at most the payment in all', async () => {
    const orderId = `L-${randomUUID()}`;
    await ledger.creditEscrow(withReference(movement(orderId, 'payment:w1', 600), 'w1'));
    await ledger.creditEscrow(withReference(movement(orderId, 'payment:w2', 400), 'w2'));
    await ledger.reverseFunding(withReference(movement(orderId, 'reversal:w1:1', 200), 'w1'));
    await ledger.reverseFunding(withReference(movement(orderId, 'reversal:w1:2', 400), 'w1'));
    await expect(
      ledger.reverseFunding(withReference(movement(orderId, 'reversal:w1:3', 1), 'w1')),
    ).rejects.toThrow(/at most|brought 600/);
    await expect(
      ledger.reverseFunding(withReference(movement(orderId, 'reversal:nope:1', 1), 'nope')),
    ).rejects.toBeInstanceOf(LedgerInvariantError);
    const entries = await ledger.entries(orderId);
    expect(entries.map((e) => [e.kind, e.amount, e.reference])).toEqual([
      ['funding', 600, 'w1'],
      ['funding', 400, 'w2'],
      ['reversal', 200, 'w1'],
      ['reversal', 400, 'w1'],
    ]);
    expect(entries[2]?.legs).toEqual([
      { accountId: `escrow:${orderId}`, amount: -200 },
      { accountId: 'buyer:buyer-L:EUR', amount: 200 },
    ]);
    const totals = await pool.query('SELECT reversed FROM ledger_order_totals WHERE order_id = $1', [
      orderId,
    ]);
    expect(totals.rows[0]?.reversed).toBe(400 + 200);
    expect((await balances(orderId)).escrow).toBe(400);
  });

  it('refuses a reversal after the payout took escrow: escrow never goes below zero', async () => {
    const orderId = `L-${randomUUID()}`;
    await ledger.creditEscrow(withReference(movement(orderId, 'payment:w1', 1000), 'w1'));
    await ledger.releaseToSupplier({ ...movement(orderId, 'release', 1000), fee: 50 });
    await expect(
      ledger.reverseFunding(withReference(movement(orderId, 'reversal:w1:1', 300), 'w1')),
    ).rejects.toThrow(/escrow_balance_never_negative|payouts_never_exceed_funding/);
    expect(await balances(orderId)).toEqual({ funded: 1000, refunded: 0, released: 1000, escrow: 0 });
    expect((await ledger.entries(orderId)).map((e) => e.kind)).toEqual(['funding', 'release']);
  });
});
