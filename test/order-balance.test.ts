import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowUpdateStage } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelUpdate, recordPaymentUpdate } from '../workflows/messages.js';
import { at, createHarness, type Harness, startOrder, testContract, waitForSnapshot } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(() => h?.close());

const FIXTURE = fileURLToPath(
  new URL(
    process.env.RECORD_TO ?? './fixtures/histories/refunded-balance_unpaid+same-task.json',
    import.meta.url,
  ),
);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How many workflow tasks completed between the balance timer firing and the cancel's
 * acceptance: 1 means the worker saw both in the same task.
 */
async function tasksBetweenTimerAndCancel(handle: Awaited<ReturnType<typeof startOrder>>) {
  const events = (await handle.fetchHistory()).events ?? [];
  let completed = 0;
  let seenCancel = false;
  // Walks back from the last Update accepted (the cancellation) to the timer before it.
  for (const e of [...events].reverse()) {
    if (e.workflowExecutionUpdateAcceptedEventAttributes) seenCancel = true;
    else if (seenCancel && e.timerFiredEventAttributes) return completed;
    else if (seenCancel && e.workflowTaskCompletedEventAttributes) completed++;
  }
  throw new Error('no timer fired before the cancellation');
}

describe('the balance deadline racing a cancellation', () => {
  it('closes as balance_unpaid when the supplier cancels in the same workflow task as the deadline passes', async () => {
    // The chaos soak saw this once: a worker died after answering balanceOverdue, and the next
    // worker got the deadline's timer and the supplier's cancellation in one task, where the SDK
    // runs Updates before timers. The worker is stopped here to put both in one task on purpose.
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

    await sleep(Math.max(0, Date.parse(contract.balanceDueBy ?? '') + 2_000 - Date.now()));
    const cancel = handle.startUpdate(cancelUpdate, {
      args: [{ party: 'supplier', reason: 'the balance never came' }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    // Long enough for the server to hold the Update for the task its timer already scheduled.
    await sleep(1_500);
    await h.startWorker();
    const cancelled = await (await cancel).result();
    await handle.result();
    // RECORD_HISTORIES=1 keeps this order's history as the replay fixture of its shape.
    if (process.env.RECORD_HISTORIES === '1') {
      await mkdir(dirname(FIXTURE), { recursive: true });
      await writeFile(FIXTURE, `${historyToJSON(await handle.fetchHistory())}\n`);
    }

    expect(await tasksBetweenTimerAndCancel(handle)).toBe(1);
    expect(cancelled).toMatchObject({ status: 'settling', balanceOverdue: true });
    const closed = await waitForSnapshot(handle, (s) => s.status === 'closed');
    expect(closed).toMatchObject({ outcome: 'refunded', reason: 'balance_unpaid' });
    expect((await h.ledger.entries(contract.orderId)).map((e) => [e.kind, e.amount])).toEqual([
      ['funding', 300_000],
      ['refund', 300_000],
    ]);
  }, 90_000);
});
