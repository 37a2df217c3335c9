import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { OrderEventStore } from '../db/order-event-store.js';
import {
  IdempotencyKeyReusedError,
  LedgerInvariantError,
  type Movement,
  type MovementResult,
  type PaymentsGateway,
} from '../db/payments-gateway.js';
import type { OrderActivities } from '../workflows/model/activities.js';
import { type OrderEvent, webhookRetryDelayMs } from '../workflows/model/events.js';
import { createDrawActivities } from './credit-draws.js';
import { acceptedUpdateIdentity } from './decision-sender.js';
import type { ArbitrationOverdueNotice, Notifier } from './notifier.js';
import type { WebhookDelivery } from './webhook-delivery.js';

export interface ActivityDeps {
  payments: PaymentsGateway;
  notifier: Notifier;
  events: OrderEventStore;
  webhooks: WebhookDelivery;
}

/** Errors that retrying cannot fix become non-retryable failures; everything else is retried. */
async function guarded(run: () => Promise<MovementResult>): Promise<MovementResult> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof IdempotencyKeyReusedError || err instanceof LedgerInvariantError) {
      throw ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true });
    }
    throw err;
  }
}

export function createActivities({ payments, notifier, events, webhooks }: ActivityDeps): OrderActivities {
  return {
    ...createDrawActivities(),
    creditEscrow: (m: Movement) => guarded(() => payments.creditEscrow(m)),
    refundBuyer: (m: Movement) => guarded(() => payments.refundBuyer(m)),
    releaseToSupplier: (m: Movement) => guarded(() => payments.releaseToSupplier(m)),
    reverseFunding: (m: Movement) => guarded(() => payments.reverseFunding(m)),
    /** Who sent the order's accepted Update of that name, as Temporal recorded it (decision-sender.ts). */
    acceptedUpdateSender: async ({ updateName }: { updateName: string }) => {
      const { client, info } = Context.current();
      const run = info.workflowExecution;
      if (!run) throw new Error('acceptedUpdateSender runs for a workflow only');
      const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      return { sentBy: acceptedUpdateIdentity(history, updateName) };
    },
    notifyArbitrationOverdue: (notice: ArbitrationOverdueNotice) => notifier.arbitrationOverdue(notice),
    recordOrderEvent: async (event: OrderEvent) => {
      const stored = await events.record(event);
      return { id: stored.id, position: stored.position };
    },
    recordOrderEvents: async ({ events: batch }: { events: OrderEvent[] }) => {
      await events.recordAll(batch);
      return { stored: batch.length };
    },
    /**
     * Stores the batch, then tries to deliver it once, in sequence, stopping at the first event an
     * endpoint does not acknowledge: the workflow hands that one and the rest to deliverOrderEvents.
     * A failed attempt here is not the activity's failure, so it does not hold up storing.
     */
    recordAndDeliverOrderEvents: async ({
      events: batch,
      budgetMs,
    }: {
      events: OrderEvent[];
      budgetMs?: number;
    }) => {
      await events.recordAll(batch);
      const { attempt } = Context.current().info;
      // The local activity of orders since 'lean-history' delivers what it has in hand, within its budget.
      if (budgetMs !== undefined) {
        return { stored: batch.length, delivered: await webhooks.deliverFresh(batch, attempt, budgetMs) };
      }
      let delivered = 0;
      for (const event of batch) {
        try {
          await webhooks.deliver(event.id, { attempt, nextAttemptAt: new Date() });
        } catch {
          break;
        }
        delivered++;
      }
      return { stored: batch.length, delivered };
    },
    /** In sequence, stopping at the first event an endpoint has not acknowledged: the retry starts there. */
    deliverOrderEvents: async ({ eventIds }: { eventIds: string[] }) => {
      const { attempt } = Context.current().info;
      const nextAttemptAt = new Date(Date.now() + webhookRetryDelayMs(attempt));
      for (const eventId of eventIds) await webhooks.deliver(eventId, { attempt, nextAttemptAt });
      return { delivered: eventIds.length };
    },
    deliverOrderEvent: ({ eventId }: { eventId: string }) => {
      const { attempt } = Context.current().info;
      return webhooks.deliver(eventId, {
        attempt,
        nextAttemptAt: new Date(Date.now() + webhookRetryDelayMs(attempt)),
      });
    },
  };
}
