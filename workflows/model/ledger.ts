/**
 * The ledger's daily closing (docs/ledger.md#statements): the Schedule, the workflow it starts and
 * the activity that workflow schedules.
 */

/** Created by every worker at start, like the supplier assessment's. */
export const STATEMENT_SCHEDULE_ID = 'ledger-statement';
export const STATEMENT_WORKFLOW_TYPE = 'ledgerStatement';
/** Five minutes after each UTC midnight: the day before is over. */
export const STATEMENT_CRON = '5 0 * * *';

export interface ClosedDay {
  date: string;
  hash: string;
  transactions: number;
  entries: number;
}

export interface StatementInput {
  /** Days closed by the runs before this one (continue-as-new). */
  closed?: number;
  /** Days per run before it continues as new. */
  daysPerRun?: number;
}

export interface StatementResult {
  closed: number;
  /** The last day this workflow closed, if any. */
  last?: ClosedDay;
}

/**
 * Implemented in activities/ledger.ts. The name is an activity type recorded in running workflows'
 * histories: never rename it.
 */
export interface LedgerActivities {
  /** Closes the next day that is over and has no statement, in one transaction; none when none is due. */
  closeLedgerDay(): Promise<ClosedDay | undefined>;
}
