import type { Client } from '@temporalio/client';
import { STATEMENT_CRON, STATEMENT_SCHEDULE_ID, STATEMENT_WORKFLOW_TYPE } from '../workflows/model/ledger.js';
import { ensureSchedule } from './schedules.js';

/**
 * The Schedule that closes each UTC day of the ledger (docs/ledger.md#statements), created or
 * updated by every worker at start. `scheduleId` other than `ledger-statement` only for a test that
 * must not touch the real one.
 */
export function ensureStatementSchedule(
  client: Client,
  { taskQueue, scheduleId = STATEMENT_SCHEDULE_ID }: { taskQueue: string; scheduleId?: string },
): Promise<'created' | 'updated'> {
  return ensureSchedule(client, {
    scheduleId,
    workflowType: STATEMENT_WORKFLOW_TYPE,
    taskQueue,
    cron: STATEMENT_CRON,
  });
}
