import type pg from 'pg';
import type { CreditLineEvent, CreditLineView } from '../workflows/credit-line/model/events.js';
import { CLOSING_EVENTS, type OrderEvent } from '../workflows/model/events.js';
import type { SupplierEvent } from '../workflows/model/program.js';
import type { OrderSnapshot, Statement } from '../workflows/model/state.js';
import { inTransaction, SqlParams } from './pool.js';
import { readModelParts, updateMoves } from './program-read-model.js';

interface Stored {
  /** Position in the global feed: the cursor of `GET /v1/events?after=`. */
  position: number;
  recordedAt: string;
}
export interface StoredOrderEvent extends OrderEvent, Stored {}
export interface StoredSupplierEvent extends SupplierEvent, Stored {}
/** A credit line's event as the feed and the webhooks carry it (docs/credit.md#events). */
export interface LineFeedEvent {
  id: string;
  lineId: string;
  sequence: number;
  type: CreditLineEvent['type'];
  occurredAt: string;
  data: { line: CreditLineView; detail?: Record<string, unknown> };
}
export interface StoredLineEvent extends LineFeedEvent, Stored {}
/** The feed holds the events of orders, of suppliers (docs/program.md#events) and of credit lines. */
export type StoredFeedEvent = StoredOrderEvent | StoredSupplierEvent | StoredLineEvent;
/** What the delivery of supplier events sends: every event that names no order. */
export type StoredOtherEvent = StoredSupplierEvent | StoredLineEvent;

type AnyEvent = OrderEvent | SupplierEvent | LineFeedEvent;
export const isSupplierEvent = <E extends AnyEvent>(e: E): e is Extract<E, SupplierEvent> =>
  'supplierId' in e;
export const isLineEvent = <E extends AnyEvent>(e: E): e is Extract<E, LineFeedEvent> => 'lineId' in e;
export const isOrderEvent = <E extends AnyEvent>(e: E): e is Extract<E, OrderEvent> =>
  !('supplierId' in e) && !('lineId' in e);

/** Any constant shared by every process that records events. */
const FEED_LOCK = 7_310_255_002;

/**
 * One statement for the whole batch: rows are numbered, and so given feed positions, in its order.
 * The program's read model and the exposure of closing orders change in the same statement
 * (program-read-model.ts); the moves of orders in a dispute follow in the same transaction.
 */
async function insert(client: pg.PoolClient, events: readonly OrderEvent[]) {
  const q = new SqlParams();
  const rows = events.map((event) =>
    q.row([
      event.id,
      event.orderId,
      event.sequence,
      event.type,
      event.occurredAt,
      JSON.stringify(event.snapshot),
      event.statement ? JSON.stringify(event.statement) : null,
    ]),
  );
  const parts = [
    `stored AS (INSERT INTO order_events (id, order_id, sequence, type, occurred_at, payload, statement)
     VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING)`,
    ...readModelParts(events, q),
  ];
  await client.query(`WITH ${parts.join(', ')} SELECT 1`, q.values);
  await updateMoves(client, events);
}

/**
 * Stores supplier events in the transaction of the change they announce, in the order given,
 * after taking the feed's lock: the caller commits right after, so as to hold it briefly.
 */
export async function insertSupplierEvents(client: pg.ClientBase, events: readonly SupplierEvent[]) {
  if (events.length === 0) return;
  await client.query('SELECT pg_advisory_xact_lock($1)', [FEED_LOCK]);
  await client.query(
    `INSERT INTO order_events (id, supplier_id, sequence, type, occurred_at, payload)
     SELECT id, supplier_id, sequence, type, occurred_at, payload
     FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::jsonb[])
       WITH ORDINALITY AS e(id, supplier_id, sequence, type, occurred_at, payload, n)
     ORDER BY n`,
    [
      events.map((e) => e.id),
      events.map((e) => e.supplierId),
      events.map((e) => e.sequence),
      events.map((e) => e.type),
      events.map((e) => e.occurredAt),
      events.map((e) => JSON.stringify(e.data)),
    ],
  );
}

