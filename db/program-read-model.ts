import type pg from 'pg';
import { CLOSING_EVENTS, type OrderEvent } from '../workflows/model/events.js';
import type { OrderSnapshot, Statement } from '../workflows/model/state.js';
import { orderContribution, orderMoves } from '../workflows/rules/program.js';
import { SqlParams } from './pool.js';

/**
 * The supplier program's read model: what each order contributes to its supplier's figures
 * (`supplier_orders`) and the buyer's moves that wait for the supplier (`supplier_moves`), kept
 * from the orders' stored events in the transaction that stores them, so that the profile is
 * current to the moment. Each row keeps the sequence of the event it was made from and is only
 * replaced by a later one: storing an event twice, or out of order, changes nothing. The same code
 * builds the whole model again from the stored events (`npm run program:rebuild`).
 */

const closing = new Set<string>(CLOSING_EVENTS);

/** The last event of each order in the batch: its snapshot is the order as it now stands. */
function latestPerOrder(events: readonly OrderEvent[]): OrderEvent[] {
  const latest = new Map<string, OrderEvent>();
  for (const e of events) {
    const seen = latest.get(e.orderId);
    if (!seen || seen.sequence < e.sequence) latest.set(e.orderId, e);
  }
  return [...latest.values()];
}

function contributionRow(q: SqlParams, snapshot: OrderSnapshot, sequence: number): string {
  const c = orderContribution(snapshot);
  return q.row([
    c.orderId,
    c.supplierId,
    c.currency,
    c.amount,
    sequence,
    c.closedAt ?? null,
    c.onTimeShipment.numerator,
    c.onTimeShipment.denominator,
    c.dispute.numerator,
    c.dispute.denominator,
    c.refund.numerator,
    c.refund.denominator,
    c.released,
    c.transaction,
  ]);
}

const UPSERT_CONTRIBUTIONS = (rows: string, replaceSame: boolean) => `
  INSERT INTO supplier_orders (order_id, supplier_id, currency, amount, last_sequence, closed_at,
    on_time_num, on_time_den, dispute_num, dispute_den, refund_num, refund_den, released, transaction)
  VALUES ${rows}
  ON CONFLICT (order_id) DO UPDATE SET
    last_sequence = EXCLUDED.last_sequence, closed_at = EXCLUDED.closed_at,
    on_time_num = EXCLUDED.on_time_num, on_time_den = EXCLUDED.on_time_den,
    dispute_num = EXCLUDED.dispute_num, dispute_den = EXCLUDED.dispute_den,
    refund_num = EXCLUDED.refund_num, refund_den = EXCLUDED.refund_den,
    released = EXCLUDED.released, transaction = EXCLUDED.transaction
  WHERE supplier_orders.last_sequence ${replaceSame ? '<=' : '<'} EXCLUDED.last_sequence`;

/**
 * Statements to run as parts (`WITH` items) of the statement that stores the batch: the orders'
 * contributions, and the exposure their closing events give back (docs/program.md#protection).
 */
export function readModelParts(events: readonly OrderEvent[], q: SqlParams): string[] {
  if (events.length === 0) return [];
  const rows = latestPerOrder(events).map((e) => contributionRow(q, e.snapshot, e.sequence));
  const parts = [`contributions AS (${UPSERT_CONTRIBUTIONS(rows.join(', '), false)})`];
  const closed = events.filter((e) => closing.has(e.type));
  if (closed.length > 0) {
    parts.push(
      `released AS (UPDATE supplier_exposure x SET released_at = c.at
        FROM (SELECT * FROM unnest(${q.add(closed.map((e) => e.orderId))}::text[],
                                   ${q.add(closed.map((e) => e.occurredAt))}::timestamptz[]) AS c(order_id, at)) c
        WHERE x.order_id = c.order_id AND x.released_at IS NULL)`,
    );
  }
  return parts;
}

/** Whether an order can have moves at all: a dispute, or an extension the buyer proposed. */
const mayHaveMoves = (s: OrderSnapshot) =>
  s.dispute !== undefined || s.extensions.some((e) => e.party === 'buyer');

/**
 * The moves of the batch's orders, from their latest snapshot and every statement stored so far
 * (run after the batch is stored, in its transaction). Most orders have none and cost nothing.
 */
export async function updateMoves(client: pg.ClientBase, events: readonly OrderEvent[]): Promise<void> {
  const orders = latestPerOrder(events).filter((e) => mayHaveMoves(e.snapshot));
  if (orders.length === 0) return;
  const statements = await statementsOf(
    client,
    orders.map((e) => e.orderId),
  );
  await upsertMoves(
    client,
    orders.map((e) => ({ event: e, statements: statements.get(e.orderId) ?? [] })),
    false,
  );
}

