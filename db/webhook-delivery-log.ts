import type pg from 'pg';

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

  async record(r: DeliveryRecord): Promise<void> {
    await this.recordAll([r]);
  }

  async recordAll(records: readonly DeliveryRecord[]): Promise<void> {
    if (records.length === 0) return;
    const rows = records.map(
      (_, i) =>
        `($${i * 7 + 1}, $${i * 7 + 2}, $${i * 7 + 3}, $${i * 7 + 4}, $${i * 7 + 5}, $${i * 7 + 6}, $${i * 7 + 7})`,
    );
    await this.pool.query(
      `INSERT INTO webhook_deliveries (event_id, endpoint, attempt, status_code, error, delivered, next_attempt_at)
       VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING`,
      records.flatMap((r) => [
        r.eventId,
        r.endpoint,
        r.attempt,
        r.status ?? null,
        r.error ?? null,
        r.ok,
        r.ok ? null : (r.nextAttemptAt ?? null),
      ]),
    );
  }
}
