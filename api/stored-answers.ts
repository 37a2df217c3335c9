import type { OrderEventStore } from '../db/order-event-store.js';
import type { StoredAnswer } from '../workflows/model/messages.js';
import type { OrderSnapshot } from '../workflows/model/state.js';
import { isUnavailable, withTimeout } from './upstream-errors.js';

/**
 * The snapshot an Update of an order started since 'stored-answers' answered with, as a stored
 * answer (workflows/model/messages.ts StoredAnswer: the sequence of the event it emitted, stored
 * before it completed): that event's, from `order_events`, one indexed read. Undefined while
 * PostgreSQL cannot say (down, slow, or the row not there): the caller asks the order's Query,
 * which shows the order as it is now, with the event applied.
 */
export async function storedSnapshot(
  events: Pick<OrderEventStore, 'snapshotAt'>,
  orderId: string,
  answer: StoredAnswer,
  timeoutMs: number,
): Promise<OrderSnapshot | undefined> {
  try {
    return await withTimeout(
      events.snapshotAt(orderId, answer.storedEvent, answer.statements),
      timeoutMs,
      'postgres',
    );
  } catch (err) {
    if (isUnavailable(err)) return undefined;
    throw err;
  }
}
