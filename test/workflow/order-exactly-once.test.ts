import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Movement, MovementResult } from '../../db/payments-gateway.js';
import { PostgresLedger } from '../../db/postgres-ledger.js';
import { reversePaymentUpdate, submitInspectionUpdate } from '../../workflows/model/messages.js';
import type { ClosedOrder } from '../../workflows/model/state.js';
import type { order } from '../../workflows/order-workflow.js';
import { at, createHarness, type Harness } from '../support/harness.js';
import { type LedgerMethod as Method, WrappedLedger } from '../support/ledger-wrapper.js';
import { conformingReport, deliveredOrder, fundedOrder, type OrderHandle } from '../support/scenarios.js';

/**
 * The real ledger, except that the first call of an armed (order, method) commits and then throws,
 * as when the worker dies or the response is lost after PostgreSQL committed.
 */
class CrashAfterCommit extends WrappedLedger {
  private readonly armed = new Set<string>();
  private readonly counts = new Map<string, number>();

  arm(orderId: string, method: Method) {
    this.armed.add(`${orderId}/${method}`);
  }

  calls(orderId: string, method: Method): number {
    return this.counts.get(`${orderId}/${method}`) ?? 0;
  }

  protected async call(method: Method, m: Movement): Promise<MovementResult> {
    const key = `${m.orderId}/${method}`;
    this.counts.set(key, this.calls(m.orderId, method) + 1);
    const result = await this.ledger[method](m);
    if (this.armed.delete(key)) {
      throw new Error(`simulated crash after the ledger committed ${m.idempotencyKey}`);
    }
    return result;
  }
}

let h: Harness;
let payments: CrashAfterCommit;
beforeAll(async () => {
  h = await createHarness();
  payments = new CrashAfterCommit(new PostgresLedger(h.pool));
  await h.startWorker({ payments });
});
afterAll(() => h?.close());

const AMOUNT = 1_250_000;

/** What the ledger, not the workflow, says about an order. */
async function ledgerOf(orderId: string) {
  const entries = await h.ledger.entries(orderId);
  const escrow = `escrow:${orderId}`;
  return {
    entries,
    escrowBalance: entries
      .flatMap((e) => e.legs)
      .filter((leg) => leg.accountId === escrow)
      .reduce((sum, leg) => sum + Number(leg.amount), 0),
  };
}