async function statementsOf(client: pg.ClientBase, orderIds: string[]): Promise<Map<string, Statement[]>> {
  const result = await client.query(
    `SELECT order_id, statement FROM order_events
     WHERE order_id = ANY($1) AND statement IS NOT NULL ORDER BY order_id, sequence`,
    [orderIds],
  );
  const byOrder = new Map<string, Statement[]>();
  for (const row of result.rows) {
    const list = byOrder.get(row.order_id) ?? [];
    list.push(row.statement as Statement);
    byOrder.set(row.order_id, list);
  }
  return byOrder;
}

async function upsertMoves(
  client: pg.ClientBase,
  orders: { event: Pick<OrderEvent, 'orderId' | 'sequence' | 'snapshot'>; statements: Statement[] }[],
  replaceSame: boolean,
): Promise<void> {
  const q = new SqlParams();
  const rows: string[] = [];
  for (const { event, statements } of orders) {
    const supplierId = event.snapshot.contract.supplier.id;
    for (const m of orderMoves(event.snapshot, statements)) {
      rows.push(
        q.row([
          m.moveId,
          supplierId,
          event.orderId,
          event.sequence,
          m.receivedAt,
          m.windowEndsAt,
          m.respondedAt ?? null,
        ]),
      );
    }
  }
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO supplier_moves (move_id, supplier_id, order_id, last_sequence, received_at, window_ends_at, responded_at)
     VALUES ${rows.join(', ')}
     ON CONFLICT (move_id) DO UPDATE SET last_sequence = EXCLUDED.last_sequence,
       window_ends_at = EXCLUDED.window_ends_at, responded_at = EXCLUDED.responded_at
     WHERE supplier_moves.last_sequence ${replaceSame ? '<=' : '<'} EXCLUDED.last_sequence`,
    q.values,
  );
}

/** Any constant shared by the processes that rebuild: one rebuild at a time. */
const REBUILD_LOCK = 7_310_255_003;
const REBUILD_PAGE = 2000;

/**
 * Builds the read model again from the stored events, a page of orders per transaction, beside
 * the events that keep arriving: a row is replaced only by one from the same or a later event.
 * Run it after a change to the program's definitions (`npm run program:rebuild`); the first start
 * after the migration that added the program runs it by itself. Answers the orders it read.
 */
export async function rebuildReadModel(
  pool: pg.Pool,
  progress: (orders: number) => void = () => {},
): Promise<number> {
  return (await rebuild(pool, progress, false)) ?? 0;
}

/** At start, after migrating: builds the read model when the migration found events it has not seen. */
export function rebuildReadModelIfNeeded(pool: pg.Pool): Promise<number | undefined> {
  return rebuild(pool, () => {}, true);
}

/**
 * On one connection from start to end (the lock, each page's transaction), so that a pool of one
 * (a process that only migrates) is enough.
 */
async function rebuild(
  pool: pg.Pool,
  progress: (orders: number) => void,
  onlyIfNeeded: boolean,
): Promise<number | undefined> {
  const client = await pool.connect();
  const needed = async () =>
    (await client.query('SELECT needs_rebuild FROM program_read_model')).rows[0]?.needs_rebuild;
  try {
    if (onlyIfNeeded && !(await needed())) return undefined;
    await client.query('SELECT pg_advisory_lock($1)', [REBUILD_LOCK]);
    // Another process may have built it while this one waited.
    if (onlyIfNeeded && !(await needed())) return undefined;
    let after = '';
    let orders = 0;
    for (;;) {
      const page = await client.query(
        `SELECT DISTINCT ON (order_id) order_id, sequence, payload FROM order_events
         WHERE order_id > $1 ORDER BY order_id, sequence DESC LIMIT $2`,
        [after, REBUILD_PAGE],
      );
      if (page.rows.length === 0) break;
      const events = page.rows.map((r) => ({
        orderId: r.order_id as string,
        sequence: r.sequence as number,
        snapshot: r.payload as OrderSnapshot,
      }));
      try {
        await client.query('BEGIN');
        const q = new SqlParams();
        const rows = events.map((e) => contributionRow(q, e.snapshot, e.sequence));
        await client.query(UPSERT_CONTRIBUTIONS(rows.join(', '), true), q.values);
        const withMoves = events.filter((e) => mayHaveMoves(e.snapshot));
        const statements = withMoves.length
          ? await statementsOf(
              client,
              withMoves.map((e) => e.orderId),
            )
          : new Map<string, Statement[]>();
        await upsertMoves(
          client,
          withMoves.map((e) => ({ event: e, statements: statements.get(e.orderId) ?? [] })),
          true,
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
      orders += events.length;
      after = events.at(-1)?.orderId ?? after;
      progress(orders);
    }
    await client.query('UPDATE program_read_model SET needs_rebuild = false');
    return orders;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [REBUILD_LOCK]).catch(() => {});
    client.release();
  }
}
