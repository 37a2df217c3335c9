import { ORDER_OUTCOMES, type OrderOutcome, type OrderSnapshot, type Statement } from './state.js';

/** The event an order closes with: `order.<outcome>`. */
export function closingEvent<O extends OrderOutcome>(outcome: O): `order.${O}` {
  return `order.${outcome}`;
}
export const CLOSING_EVENTS = ORDER_OUTCOMES.map(closingEvent);

/** What the marketplace learns without polling (issue 7): one event per status change, payout or decision. */
export const ORDER_EVENT_TYPES = [
  'order.created',
  'order.payment_received',
  'order.funded',
  'order.shipped',
  'order.delivered',
  'order.dispute_opened',
  'order.offer_made',
  'order.arbitration_opened',
  'order.arbitration_overdue',
  'order.arbitration_decided',
  'order.balance_overdue',
  'order.extension_proposed',
  'order.extension_accepted',
  'order.extension_rejected',
  'order.extension_expired',
  'order.payout',
  'order.claim_filed',
  'order.statement_added',
  'order.return_requested',
  'order.return_shipped',
  'order.return_delivered',
  'order.return_received',
  'order.payment_reversed',
  ...ORDER_OUTCOMES.map(closingEvent),
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

export interface OrderEvent {
  /** Stable across retries, replays and Resets: the same event always carries the same id. */
  id: string;
  orderId: string;
  /** 1, 2, 3, … per order, in the order things happened. */
  sequence: number;
  type: OrderEventType;
  occurredAt: string;
  /** Without `dispute.statements`: each statement is in its own `order.statement_added` event. */
  snapshot: OrderSnapshot;
  /** The statement an `order.statement_added` event announces. */
  statement?: Statement;
}

export const orderEventId = (orderId: string, sequence: number) => `evt_${orderId}_${sequence}`;

/** Retry schedule of webhook deliveries: shared by the workflow and the delivery log's `next_attempt_at`. */
export const WEBHOOK_RETRY = {
  initialIntervalMs: 1000,
  backoffCoefficient: 2,
  maximumIntervalMs: 10 * 60 * 1000,
  giveUpAfter: '72 hours',
} as const;

export function webhookRetryDelayMs(attempt: number): number {
  return Math.min(
    WEBHOOK_RETRY.initialIntervalMs * WEBHOOK_RETRY.backoffCoefficient ** (attempt - 1),
    WEBHOOK_RETRY.maximumIntervalMs,
  );
}

/**
 * How long the local activity that stores an order's events may spend delivering them before it
 * hands the rest to the delivery activity: it holds the workflow task, and with it the answer to
 * the event that emitted them. A healthy receiver acknowledges in milliseconds.
 */
export const INLINE_DELIVERY_BUDGET_MS = 2000;
