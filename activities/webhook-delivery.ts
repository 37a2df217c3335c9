import type pg from 'pg';
import type { OrderEventStore } from '../db/order-event-store.js';
import { type DeliveryRecord, WebhookDeliveryLog } from '../db/webhook-delivery-log.js';
import type { OrderEvent } from '../workflows/model/events.js';
import { standardWebhookSigner, type WebhookSigner } from './standard-webhook-signature.js';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

export interface WebhookSettings {
  /** Every URL receives every event; none configured means pull feed only. */
  urls: string[];
  /** `whsec_…`, the newest first: every delivery carries one signature per secret. */
  secrets: string[];
  /** Deprecated, for one release: the old secret, to send `Escrow-Signature` beside the standard headers. */
  legacySecret?: string;
  timeoutMs?: number;
}

/** What a receiver gets: the body is signed as sent, byte for byte. */
export function webhookBody(event: OrderEvent): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    orderId: event.orderId,
    sequence: event.sequence,
    occurredAt: event.occurredAt,
    data: { order: event.snapshot, ...(event.statement ? { statement: event.statement } : {}) },
  });
}

export interface DeliveryAttempt {
  attempt: number;
  /** When the activity's retry policy will try again if this attempt fails. */
  nextAttemptAt?: Date;
}

/** POSTs stored events to the configured webhooks and logs every attempt in PostgreSQL. */
export class WebhookDelivery {
  private readonly log: WebhookDeliveryLog;
  private readonly sign: WebhookSigner | undefined;

  constructor(
    pool: pg.Pool,
    private readonly store: OrderEventStore,
    private readonly settings: WebhookSettings,
  ) {
    this.log = new WebhookDeliveryLog(pool);
    // Without receivers nothing is signed, and no secret is needed.
    this.sign = settings.urls.length > 0 ? standardWebhookSigner(settings.secrets) : undefined;
  }

  /** Delivers to the endpoints that have not acknowledged the event yet; throws while any fails. */
  async deliver(
    eventId: string,
    { attempt, nextAttemptAt }: DeliveryAttempt,
  ): Promise<{ delivered: string[] }> {
    if (this.settings.urls.length === 0) return { delivered: [] };
    const event = await this.store.get(eventId);
    if (!event) throw new Error(`event ${eventId} is not stored yet`);
    const acknowledged = await this.log.acknowledged(eventId);
    const body = webhookBody(event);
    const failures: string[] = [];
    for (const url of this.settings.urls.filter((u) => !acknowledged.has(u))) {
      const result = await this.post(url, event, body);
      await this.log.record({ eventId, endpoint: url, attempt, nextAttemptAt, ...result });
      if (!result.ok) failures.push(`${url}: ${result.error ?? `HTTP ${result.status}`}`);
    }
    if (failures.length > 0) throw new Error(`webhook delivery of ${eventId} failed: ${failures.join('; ')}`);
    return { delivered: this.settings.urls };
  }

  /**
   * The first attempt at events just stored, in sequence, within `budgetMs`: they are in hand, and
   * no endpoint can have acknowledged them yet (a repeated attempt only repeats a delivery, which
   * receivers must tolerate anyway). Stops at the first event an endpoint does not acknowledge, and
   * logs every attempt with one statement. Answers how many events every endpoint acknowledged.
   */
  async deliverFresh(events: readonly OrderEvent[], attempt: number, budgetMs: number): Promise<number> {
    const { urls } = this.settings;
    // No receiver: nothing waits for delivery.
    if (urls.length === 0) return events.length;
    const until = Date.now() + budgetMs;
    const records: DeliveryRecord[] = [];
    let delivered = 0;
    try {
      for (const event of events) {
        const body = webhookBody(event);
        for (const url of urls) {
          const left = until - Date.now();
          if (left <= 0) return delivered;
          const result = await this.post(url, event, body, left);
          records.push({ eventId: event.id, endpoint: url, attempt, nextAttemptAt: new Date(), ...result });
          if (!result.ok) return delivered;
        }
        delivered++;
      }
      return delivered;
    } finally {
      await this.log.recordAll(records);
    }
  }

  private async post(
    url: string,
    event: OrderEvent,
    body: string,
    budgetMs?: number,
  ): Promise<{ ok: boolean; status?: number; error?: string }> {
    const configured = this.settings.timeoutMs ?? 10_000;
    const { legacySecret } = this.settings;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'trade-escrow-webhooks/1',
          // Signed per attempt: the timestamp is the attempt's, so a retry is not a replay.
          ...this.sign?.(event.id, body),
          ...(legacySecret && {
            'escrow-event-id': event.id,
            'escrow-event-type': event.type,
            [SIGNATURE_HEADER]: signWebhook(legacySecret, body),
          }),
        },
        body,
        signal: AbortSignal.timeout(Math.min(configured, budgetMs ?? configured)),
        redirect: 'manual',
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.ok ? { ok: true, status: response.status } : { ok: false, status: response.status };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }
}