/**
 * Stores a line's events in the order given, each once per (line, sequence), after taking the
 * feed's lock so that positions commit in the order they are assigned.
 */
async function insertLineEvents(client: pg.ClientBase, events: readonly CreditLineEvent[]) {
  await client.query('SELECT pg_advisory_xact_lock($1)', [FEED_LOCK]);
  await client.query(
    `INSERT INTO order_events (id, line_id, sequence, type, occurred_at, payload)
     SELECT id, line_id, sequence, type, occurred_at, payload
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::jsonb[])
         WITH ORDINALITY AS e(id, line_id, sequence, type, occurred_at, payload, n)
      ORDER BY n
     ON CONFLICT DO NOTHING`,
    [
      events.map((e) => e.id),
      events.map((e) => e.lineId),
      events.map((e) => e.sequence),
      events.map((e) => e.type),
      events.map((e) => e.occurredAt),
      events.map((e) => JSON.stringify({ line: e.line, ...(e.detail && { detail: e.detail }) })),
    ],
  );
}

/** The order events in PostgreSQL: stored exactly once per (order, sequence). */
export class OrderEventStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Stores the event unless its (order, sequence) is already there, and answers with what is stored. */
  async record(event: OrderEvent): Promise<StoredOrderEvent> {
    return inTransaction(this.pool, async (client) => {
      // Serialises writers so that feed positions commit in the order they are assigned.
      await client.query('SELECT pg_advisory_xact_lock($1)', [FEED_LOCK]);
      await insert(client, [event]);
      const stored = await client.query(`${SELECT} WHERE order_id = $1 AND sequence = $2`, [
        event.orderId,
        event.sequence,
      ]);
      return toEvent(stored.rows[0]);
    });
  }

  /** Stores the events, in the order given, in one transaction; those already stored are left as they are. */
  async recordAll(events: readonly OrderEvent[]): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [FEED_LOCK]);
      if (events.length > 0) await insert(client, events);
    });
  }

  /** A credit line's events, in one transaction; those stored before (a retry) are left as they are. */
  async recordLineEvents(events: readonly CreditLineEvent[]): Promise<void> {
    if (events.length === 0) return;
    await inTransaction(this.pool, (client) => insertLineEvents(client, events));
  }

  async forLine(lineId: string): Promise<StoredLineEvent[]> {
    const result = await this.pool.query(`${SELECT} WHERE line_id = $1 ORDER BY sequence`, [lineId]);
    return result.rows.map((row) => toFeedEvent(row) as StoredLineEvent);
  }

  async get(id: string): Promise<StoredFeedEvent | undefined> {
    const result = await this.pool.query(`${SELECT} WHERE id = $1`, [id]);
    return result.rows[0] ? toFeedEvent(result.rows[0]) : undefined;
  }

  async feed(after: number, limit: number): Promise<StoredFeedEvent[]> {
    const result = await this.pool.query(`${SELECT} WHERE position > $1 ORDER BY position LIMIT $2`, [
      after,
      limit,
    ]);
    return result.rows.map(toFeedEvent);
  }

  /**
   * Supplier and credit-line events after a feed position, in feed order (what the webhooks
   * deliver next): every event that names no order.
   */
  async supplierEventsAfter(position: number, limit: number): Promise<StoredOtherEvent[]> {
    const result = await this.pool.query(
      `${SELECT} WHERE position > $1 AND order_id IS NULL ORDER BY position LIMIT $2`,
      [position, limit],
    );
    return result.rows.map((row) => toFeedEvent(row) as StoredOtherEvent);
  }

  /** The feed position through which supplier events have gone to the webhooks. */
  async supplierDeliveryCursor(): Promise<number> {
    const result = await this.pool.query('SELECT delivered_through FROM supplier_event_delivery');
    return (result.rows[0]?.delivered_through as number | undefined) ?? 0;
  }

  async advanceSupplierDelivery(through: number): Promise<void> {
    await this.pool.query(
      'UPDATE supplier_event_delivery SET delivered_through = GREATEST(delivered_through, $1)',
      [through],
    );
  }

  async forSupplier(supplierId: string): Promise<StoredSupplierEvent[]> {
    const result = await this.pool.query(`${SELECT} WHERE supplier_id = $1 ORDER BY sequence`, [supplierId]);
    return result.rows.map((row) => toFeedEvent(row) as StoredSupplierEvent);
  }

  /**
   * The snapshot of a closed order: the one its closing event carries, which is final because the
   * workflow changes nothing after it. Undefined while the order is open (and for orders whose
   * workflow predates order events): the workflow itself answers for those.
   */
  async finalSnapshot(orderId: string): Promise<OrderSnapshot | undefined> {
    const result = await this.pool.query(
      `SELECT payload FROM order_events WHERE order_id = $1 AND type = ANY($2)
       ORDER BY sequence DESC LIMIT 1`,
      [orderId, CLOSING_EVENTS],
    );
    const snapshot = result.rows[0]?.payload as OrderSnapshot | undefined;
    // Events carry a dispute without its statements (each travels once, in its own event).
    if (snapshot?.dispute && !snapshot.dispute.statements) await this.addStatements(orderId, snapshot);
    return snapshot;
  }

  /**
   * The order as its event of that sequence shows it (an Update's stored answer,
   * api/stored-answers.ts), with the statements added until then; `statements: false` says the
   * dispute has none, and spares the read. Undefined when the event is not stored.
   */
  async snapshotAt(
    orderId: string,
    sequence: number,
    statements: boolean,
  ): Promise<OrderSnapshot | undefined> {
    const result = await this.pool.query(
      'SELECT payload FROM order_events WHERE order_id = $1 AND sequence = $2',
      [orderId, sequence],
    );
    const snapshot = result.rows[0]?.payload as OrderSnapshot | undefined;
    if (!snapshot?.dispute) return snapshot;
    if (statements) await this.addStatements(orderId, snapshot, sequence);
    else snapshot.dispute.statements = [];
    return snapshot;
  }

  private async addStatements(orderId: string, snapshot: OrderSnapshot, through?: number): Promise<void> {
    const statements = await this.pool.query(
      `SELECT statement FROM order_events WHERE order_id = $1 AND statement IS NOT NULL
       AND sequence <= coalesce($2, sequence) ORDER BY sequence`,
      [orderId, through ?? null],
    );
    (snapshot.dispute as NonNullable<OrderSnapshot['dispute']>).statements = statements.rows.map(
      (row) => row.statement as Statement,
    );
  }

  async forOrder(orderId: string): Promise<StoredOrderEvent[]> {
    const result = await this.pool.query(`${SELECT} WHERE order_id = $1 ORDER BY sequence`, [orderId]);
    return result.rows.map(toEvent);
  }
}

