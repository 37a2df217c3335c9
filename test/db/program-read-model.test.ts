import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROGRAM_SETTINGS } from '../../config/program.js';
import { migrate } from '../../db/migrate.js';
import { OrderEventStore } from '../../db/order-event-store.js';
import { createPool } from '../../db/pool.js';
import { rebuildReadModel } from '../../db/program-read-model.js';
import { SupplierProgram } from '../../db/supplier-program.js';
import { type OrderEvent, orderEventId } from '../../workflows/model/events.js';
import { type OrderSnapshot, openingSnapshot } from '../../workflows/model/state.js';
import { ContractInputSchema, normalizeContract } from '../../workflows/schemas/contract.js';
import { createDatabase } from '../support/databases.js';
import { testContract } from '../support/harness.js';

const ROOT = join(import.meta.dirname, '../..');

let db: { url: string; drop(): Promise<void> };
let pool: pg.Pool;
beforeAll(async () => {
  db = await createDatabase();
  pool = createPool(db.url, 3);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

/** An order of the supplier as its events carry it: created, then released once delivered. */
function released(supplierId: string): { created: OrderEvent; closed: OrderEvent } {
  const contract = normalizeContract(
    ContractInputSchema.parse(testContract({ supplier: { id: supplierId }, amount: 300_000 })),
    new Date(),
  );
  const opening = openingSnapshot(contract);
  const now = new Date().toISOString();
  const closed: OrderSnapshot = {
    ...structuredClone(opening),
    status: 'closed',
    outcome: 'released',
    reason: 'buyer_accepted',
    funded: 300_000,
    fundedAt: now,
    shipment: { carrier: 'Maersk', trackingNumber: 'M1', shippedAt: now },
    delivery: { deliveredAt: now },
    payouts: [{ kind: 'release', amount: 300_000, idempotencyKey: 'k', transactionId: '1', at: now }],
    closedAt: now,
  };
  const event = (sequence: number, type: OrderEvent['type'], snapshot: OrderSnapshot): OrderEvent => ({
    id: orderEventId(contract.orderId, sequence),
    orderId: contract.orderId,
    sequence,
    type,
    occurredAt: now,
    snapshot,
  });
  return { created: event(1, 'order.created', opening), closed: event(2, 'order.released', closed) };
}

const contributions = async (supplierId: string) =>
  (
    await pool.query(
      `SELECT order_id, last_sequence, closed_at IS NOT NULL AS closed, on_time_num, on_time_den, released, transaction
       FROM supplier_orders WHERE supplier_id = $1 ORDER BY order_id`,
      [supplierId],
    )
  ).rows;

describe("the program's read model", () => {
  it('follows the stored events, once per event, and gives the exposure back at the close', async () => {
    const program = new SupplierProgram(pool, DEFAULT_PROGRAM_SETTINGS);
    const events = new OrderEventStore(pool);
    await program.put('rm-supplier', { name: 'Mill', country: 'DE', enrolled: true }, new Date());
    const order = released('rm-supplier');
    const reserved = await program.reserve(
      { orderId: order.created.orderId, supplierId: 'rm-supplier', currency: 'USD', amount: 300_000 },
      new Date(),
    );
    expect(reserved.outcome).toBe('reserved');
    await events.recordAll([order.created]);
    expect(await contributions('rm-supplier')).toEqual([
      expect.objectContaining({ last_sequence: 1, closed: false, released: 0 }),
    ]);
    await events.recordAll([order.closed]);
    const closed = [
      {
        order_id: order.created.orderId,
        last_sequence: 2,
        closed: true,
        on_time_num: 1,
        on_time_den: 1,
        released: 300_000,
        transaction: true,
      },
    ];
    expect(await contributions('rm-supplier')).toEqual(closed);
    // Stored again, or an earlier event arriving late: nothing changes.
    await events.recordAll([order.closed]);
    await events.recordAll([order.created]);
    expect(await contributions('rm-supplier')).toEqual(closed);
    const record = await program.record('rm-supplier', new Date());
    expect(record?.limits).toEqual([{ currency: '*', limit: 500_000, exposure: 0, available: 500_000 }]);
    expect(record?.metrics.last12Months).toMatchObject({
      transactions: 1,
      value: [{ currency: 'USD', amount: 300_000 }],
    });
  });

  it('is built again from the events by npm run program:rebuild', async () => {
    const before = await contributions('rm-supplier');
    await pool.query('DELETE FROM supplier_orders');
    expect(await rebuildReadModel(pool)).toBeGreaterThanOrEqual(1);
    expect(await contributions('rm-supplier')).toEqual(before);
    await pool.query('DELETE FROM supplier_orders');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/program-rebuild.ts'],
      { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url } },
    );
    expect(stdout).toMatch(/read model rebuilt from the events of \d+ orders/);
    expect(await contributions('rm-supplier')).toEqual(before);
  });
});

describe('the migration that adds the program', () => {
  it('counts the orders open before it in their supplier’s exposure, and builds the read model', async () => {
    const older = await createDatabase();
    const oldPool = createPool(older.url, 1);
    try {
      // The database as the release before the program left it: the program's tables gone again.
      await oldPool.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      await oldPool.query(
        'CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const dir = join(ROOT, 'db/migrations');
      for (const file of (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()) {
        if (file >= '004') break;
        await oldPool.query(await readFile(join(dir, file), 'utf8'));
        await oldPool.query('INSERT INTO schema_migrations (version) VALUES ($1)', [
          file.replace(/\.sql$/, ''),
        ]);
      }
      const open = released('old-supplier');
      const done = released('old-supplier');
      for (const e of [open.created, done.created, done.closed]) {
        await oldPool.query(
          `INSERT INTO order_events (id, order_id, sequence, type, occurred_at, payload) VALUES ($1, $2, $3, $4, $5, $6)`,
          [e.id, e.orderId, e.sequence, e.type, e.occurredAt, JSON.stringify(e.snapshot)],
        );
      }

      expect(await migrate(oldPool)).toEqual(expect.arrayContaining(['004_supplier_program']));
      const exposure = await oldPool.query(
        'SELECT order_id, supplier_id, currency, amount, released_at FROM supplier_exposure',
      );
      expect(exposure.rows).toEqual([
        {
          order_id: open.created.orderId,
          supplier_id: 'old-supplier',
          currency: 'USD',
          amount: 300_000,
          released_at: null,
        },
      ]);
      const model = await oldPool.query(
        'SELECT order_id, closed_at IS NOT NULL AS closed FROM supplier_orders ORDER BY closed',
      );
      expect(model.rows).toEqual([
        { order_id: open.created.orderId, closed: false },
        { order_id: done.created.orderId, closed: true },
      ]);
      expect((await oldPool.query('SELECT needs_rebuild FROM program_read_model')).rows).toEqual([
        { needs_rebuild: false },
      ]);
      // The open order closing gives its exposure back, as an order created since would.
      await new OrderEventStore(oldPool).recordAll([open.closed]);
      expect(
        (await oldPool.query('SELECT released_at FROM supplier_exposure')).rows[0].released_at,
      ).toBeInstanceOf(Date);
    } finally {
      await oldPool.end();
      await older.drop();
    }
  });
});
