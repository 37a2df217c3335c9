import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPool } from '../../db/pool.js';
import { generatedId, generateSuppliers } from '../../scripts/bench/program-data.js';
import { ASSESSMENT_SCHEDULE_ID, ASSESSMENT_WORKFLOW_TYPE } from '../../workflows/model/program.js';
import { eventually } from '../support/api-client.js';
import { type EngineProcess, waitForOutput, withOwnWorker } from '../support/engine-processes.js';
import type { Harness } from '../support/harness.js';

/**
 * The supplier program's Schedule on the real cluster: `npm run worker` creates `supplier-assessment`
 * at start (with the worker's own credentials, under JWT authorization), and a run of it assesses
 * the suppliers of the worker's database. The worker's database is one of its own, so that the
 * assessment changes none of the suppliers of the other files.
 */
let taskQueue: string;
let databaseUrl: string;
let worker: EngineProcess;
let h: Harness;
withOwnWorker('program', (under) => {
  ({ taskQueue, databaseUrl, worker, h } = under);
});

describe('the supplier assessment on the cluster', () => {
  it('is scheduled by the worker at start and assesses every enrolled supplier when it runs', async () => {
    // The worker makes its Schedules in the background while it polls: the line may follow 'worker polling'.
    await waitForOutput(worker, 'supplier assessment scheduled');
    const schedule = h.client.schedule.getHandle(ASSESSMENT_SCHEDULE_ID);
    const described = await schedule.describe();
    expect(described.action).toMatchObject({ workflowType: ASSESSMENT_WORKFLOW_TYPE, taskQueue });
    expect(described.spec.calendars?.length).toBeGreaterThan(0);

    const pool = createPool(databaseUrl, 1);
    try {
      const prefix = `cluster-${randomUUID().slice(0, 8)}-`;
      await generateSuppliers(pool, { prefix, count: 3, status: 'qualified' });
      const before = described.info.recentActions.length;
      await schedule.trigger();
      const triggered = await eventually(
        () => schedule.describe(),
        (d) => d.info.recentActions.length > before,
        30_000,
      );
      const run = triggered.info.recentActions.at(-1)?.action.workflow.workflowId as string;
      const result = await h.client.workflow.getHandle(run).result();
      expect(result.assessed).toBe(3);
      const rows = await pool.query(
        'SELECT status, status_reasons FROM suppliers WHERE supplier_id = ANY($1) ORDER BY supplier_id',
        [[1, 2, 3].map((n) => generatedId(prefix, n))],
      );
      expect(rows.rows).toEqual(
        [1, 2, 3].map(() => ({ status: 'provisional', status_reasons: ['too_few_orders'] })),
      );
    } finally {
      await pool.end();
    }
  });
});
