import { condition, isCancellation, log, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { OrderActivities } from '../model/activities.js';
import {
  INLINE_DELIVERY_BUDGET_MS,
  type OrderEvent,
  type OrderEventType,
  orderEventId,
  WEBHOOK_RETRY,
} from '../model/events.js';
import type { OrderAnswer } from '../model/messages.js';
import type { OrderSnapshot, Statement } from '../model/state.js';
import { traceContext } from '../model/trace-context.js';
import type { OrderVersions } from '../model/versions.js';

/** Webhook receivers may be down for a while: deliveries keep trying for 72 hours. */
const webhooks = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: WEBHOOK_RETRY.giveUpAfter,
  retry: {
    initialInterval: WEBHOOK_RETRY.initialIntervalMs,
    backoffCoefficient: WEBHOOK_RETRY.backoffCoefficient,
    maximumInterval: WEBHOOK_RETRY.maximumIntervalMs,
  },
});

/**
 * Storing a batch is one PostgreSQL transaction, and the delivery that rides on it stops after
 * INLINE_DELIVERY_BUDGET_MS: short enough to run inside the workflow task. Until the database is
 * back, it is retried with the backoff of a ledger movement.
 */
const store = proxyLocalActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export type EventStream = ReturnType<typeof eventStream>;

/**
 * Stores each event in PostgreSQL as it happens and delivers them to the webhooks one after the
 * other, so that a receiver sees an order's events in sequence even when it was down for hours.
 * Storing runs ahead of delivery: the pull feed never waits for a slow receiver.
 *
 * Orders started since 'event-batches' store every event waiting at that moment with one activity,
 * and deliver every stored event waiting with one: an activity costs a workflow task and three
 * history events, and the events of one transition (a payment that funds the order, a payout and
 * the close) are emitted together. Older orders go on with one activity per event.
 *
 * Orders started since 'deliver-with-store' also deliver a batch in the activity that stores it
 * when no earlier event is still waiting for delivery: on a healthy receiver that halves the
 * activities an event costs. The first event the receiver does not acknowledge, and every one
 * after it, goes on through the delivery activity and its 72-hour retries, in sequence as before.
 *
 * Orders started since 'lean-history' store with a local activity: it runs in the workflow task
 * that emitted the events and leaves one marker in history instead of an activity's three events,
 * its input (every event with its snapshot) and a workflow task of its own. A receiver that has not
 * answered within INLINE_DELIVERY_BUDGET_MS gets the events through the delivery activity instead.
 * A batch emitted in the task that schedules a ledger movement is stored by the activity, beside
 * the movement: the local activity would hold the task, and with it the money, until stored (a
 * storm of deadlines would pay out at the pace of the event store).
 */