const SELECT =
  'SELECT position, id, order_id, supplier_id, line_id, sequence, type, occurred_at, recorded_at, payload, statement FROM order_events';

function toFeedEvent(row: Record<string, unknown>): StoredFeedEvent {
  if (row.line_id !== null && row.line_id !== undefined)
    return { ...stored(row, { lineId: row.line_id as string }), data: row.payload } as StoredLineEvent;
  if (row.supplier_id === null) return toEvent(row);
  return {
    ...stored(row, { supplierId: row.supplier_id as string }),
    data: row.payload,
  } as StoredSupplierEvent;
}

function toEvent(row: Record<string, unknown>): StoredOrderEvent {
  return {
    ...stored(row, { orderId: row.order_id as string }),
    snapshot: row.payload,
    ...(row.statement ? { statement: row.statement } : {}),
  } as StoredOrderEvent;
}

/**
 * What every stored event has, with the one it is about (`orderId`, `supplierId` or `lineId`) in
 * its place after the id, in the order the API has always answered with. Its caller says which kind
 * of event the row is, by the subject it has.
 */
function stored<Subject extends Record<string, string>>(row: Record<string, unknown>, subject: Subject) {
  return {
    position: row.position as number,
    id: row.id as string,
    ...subject,
    sequence: row.sequence as number,
    type: row.type as string,
    occurredAt: (row.occurred_at as Date).toISOString(),
    recordedAt: (row.recorded_at as Date).toISOString(),
  };
}
