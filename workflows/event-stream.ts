import { condition, isCancellation, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { type OrderEvent, type OrderEventType, orderEventId, WEBHOOK_RETRY } from './order-events.js';
import type { OrderSnapshot } from './order-state.js';

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
    emit(type: OrderEventType, occurredAt: string, snapshot: OrderSnapshot) {
      if (!enabled) return;
      sequence++;
      toStore.push({
        id: orderEventId(orderId, sequence),
        orderId,
        sequence,
        type,
        occurredAt,
        // A copy: the state goes on changing while the event waits to be stored.
        snapshot: JSON.parse(JSON.stringify(snapshot)),
      });
    },
    async drain() {
      closing = true;
      await Promise.all(loops);
    },
  };
}
