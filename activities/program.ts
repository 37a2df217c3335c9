import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { OrderEventStore, StoredOtherEvent } from '../db/order-event-store.js';
import type { SupplierProgram } from '../db/supplier-program.js';
import { webhookRetryDelayMs } from '../workflows/model/events.js';
import { workflowIdFor } from '../workflows/model/messages.js';
import type { ProgramActivities } from '../workflows/model/program.js';
import { wakeSupplierEventDelivery } from './program-workflows.js';
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
      const { info, log } = Context.current();
      const cursor = await events.supplierDeliveryCursor();
      const pending = await events.supplierEventsAfter(cursor, limit);
      const attempt = {
        attempt: info.attempt,
        nextAttemptAt: new Date(Date.now() + webhookRetryDelayMs(info.attempt)),
      };
      let done = 0;
      try {
        while (done < pending.length) {
          const { delivered, failure } = await webhooks.deliverInOrder(pending.slice(done), attempt, () =>
            Context.current().heartbeat(),
          );
          done += delivered;
          if (failure === undefined) break;
          const failed = pending[done] as StoredOtherEvent;
          if (!(await webhooks.givenUp(failed.id, new Date(), GIVE_UP_AFTER_MS)))
            throw new Error(`webhook delivery of ${failed.id} failed: ${failure}`);
          log.error('webhook delivery abandoned', { eventId: failed.id, error: failure });
          done++;
        }
      } finally {
        const through = pending[done - 1]?.position;
        if (through !== undefined) await events.advanceSupplierDelivery(through);
      }
      return { delivered: pending.length, more: pending.length === limit };
    },
  };
}
