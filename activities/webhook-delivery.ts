import { context, propagation, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import type pg from 'pg';
import {
  isLineEvent,
  isSupplierEvent,
  type LineFeedEvent,
  type OrderEventStore,
} from '../db/order-event-store.js';
import { type DeliveryRecord, WebhookDeliveryLog } from '../db/webhook-delivery-log.js';
import type { OrderEvent } from '../workflows/model/events.js';
import type { SupplierEvent } from '../workflows/model/program.js';
import { standardWebhookSigner, type WebhookSigner } from './standard-webhook-signature.js';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

/** The instrumentation scope of the webhook POSTs' spans. */
export const WEBHOOK_TRACER = 'trade-escrow-webhooks';

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
export function webhookBody(event: OrderEvent | SupplierEvent | LineFeedEvent): string {
  if (isLineEvent(event)) {
    const { id, type, lineId, sequence, occurredAt, data } = event;
    return JSON.stringify({ id, type, lineId, sequence, occurredAt, data });
  }
  if (isSupplierEvent(event)) {
    const { id, type, supplierId, sequence, occurredAt, data } = event;
    return JSON.stringify({ id, type, supplierId, sequence, occurredAt, data });
  }
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
    // Without tracing, the API's no-op tracer: the POST is no span and carries no traceparent.
    private readonly tracer: Tracer = trace.getTracer(WEBHOOK_TRACER),
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
   * Delivers events already read from the store, in order, to the endpoints that have not
   * acknowledged each yet, logging every attempt with one statement. Stops at the first event an
   * endpoint does not acknowledge: answers how many came before it, and that event's failure.
   */
  async deliverInOrder(
    events: readonly (OrderEvent | SupplierEvent | LineFeedEvent)[],
    { attempt, nextAttemptAt }: DeliveryAttempt,
    /** Called after each event: the activity's heartbeat. */
    progress: () => void = () => {},
  ): Promise<{ delivered: number; failure?: string }> {
    if (this.settings.urls.length === 0) return { delivered: events.length };
    const acknowledged = await this.log.acknowledgedAll(events.map((e) => e.id));
    const records: DeliveryRecord[] = [];
    let delivered = 0;
    try {
      for (const event of events) {
        const body = webhookBody(event);
        for (const url of this.settings.urls.filter((u) => !acknowledged.get(event.id)?.has(u))) {
          const result = await this.post(url, event, body);
          records.push({ eventId: event.id, endpoint: url, attempt, nextAttemptAt, ...result });
          if (!result.ok) return { delivered, failure: `${url}: ${result.error ?? `HTTP ${result.status}`}` };
        }
        delivered++;
        progress();
      }
      return { delivered };
    } finally {
      await this.log.recordAll(records);
    }
  }

  /** Whether deliveries of the event have been failing for longer than the retries go on. */
  async givenUp(eventId: string, now: Date, afterMs: number): Promise<boolean> {
    const first = await this.log.firstAttemptAt(eventId);
    return first !== undefined && now.getTime() - first.getTime() > afterMs;
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

  /** One HTTP client span per POST, whose context the receiver gets in `traceparent`. */
  private post(
    url: string,
    event: OrderEvent | SupplierEvent | LineFeedEvent,
    body: string,
    budgetMs?: number,
  ): Promise<{ ok: boolean; status?: number; error?: string }> {
    const target = new URL(url);
    return this.tracer.startActiveSpan(
      'POST',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: 'POST',
          // Without credentials or query: a receiver's URL may carry a token in either.
          [ATTR_URL_FULL]: `${target.origin}${target.pathname}`,
          [ATTR_SERVER_ADDRESS]: target.hostname,
          [ATTR_SERVER_PORT]: Number(target.port) || (target.protocol === 'https:' ? 443 : 80),
          'escrow.event.id': event.id,
          'escrow.event.type': event.type,
        },
      },
      async (span) => {
        const { legacySecret } = this.settings;
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'user-agent': 'trade-escrow-webhooks/1',
          // Signed per attempt: the timestamp is the attempt's, so a retry is not a replay.
          ...this.sign?.(event.id, body),
          ...(legacySecret && {
            'escrow-event-id': event.id,
            'escrow-event-type': event.type,
            [SIGNATURE_HEADER]: signWebhook(legacySecret, body),
          }),
        };
        propagation.inject(context.active(), headers);
        const configured = this.settings.timeoutMs ?? 10_000;
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers,
            body,
            signal: AbortSignal.timeout(Math.min(configured, budgetMs ?? configured)),
            redirect: 'manual',
          });
          await response.arrayBuffer().catch(() => undefined);
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
          if (response.ok) return { ok: true, status: response.status };
          span.setAttribute(ATTR_ERROR_TYPE, String(response.status));
          span.setStatus({ code: SpanStatusCode.ERROR });
          return { ok: false, status: response.status };
        } catch (err) {
          span.setAttribute(ATTR_ERROR_TYPE, (err as Error).name);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          return { ok: false, error: (err as Error).message };
        } finally {
          span.end();
        }
      },
    );
  }
}
