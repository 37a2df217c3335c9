import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { buyerRecord } from '../db/credit-lines.js';
import type { OrderEventStore } from '../db/order-event-store.js';
import { LineLedgerError, type PostgresLedger } from '../db/postgres-ledger.js';
import type { CreditLineActivities } from '../workflows/credit-line/model/activities.js';
import { wakeSupplierEventDelivery } from './program-workflows.js';

export interface CreditLineActivityDeps {
  pool: pg.Pool;
  ledger: PostgresLedger;
  events: OrderEventStore;
}

/** The credit line's side effects; `acceptedUpdateSender` is the orders' (activities/index.ts). */
export function createCreditLineActivities({
  pool,
  ledger,
  events,
}: CreditLineActivityDeps): Omit<CreditLineActivities, 'acceptedUpdateSender'> {
  return {
    buyerRecord: ({ buyerId, asOf }) => buyerRecord(pool, buyerId, new Date(asOf)),
    lineRefundOf: async ({ lineId, orderId, reference }) => ({
      amount: await ledger.creditedBy(`${orderId}:refund:line:${reference}`, `lender:${lineId}`),
    }),
    async postLineTransaction(posting) {
      try {
        return await ledger.postLine(posting);
      } catch (err) {
        // A posting the ledger refuses would be refused again: a bug to fix, not to retry.
        if (err instanceof LineLedgerError) {
          throw ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true });
        }
        throw err;
      }
    },
    /**
     * Stores the line's events in the feed; the delivery of supplier events takes them to the
     * webhooks in feed order. Its wake-up comes after the commit: one that fails is made up for by
     * the next.
     */
    async recordCreditLineEvents({ events: batch }) {
      await events.recordLineEvents(batch);
      const { client, info, log } = Context.current();
      try {
        await wakeSupplierEventDelivery(client, info.taskQueue);
      } catch (err) {
        log.warn('credit line events stored; their webhooks wait for the next wake-up', {
          error: (err as Error).message,
        });
      }
      return { stored: batch.length };
    },
  };
}
