import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { buyerRecord, recordCreditLineEvents } from '../db/credit-lines.js';
import { LineLedgerError, type PostgresLedger } from '../db/postgres-ledger.js';
import type { CreditLineActivities } from '../workflows/credit-line/model/activities.js';

export interface CreditLineActivityDeps {
  pool: pg.Pool;
  ledger: PostgresLedger;
}

/** The credit line's side effects; `acceptedUpdateSender` is the orders' (activities/index.ts). */
export function createCreditLineActivities({
  pool,
  ledger,
}: CreditLineActivityDeps): Omit<CreditLineActivities, 'acceptedUpdateSender'> {
  return {
    buyerRecord: ({ buyerId, asOf }) => buyerRecord(pool, buyerId, new Date(asOf)),
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
    async recordCreditLineEvents({ events }) {
      await recordCreditLineEvents(pool, events);
      return { stored: events.length };
    },
  };
}