export function eventStream(orderId: string, versions: OrderVersions, movingMoney: () => boolean) {
  let sequence = 0;
  let closing = false;
  let storing = false;
  let delivering = false;
  const toStore: OrderEvent[] = [];
  const toDeliver: string[] = [];
  const enabled = versions.events;
  const batched = versions.eventBatches;
  const deliverWithStore = versions.deliverWithStore;
  /** The last event emitted, as stored: an answer equal to it can be read from PostgreSQL. */
  let last: { sequence: number; json: string } | undefined;
  let storedThrough = 0;
  let storingLocally = false;
  /**
   * The trace context each event was emitted in: a traced order stores and delivers a batch in the
   * trace of the request whose Update emitted its first event, not in the trace that created the
   * order. `with` calls the activity at once and returns its own promise, so no promise step is
   * added.
   */
  const emittedIn = new Map<string, unknown>();
  const inTraceOf = <T>(eventId: string, schedule: () => Promise<T>): Promise<T> =>
    traceContext().with(emittedIn.get(eventId) ?? traceContext().active(), schedule);

  const storeLoop = async () => {
    for (;;) {
      await condition(() => toStore.length > 0 || closing);
      if (toStore.length === 0) return;
      const batch = batched ? toStore.splice(0) : toStore.splice(0, 1);
      const first = (batch[0] as OrderEvent).id;
      storing = true;
      let delivered = 0;
      const local = versions.lean && !movingMoney();
      storingLocally = local;
      // Only when nothing earlier waits for delivery: a receiver sees an order's events in sequence.
      if (deliverWithStore && toDeliver.length === 0 && !delivering)
        ({ delivered } = local
          ? await inTraceOf(first, () =>
              store.recordAndDeliverOrderEvents({ events: batch, budgetMs: INLINE_DELIVERY_BUDGET_MS }),
            )
          : await inTraceOf(first, () => webhooks.recordAndDeliverOrderEvents({ events: batch })));
      else if (local) await inTraceOf(first, () => store.recordOrderEvents({ events: batch }));
      else if (batched) await inTraceOf(first, () => webhooks.recordOrderEvents({ events: batch }));
      else await inTraceOf(first, () => webhooks.recordOrderEvent(batch[0] as OrderEvent));
      storing = false;
      storedThrough = (batch[batch.length - 1] as OrderEvent).sequence;
      for (const event of batch.slice(0, delivered)) emittedIn.delete(event.id);
      toDeliver.push(...batch.slice(delivered).map((event) => event.id));
    }
  };
  const deliverLoop = async () => {
    for (;;) {
      await condition(() => toDeliver.length > 0 || (closing && toStore.length === 0 && !storing));
      if (toDeliver.length === 0) return;
      const eventIds = batched ? toDeliver.splice(0) : toDeliver.splice(0, 1);
      delivering = true;
      try {
        // In sequence: an event goes out only once the one before it was acknowledged.
        const first = eventIds[0] as string;
        if (batched) await inTraceOf(first, () => webhooks.deliverOrderEvents({ eventIds }));
        else await inTraceOf(first, () => webhooks.deliverOrderEvent({ eventId: first }));
      } catch (err) {
        if (isCancellation(err)) throw err;
        // After 72 hours the events stay in the pull feed and the delivery log; the next events go on.
        log.error('webhook delivery abandoned', { orderId, eventIds, error: (err as Error).message });
      } finally {
        delivering = false;
        for (const id of eventIds) emittedIn.delete(id);
      }
    }
  };
  const loops = enabled ? [storeLoop(), deliverLoop()] : [];

  return {
    emit(type: OrderEventType, occurredAt: string, snapshot: OrderSnapshot, statement?: Statement) {
      if (!enabled) return;
      sequence++;
      const id = orderEventId(orderId, sequence);
      emittedIn.set(id, traceContext().active());
      const json = JSON.stringify(stripped(snapshot));
      if (versions.storedAnswers) last = { sequence, json };
      toStore.push({
        id,
        orderId,
        sequence,
        type,
        occurredAt,
        snapshot: JSON.parse(json),
        ...(statement ? { statement: copy(statement) } : {}),
      });
    },
    /**
     * An Update's answer (docs/development.md#stored-answers). Since 'stored-answers' it is the
     * sequence of the last event when the order is still as that event shows it and the event is,
     * or will be, stored by a local activity of this workflow task: the worker sends the Update's
     * completion with the task, once its local activities are done. Otherwise, or for older
     * orders, the snapshot itself: an Update that changed the order after its last event, an event
     * that goes to an activity beside money that moves (or behind a batch stored by one).
     */
    answer(snapshot: OrderSnapshot): OrderAnswer {
      if (!versions.storedAnswers || !last || JSON.stringify(stripped(snapshot)) !== last.json)
        return answer(snapshot);
      const stored = {
        storedEvent: last.sequence,
        statements: Boolean(snapshot.dispute?.statements?.length),
      };
      if (last.sequence <= storedThrough) return stored;
      const toActivity = movingMoney() || snapshot.status === 'settling' || (storing && !storingLocally);
      return toActivity ? answer(snapshot) : stored;
    },
    async drain() {
      closing = true;
      await Promise.all(loops);
    },
    /** The sequence of the last event emitted; undefined on orders that store no events. */
    lastSequence(): number | undefined {
      return enabled ? sequence : undefined;
    },
  };
}

// A copy: the state goes on changing while the event waits to be stored.
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value));

/**
 * Every event and every Update's answer carries the order, and the history keeps each of them: with
 * every statement in every copy, an order at the caps of docs/spec.md#size-caps would store its statements
 * thousands of times. Each statement travels once, in its own `order.statement_added` event; the
 * API adds the statements to its answers from the `order` query, which leaves no history.
 */
export function withoutStatements(snapshot: OrderSnapshot): OrderSnapshot {
  return copy(stripped(snapshot));
}

function stripped(snapshot: OrderSnapshot): OrderSnapshot {
  if (!snapshot.dispute?.statements) return snapshot;
  const { statements: _, ...dispute } = snapshot.dispute;
  return { ...snapshot, dispute };
}

/**
 * What an Update answers: the order without the dispute's statements when it has some (the API
 * adds them from the `order` query), with an empty list when it has none, so that the API need not
 * ask. Answers are not compared on replay: this changes no running order.
 */
export function answer(snapshot: OrderSnapshot): OrderSnapshot {
  const { dispute } = snapshot;
  if (!dispute || dispute.statements?.length) return withoutStatements(snapshot);
  return copy({ ...snapshot, dispute: { ...dispute, statements: [] } });
}
