import type pg from 'pg';
import { CLOSING_EVENTS, type OrderEvent } from '../workflows/model/events.js';
import type { OrderSnapshot, Statement } from '../workflows/model/state.js';
import { valuesList } from './pool.js';

export interface StoredOrderEvent extends OrderEvent {
  /** Position in the global feed: the cursor of `GET /v1/events?after=`. */
  position: number;
  recordedAt: string;
}

/** Any constant shared by every process that records events. */
const FEED_LOCK = 7_310_255_002;

/** One statement for the whole batch: rows are numbered, and so given feed positions, in its order. */
function insert(client: pg.PoolClient, events: readonly OrderEvent[]) {
  const values = valuesList(
    events.map((event) => [
      event.id,
      event.orderId,
      event.sequence,
      event.type,
      event.occurredAt,
      JSON.stringify(event.snapshot),
      event.statement ? JSON.stringify(event.statement) : null,
    ]),
  );
  return client.query(
    `INSERT INTO order_events (id, order_id, sequence, type, occurred_at, payload, statement)
     VALUES ${values.sql} ON CONFLICT DO NOTHING`,
    values.params,
  );
}

/** The order events in PostgreSQL: stored exactly once per (order, sequence). */
export class OrderEventStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Stores the event unless its (order, sequence) is already there, and answers with what is stored. */
  async record(event: OrderEvent): Promise<StoredOrderEvent> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Serialises writers so that feed positions commit in the order they are assigned.
      await client.query('SELECT pg_advisory_xact_lock($1)', [FEED_LOCK]);
      await insert(client, [event]);
      const stored = await client.query(`${SELECT} WHERE order_id = $1 AND sequence = $2`, [
        event.orderId,
        event.sequence,
      ]);
      await client.query('COMMIT');
      return toEvent(stored.rows[0]);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /** Stores the events, in the order given, in one transaction; those already stored are left as they are. */
  async recordAll(events: readonly OrderEvent[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [FEED_LOCK]);
      if (events.length > 0) await insert(client, events);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async get(id: string): Promise<StoredOrderEvent | undefined> {
    const result = await this.pool.query(`${SELECT} WHERE id = $1`, [id]);
    return result.rows[0] ? toEvent(result.rows[0]) : undefined;
  }

  async feed(after: number, limit: number): Promise<StoredOrderEvent[]> {
    const result = await this.pool.query(`${SELECT} WHERE position > $1 ORDER BY position LIMIT $2`, [
      after,
      limit,
    ]);
    return result.rows.map(toEvent);
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
    if (snapshot?.dispute && !snapshot.dispute.statements) {
      const statements = await this.pool.query(
        `SELECT statement FROM order_events WHERE order_id = $1 AND statement IS NOT NULL ORDER BY sequence`,
        [orderId],
      );
      snapshot.dispute.statements = statements.rows.map((row) => row.statement as Statement);
    }
    return snapshot;
  }

  async forOrder(orderId: string): Promise<StoredOrderEvent[]> {
    const result = await this.pool.query(`${SELECT} WHERE order_id = $1 ORDER BY sequence`, [orderId]);
    return result.rows.map(toEvent);
  }
}

const SELECT =
  'SELECT position, id, order_id, sequence, type, occurred_at, recorded_at, payload, statement FROM order_events';

function toEvent(row: Record<string, unknown>): StoredOrderEvent {
  return {
    position: row.position as number,
    id: row.id as string,
    orderId: row.order_id as string,
    sequence: row.sequence as number,
    type: row.type as StoredOrderEvent['type'],
    occurredAt: (row.occurred_at as Date).toISOString(),
    recordedAt: (row.recorded_at as Date).toISOString(),
    snapshot: row.payload as StoredOrderEvent['snapshot'],
    ...(row.statement ? { statement: row.statement as StoredOrderEvent['statement'] } : {}),
  };
}
