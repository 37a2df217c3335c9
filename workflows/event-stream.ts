import { condition, isCancellation, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { type OrderEvent, type OrderEventType, orderEventId, WEBHOOK_RETRY } from './order-events.js';
import type { OrderSnapshot, Statement } from './order-state.js';

/** Webhook receivers may be down for a while: deliveries keep trying for 72 hours. */
const webhooks = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: WEBHOOK_RETRY.giveUpAfter,
  retry: {
    initialInterval: WEBHOOK_RETRY.initialIntervalMs,
    backoffCoefficient: WEBHOOK_RETRY.backoffCoefficient,
    maximumInterval: WEBHOOK_RETRY.maximumIntervalMs,
  },
});

export type EventStream = ReturnType<typeof eventStream>;

/**
 * Stores each event in PostgreSQL as it happens and delivers them to the webhooks one after the
 * other, so that a receiver sees an order's events in sequence even when it was down for hours.
 * Storing runs ahead of delivery: the pull feed never waits for a slow receiver.
 */
export function eventStream(orderId: string, enabled: boolean) {
  let sequence = 0;
  let closing = false;
  let storing = false;
  const toStore: OrderEvent[] = [];
  const toDeliver: string[] = [];

  const storeLoop = async () => {
    for (;;) {
      await condition(() => toStore.length > 0 || closing);
      const event = toStore.shift();
      if (!event) return;
      storing = true;
      await webhooks.recordOrderEvent(event);
      storing = false;
      toDeliver.push(event.id);
    }
  };
  const deliverLoop = async () => {
    for (;;) {
      await condition(() => toDeliver.length > 0 || (closing && toStore.length === 0 && !storing));
      const eventId = toDeliver.shift();
      if (!eventId) return;
      try {
        await webhooks.deliverOrderEvent({ eventId });
      } catch (err) {
        if (isCancellation(err)) throw err;
        // After 72 hours the event stays in the pull feed and the delivery log; the next events go on.
        log.error('webhook delivery abandoned', { orderId, eventId, error: (err as Error).message });
      }
    }
  };
  const loops = enabled ? [storeLoop(), deliverLoop()] : [];

  return {
    emit(type: OrderEventType, occurredAt: string, snapshot: OrderSnapshot, statement?: Statement) {
      if (!enabled) return;
      sequence++;
      toStore.push({
        id: orderEventId(orderId, sequence),
        orderId,
        sequence,
        type,
        occurredAt,
        snapshot: withoutStatements(snapshot),
        ...(statement ? { statement: copy(statement) } : {}),
      });
    },
    async drain() {
      closing = true;
      await Promise.all(loops);
    },
  };
}

// A copy: the state goes on changing while the event waits to be stored.
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value));

/**
 * Every event and every Update's answer carries the order, and the history keeps each of them: with
 * every statement in every copy, an order at the caps of SPEC §9.7 would store its statements
 * thousands of times. Each statement travels once, in its own `order.statement_added` event; the
 * API adds the statements to its answers from the `order` query, which leaves no history.
 */
export function withoutStatements(snapshot: OrderSnapshot): OrderSnapshot {
  if (!snapshot.dispute?.statements) return copy(snapshot);
  const { statements: _, ...dispute } = snapshot.dispute;
  return copy({ ...snapshot, dispute });
}
