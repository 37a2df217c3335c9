import type pg from 'pg';
import { valuesList } from './pool.js';

export interface DeliveryRecord {
  eventId: string;
  endpoint: string;
  attempt: number;
  ok: boolean;
  status?: number;
  error?: string;
  /** When the next attempt is due if this one failed. */
  nextAttemptAt?: Date;
}

/** Every webhook attempt in PostgreSQL: what an operator reads, and what a retry skips. */
export class WebhookDeliveryLog {
  constructor(private readonly pool: pg.Pool) {}

  /** The endpoints that have acknowledged the event already. */
  async acknowledged(eventId: string): Promise<Set<string>> {
    const done = await this.pool.query(
      'SELECT endpoint FROM webhook_deliveries WHERE event_id = $1 AND delivered',
      [eventId],
    );
    return new Set(done.rows.map((r) => r.endpoint as string));
  }

  /** Per event, the endpoints that have acknowledged it already. */
  async acknowledgedAll(eventIds: readonly string[]): Promise<Map<string, Set<string>>> {
    const done = await this.pool.query(
      'SELECT event_id, endpoint FROM webhook_deliveries WHERE event_id = ANY($1) AND delivered',
      [eventIds],
    );
    const byEvent = new Map<string, Set<string>>();
    for (const r of done.rows)
      byEvent.set(r.event_id, (byEvent.get(r.event_id) ?? new Set()).add(r.endpoint));
    return byEvent;
  }

  /** When the event was first tried, if it was. */
  async firstAttemptAt(eventId: string): Promise<Date | undefined> {
    const result = await this.pool.query(
      'SELECT MIN(attempted_at) AS first FROM webhook_deliveries WHERE event_id = $1',
      [eventId],
    );
    return (result.rows[0]?.first as Date | null) ?? undefined;
  }

  async record(r: DeliveryRecord): Promise<void> {
    await this.recordAll([r]);
  }

  async recordAll(records: readonly DeliveryRecord[]): Promise<void> {
    if (records.length === 0) return;
    const values = valuesList(
      records.map((r) => [
        r.eventId,
        r.endpoint,
        r.attempt,
        r.status ?? null,
        r.error ?? null,
        r.ok,
        r.ok ? null : (r.nextAttemptAt ?? null),
      ]),
    );
    await this.pool.query(
      `INSERT INTO webhook_deliveries (event_id, endpoint, attempt, status_code, error, delivered, next_attempt_at)
       VALUES ${values.sql} ON CONFLICT DO NOTHING`,
      values.params,
    );
  }
}
