import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LedgerBooks } from '../../db/ledger-books.js';
import { createPool } from '../../db/pool.js';
import { generateLedgerDay } from '../../scripts/bench/ledger-data.js';
import { STATEMENT_SCHEDULE_ID, STATEMENT_WORKFLOW_TYPE } from '../../workflows/model/ledger.js';
import { eventually } from '../support/api-client.js';
import { type EngineProcess, waitForOutput, withOwnWorker } from '../support/engine-processes.js';
import type { Harness } from '../support/harness.js';

/**
 * The ledger's Schedule on the real cluster: `npm run worker` creates `ledger-statement` at start
 * (with the worker's own credentials, under JWT authorization), and a run of it closes the days of
 * the worker's database, one of its own, so that no other file's ledger is closed.
 */
let taskQueue: string;
let databaseUrl: string;
let worker: EngineProcess;
let h: Harness;
withOwnWorker('ledger', (under) => {
  ({ taskQueue, databaseUrl, worker, h } = under);
});

describe('the ledger statement on the cluster', () => {
  it('is scheduled by the worker at start and closes the days that are over when it runs', async () => {
    // The worker makes its Schedules in the background while it polls: the line may follow 'worker polling'.
    await waitForOutput(worker, 'ledger statement scheduled');
    const schedule = h.client.schedule.getHandle(STATEMENT_SCHEDULE_ID);
    const described = await schedule.describe();
    expect(described.action).toMatchObject({ workflowType: STATEMENT_WORKFLOW_TYPE, taskQueue });
    expect(described.spec.calendars?.length).toBeGreaterThan(0);

    const pool = createPool(databaseUrl, 1);
    try {
      const date = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      await generateLedgerDay(pool, { date, prefix: `cluster-${randomUUID().slice(0, 8)}-`, orders: 3 });
      const before = described.info.recentActions.length;
      await schedule.trigger();
      const triggered = await eventually(
        () => schedule.describe(),
        (d) => d.info.recentActions.length > before,
        30_000,
      );
      const run = triggered.info.recentActions.at(-1)?.action.workflow.workflowId as string;
      const result = await h.client.workflow.getHandle(run).result();
      expect(result).toMatchObject({ closed: 1, last: { date, transactions: 6, entries: 12 } });
      const report = await new LedgerBooks(pool).reconcile(date);
      expect(report).toMatchObject({ closed: true, statementHolds: true, chainHolds: true });
    } finally {
      await pool.end();
    }
  });
});
