import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { WorkflowUpdateStage } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelUpdate, recordPaymentUpdate } from '../../workflows/model/messages.js';
import { type ApiUnderTest, startApi } from '../support/api-client.js';
import {
  at,
  createHarness,
  type Harness,
  startOrder,
  testContract,
  waitForSnapshot,
} from '../support/harness.js';
import { historyToJSON } from '../support/histories.js';
import { disputedOrder } from '../support/scenarios.js';

/*
 * Within one workflow task the SDK runs Updates before timers. A worker gets a deadline's timer
 * and a command in one task when the task that handled the timer first was not the one the server
 * kept (a worker killed, a task timed out): the chaos soak saw both cases below. Each test stops
 * the worker to put the two in one task on purpose.
 */
let h: Harness;
let api: ApiUnderTest;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
  api = await startApi(h);
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

const timersFired = async (handle: Awaited<ReturnType<typeof startOrder>>) =>
  ((await handle.fetchHistory()).events ?? []).filter((e) => e.timerFiredEventAttributes).length;

/** This order's history as the current code makes it; `RECORD_HISTORIES=1` writes it again. */
const FIXTURE = fileURLToPath(
  new URL('../fixtures/histories/refunded-balance_unpaid+same-task.json', import.meta.url),
);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How many workflow tasks completed between the last timer firing and the last Update's
 * acceptance: 1 means the worker saw both in the same task.
 */
async function tasksBetweenTimerAndUpdate(handle: Awaited<ReturnType<typeof startOrder>>) {
  const events = (await handle.fetchHistory()).events ?? [];
  let completed = 0;
  let seenCancel = false;
  // Walks back from the last Update accepted to the timer before it.
  for (const e of [...events].reverse()) {
    if (e.workflowExecutionUpdateAcceptedEventAttributes) seenCancel = true;
    else if (seenCancel && e.timerFiredEventAttributes) return completed;
    else if (seenCancel && e.workflowTaskCompletedEventAttributes) completed++;
  }
  throw new Error('no timer fired before the Update');
}

/** Waits until the server holds the Update, for the workflow task its timer already scheduled. */
async function admitted(workflowId: string, updateId: string) {
  for (;;) {
    try {
      await h.client.workflowService.pollWorkflowExecutionUpdate({
        namespace: 'default',
        updateRef: { workflowExecution: { workflowId }, updateId },
        waitPolicy: {
          lifecycleStage:
            temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage
              .UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED,
        },
      });
      return;
    } catch {
      await sleep(200);
    }
  }
}

describe('the balance deadline racing a cancellation', () => {
  it('closes as balance_unpaid when the supplier cancels in the same workflow task as the deadline passes', async () => {
    // Its history before patched('balance-due-by-clock') and with it replays in
    // test/workflow/replay.test.ts (refunded-*+same-task.json).
    const contract = testContract({
      amount: 900_000,
      deposit: 300_000,
      fundBy: at(20_000),
      balanceDueBy: at(25_000),
      shipBy: at(600_000),
    });
    const handle = await startOrder(h.client, h.taskQueue, contract);
    await handle.executeUpdate(recordPaymentUpdate, { args: [{ amount: 300_000, reference: 'deposit' }] });
    await h.stopWorker();

    // The balance timer fires on the server while no worker runs.
    while ((await timersFired(handle)) === 0) await sleep(500);
    const updateId = 'supplier-cancels-at-the-deadline';
    const cancel = handle.startUpdate(cancelUpdate, {
      args: [{ party: 'supplier', reason: 'the balance never came' }],
      updateId,
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await admitted(handle.workflowId, updateId);
    await h.startWorker();
    const cancelled = await (await cancel).result();

    expect(await tasksBetweenTimerAndUpdate(handle)).toBe(1);
    expect(cancelled).toMatchObject({ status: 'settling', balanceOverdue: true });
    const closed = await waitForSnapshot(handle, (s) => s.status === 'closed');
    expect(closed).toMatchObject({ outcome: 'refunded', reason: 'balance_unpaid' });
    if (process.env.RECORD_HISTORIES === '1') {
      await writeFile(FIXTURE, `${historyToJSON(await handle.fetchHistory())}\n`);
    }
    expect((await h.ledger.entries(contract.orderId)).map((e) => [e.kind, e.amount])).toEqual([
      ['funding', 300_000],
      ['refund', 300_000],
    ]);
  }, 90_000);
});

describe('the negotiation deadline racing an arbitration', () => {
  it('decides the order the arbitrator sees in arbitration, sent in the same task as the deadline', async () => {
    const { input, handle, snapshot } = await disputedOrder(h, { negotiationWindow: 'PT15S' });
    expect(snapshot.status).toBe('negotiation');
    const before = await timersFired(handle);
    await h.stopWorker();

    // The negotiation window lapses on the server while no worker runs.
    while ((await timersFired(handle)) === before) await sleep(500);
    const decision = api.call('POST', `/v1/orders/${input.orderId}/arbitration`, {
      as: 'arbitrator',
      headers: { 'idempotency-key': 'decided-at-the-deadline' },
      body: {
        outcome: 'refund',
        arbitrator: 'arb-7',
        rationale: 'goods contradict the contract',
        returnGoods: false,
      },
    });
    await admitted(handle.workflowId, 'arbitration:decided-at-the-deadline');
    await h.startWorker();

    // Refused in the task that also moved the order to arbitration, then accepted when the API sent
    // it again: judged on the status the arbitrator saw.
    expect(await decision).toMatchObject({ status: 200, body: { status: 'settling' } });
    expect(await tasksBetweenTimerAndUpdate(handle)).toBeGreaterThan(1);
    expect(await handle.result()).toMatchObject({ outcome: 'refunded', reason: 'arbitration' });
  }, 120_000);
});