describe('exactly-once payments on a real Temporal server and PostgreSQL', () => {
  it.each(['creditEscrow', 'releaseToSupplier'] as const)(
    'an activity that fails after the ledger committed is retried and the ledger still has exactly one entry (%s)',
    async (method) => {
      const orderId = `T-${randomUUID()}`;
      payments.arm(orderId, method);

      const { handle, snapshot: delivered } = await deliveredOrder(h, { orderId });
      expect(delivered.status).toBe('inspection');
      await handle.executeUpdate(submitInspectionUpdate, { args: [conformingReport] });
      const result = await handle.result();

      expect(result).toMatchObject({
        status: 'closed',
        outcome: 'released',
        reason: 'buyer_accepted',
        funded: AMOUNT,
        escrowBalance: 0,
      });
      const ledger = await ledgerOf(orderId);
      expect(ledger.entries.map((e) => [e.kind, e.amount, e.idempotencyKey])).toEqual([
        ['funding', AMOUNT, `${orderId}:payment:wire-1`],
        ['release', AMOUNT, `${orderId}:release`],
      ]);
      expect(ledger.escrowBalance).toBe(0);
      // The order must point at the ledger's one entry, not at a second one the retry could have made.
      expect(result.payments.map((p) => p.transactionId)).toEqual([ledger.entries[0]?.transactionId]);
      expect(result.payouts.map((p) => [p.kind, p.amount, p.transactionId])).toEqual([
        ['release', AMOUNT, ledger.entries[1]?.transactionId],
      ]);
      // Without a second call the crash was never retried and this test would prove nothing.
      expect(payments.calls(orderId, method)).toBe(2);
    },
  );

  it('a release with a commission that fails after the ledger committed pays the supplier and the fee account once', async () => {
    const orderId = `T-${randomUUID()}`;
    payments.arm(orderId, 'releaseToSupplier');
    const { handle } = await deliveredOrder(h, { orderId, fees: { commissionBps: 250, minimum: 40_000 } });
    await handle.executeUpdate(submitInspectionUpdate, { args: [conformingReport] });
    const result = await handle.result();

    expect(result).toMatchObject({ status: 'closed', outcome: 'released', escrowBalance: 0 });
    const ledger = await ledgerOf(orderId);
    expect(ledger.entries.map((e) => [e.kind, e.amount, e.idempotencyKey])).toEqual([
      ['funding', AMOUNT, `${orderId}:payment:wire-1`],
      ['release', AMOUNT, `${orderId}:release`],
    ]);
    // 2.5 % is 31,250, under the 40,000 minimum.
    expect(ledger.entries[1]?.legs).toEqual([
      { accountId: `escrow:${orderId}`, amount: -AMOUNT },
      { accountId: 'supplier:supplier-1:USD', amount: AMOUNT - 40_000 },
      { accountId: 'fees:USD', amount: 40_000 },
    ]);
    expect(result.payouts.map((p) => [p.kind, p.amount, p.fee, p.transactionId])).toEqual([
      ['release', AMOUNT, 40_000, ledger.entries[1]?.transactionId],
    ]);
    expect(payments.calls(orderId, 'releaseToSupplier')).toBe(2);
  });

  it('a reversal that fails after the ledger committed is recorded once', async () => {
    const orderId = `T-${randomUUID()}`;
    payments.arm(orderId, 'reverseFunding');
    const { handle } = await deliveredOrder(h, { orderId });
    const reversed = await handle.executeUpdate(reversePaymentUpdate, {
      args: [{ reference: 'wire-1', amount: 50_000, reason: 'recall' }],
    });
    expect(reversed).toMatchObject({ funded: AMOUNT - 50_000, escrowBalance: AMOUNT - 50_000 });
    const ledger = await ledgerOf(orderId);
    expect(ledger.entries.map((e) => [e.kind, e.amount, e.idempotencyKey])).toEqual([
      ['funding', AMOUNT, `${orderId}:payment:wire-1`],
      ['reversal', 50_000, `${orderId}:reversal:wire-1:1`],
    ]);
    expect(reversed.reversals?.map((r) => r.transactionId)).toEqual([ledger.entries[1]?.transactionId]);
    expect(payments.calls(orderId, 'reverseFunding')).toBe(2);
  });

  /*
   * Both payouts are driven by a timer, not by an Update, and we reset to the workflow task that
   * scheduled the payout, which comes after the last Update. Resetting to before an accepted
   * Update would make the test depend on the server: 1.29 reapplies the Update, older servers drop
   * it and the order would wait or close for another reason. Here the new run sees the same events
   * up to the fired timer and must pay again, with the same business idempotency key.
   */
  it.each([
    {
      name: 'a refund after a late shipment',
      kind: 'refund',
      expected: { outcome: 'refunded', reason: 'late_shipment' },
      drive: async () => (await fundedOrder(h, { fundBy: at(5_000), shipBy: at(6_000) })).handle,
    },
    {
      name: 'a release after the inspection window lapsed',
      kind: 'release',
      expected: { outcome: 'released', reason: 'inspection_lapsed' },
      drive: async () => (await deliveredOrder(h, { inspectionWindow: 'PT1S' })).handle,
    },
  ] as const)(
    'a workflow Reset after a payout does not pay twice: $name',
    async ({ kind, expected, drive }) => {
      const handle: OrderHandle = await drive();
      const first = await handle.result();
      expect(first).toMatchObject({ status: 'closed', ...expected, escrowBalance: 0 });
      const orderId = first.orderId;
      const ledgerBefore = await ledgerOf(orderId);
      expect(ledgerBefore.entries.filter((e) => e.kind === kind)).toHaveLength(1);

      const events = (await handle.fetchHistory()).events ?? [];
      const payoutScheduled = events.findIndex((e) => isPayoutScheduled(e));
      const resetPoint = lastIndexBefore(
        events,
        payoutScheduled,
        (e) => !!e.workflowTaskCompletedEventAttributes,
      );
      expect(resetPoint).toBeGreaterThan(0);
      // A Reset to here must not drop or replay an Update (see above).
      expect(
        events.slice(resetPoint).filter((e) => !!e.workflowExecutionUpdateAcceptedEventAttributes),
      ).toEqual([]);

      const { runId: firstRunId } = await handle.describe();
      const { runId } = await h.client.workflowService.resetWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId: handle.workflowId, runId: firstRunId },
        reason: 'arbitrator reset from the Web UI (test)',
        workflowTaskFinishEventId: events[resetPoint]?.eventId,
        requestId: randomUUID(),
      });
      expect(runId).toBeTruthy();
      const rerun = h.client.workflow.getHandle<typeof order>(handle.workflowId, runId ?? undefined);
      const second: ClosedOrder = await rerun.result();

      expect(second).toMatchObject({ status: 'closed', ...expected, escrowBalance: 0 });
      const payoutsOf = (s: ClosedOrder) =>
        s.payouts.map((p) => [p.kind, p.amount, p.idempotencyKey, p.transactionId]);
      expect(payoutsOf(second)).toEqual(payoutsOf(first));
      const ledgerAfter = await ledgerOf(orderId);
      expect(ledgerAfter.entries).toEqual(ledgerBefore.entries);
      expect(ledgerAfter.escrowBalance).toBe(0);
      // Proves the new run asked the ledger again instead of inheriting the payout from the old run.
      const rerunEvents = (await rerun.fetchHistory()).events ?? [];
      expect(rerunEvents.slice(resetPoint + 1).filter((e) => isPayoutScheduled(e))).toHaveLength(1);
    },
  );
});

type HistoryEvent = NonNullable<Awaited<ReturnType<OrderHandle['fetchHistory']>>['events']>[number];

function isPayoutScheduled(e: HistoryEvent): boolean {
  const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
  return name === 'refundBuyer' || name === 'releaseToSupplier';
}

function lastIndexBefore(events: HistoryEvent[], end: number, match: (e: HistoryEvent) => boolean): number {
  for (let i = end - 1; i >= 0; i--) {
    const e = events[i];
    if (e && match(e)) return i;
  }
  return -1;
}
