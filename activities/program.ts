import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { OrderEventStore } from '../db/order-event-store.js';
import type { SupplierProgram } from '../db/supplier-program.js';
import { webhookRetryDelayMs } from '../workflows/model/events.js';
import { workflowIdFor } from '../workflows/model/messages.js';
import type { ProgramActivities } from '../workflows/model/program.js';
import { wakeSupplierEventDelivery } from './supplier-events.js';
import type { WebhookDelivery } from './webhook-delivery.js';

export interface ProgramActivityDeps {
  program: SupplierProgram;
  events: OrderEventStore;
  webhooks: WebhookDelivery;
}

/** A create's reservation is left alone this long for its workflow to store its first event. */
const UNCONFIRMED_AFTER_MS = 60 * 60 * 1000;
/** As for order events: after 72 hours a delivery is abandoned and the event stays in the feed. */
const GIVE_UP_AFTER_MS = 72 * 60 * 60 * 1000;
const STRANDED_PER_ASSESSMENT = 1000;

/** The wake-up comes after the change committed: one that fails is made up for by the next. */
async function wake(): Promise<void> {
  const { client, info, log } = Context.current();
  try {
    await wakeSupplierEventDelivery(client, info.taskQueue);
  } catch (err) {
    log.warn('supplier events stored; their webhooks wait for the next wake-up', {
      error: (err as Error).message,
    });
  }
}

export function createProgramActivities({
  program,
  events,
  webhooks,
}: ProgramActivityDeps): ProgramActivities {
  return {
    async assessSupplierPage({ at, after, limit }) {
      const page = await program.assess({ after, limit }, new Date(at));
      if (page.events > 0) await wake();
      return { assessed: page.assessed, changed: page.changed, ...(page.last ? { last: page.last } : {}) };
    },

    async finishAssessment({ at }) {
      const { client } = Context.current();
      const before = new Date(Date.parse(at) - UNCONFIRMED_AFTER_MS);
      let released = 0;
      for (const orderId of await program.unconfirmedReservations(before, STRANDED_PER_ASSESSMENT)) {
        try {
          await client.workflow.getHandle(workflowIdFor(orderId)).describe();
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          await program.giveBack(orderId);
          released++;
        }
      }
      await wake();
      return { released };
    },

    async deliverSupplierEvents({ limit }) {
      const { attempt } = Context.current().info;
      const { log } = Context.current();
      const cursor = await events.supplierDeliveryCursor();
      const pending = await events.supplierEventsAfter(cursor, limit);
      let through = cursor;
      try {
        for (const event of pending) {
          try {
            await webhooks.deliver(event.id, {
              attempt,
              nextAttemptAt: new Date(Date.now() + webhookRetryDelayMs(attempt)),
            });
          } catch (err) {
            if (!(await webhooks.givenUp(event.id, new Date(), GIVE_UP_AFTER_MS))) throw err;
            log.error('webhook delivery abandoned', { eventId: event.id, error: (err as Error).message });
          }
          through = event.position;
        }
      } finally {
        if (through > cursor) await events.advanceSupplierDelivery(through);
      }
      return { delivered: pending.length, more: pending.length === limit };
    },
  };
}
