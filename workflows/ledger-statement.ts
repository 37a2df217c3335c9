import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { LedgerActivities, StatementInput, StatementResult } from './model/ledger.js';

/** Days a run closes before it continues as new: a catch-up of years keeps each history short. */
export const DAYS_PER_RUN = 100;

/** A day of hundreds of thousands of entries takes minutes to hash; a retry closes it from scratch. */
const ledger = proxyActivities<LedgerActivities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * The ledger's daily closing (docs/ledger.md#statements), started by the Schedule `ledger-statement`:
 * every day that is over and not closed, oldest first, each chained to the one before. A day is one
 * transaction, so a retried activity either finds its day closed and closes the next, or none.
 */
export async function ledgerStatement(input: StatementInput = {}): Promise<StatementResult> {
  const { daysPerRun = DAYS_PER_RUN } = input;
  let { closed = 0 } = input;
  let last: StatementResult['last'];
  for (let days = 0; ; days++) {
    if (days === daysPerRun) return continueAsNew<typeof ledgerStatement>({ closed, daysPerRun });
    const day = await ledger.closeLedgerDay();
    if (!day) return { closed, ...(last && { last }) };
    closed++;
    last = day;
  }
}
