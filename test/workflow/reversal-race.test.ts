import { randomUUID } from 'node:crypto';
import { WorkflowUpdateStage } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Movement, MovementResult } from '../../db/payments-gateway.js';
import { PostgresLedger } from '../../db/postgres-ledger.js';
import {
  acceptGoodsUpdate,
  reversePaymentUpdate,
  submitInspectionUpdate,
} from '../../workflows/model/messages.js';
import { type ApiUnderTest, startApi } from '../support/api-client.js';
import { createHarness, type Harness, waitForStatus } from '../support/harness.js';
import { type LedgerMethod as Method, WrappedLedger } from '../support/ledger-wrapper.js';
import { conformingReport, deliveredOrder } from '../support/scenarios.js';

/** The real ledger, except that an armed (order, method) waits for the test before it moves money. */
class GatedLedger extends WrappedLedger {
  private readonly gates = new Map<string, { entered: () => void; open: Promise<void> }>();

  /** `entered` resolves once the activity is inside the ledger call; `open()` lets it through. */
  hold(orderId: string, method: Method) {
    let open!: () => void;
    let entered!: () => void;
    const opened = new Promise<void>((r) => {
      open = r;
    });
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    this.gates.set(`${orderId}/${method}`, { entered, open: opened });
    return { inside, open };
  }

  protected async call(method: Method, m: Movement): Promise<MovementResult> {
    const gate = this.gates.get(`${m.orderId}/${method}`);
    if (gate) {
      this.gates.delete(`${m.orderId}/${method}`);
      gate.entered();
      await gate.open;
    }
    return this.ledger[method](m);
  }
}

let h: Harness;
let api: ApiUnderTest;
let payments: GatedLedger;
beforeAll(async () => {
  h = await createHarness();
  payments = new GatedLedger(new PostgresLedger(h.pool));
  await h.startWorker({ payments });
  api = await startApi(h);
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

const AMOUNT = 1_250_000;

async function escrowOf(orderId: string): Promise<number> {
  const { rows } = await h.pool.query('SELECT balance FROM ledger_accounts WHERE id = $1', [
    `escrow:${orderId}`,
  ]);
  return Number(rows[0]?.balance);
}

describe('a reversal racing a settlement never leaves escrow negative', () => {
  it('sent while the release is in the ledger: refused with 409 settling, and the release pays what was funded', async () => {
    const orderId = `T-${randomUUID()}`;
    const { handle } = await deliveredOrder(h, { orderId, fees: { commissionBps: 250 } });
    const release = payments.hold(orderId, 'releaseToSupplier');
    await handle.executeUpdate(submitInspectionUpdate, { args: [conformingReport] });
    await release.inside;

    const refused = await api.call('POST', `/v1/orders/${orderId}/payments/wire-1/reversal`, {
      body: { amount: 250_000, reason: 'chargeback' },
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ type: '/problems/wrong-state', currentStatus: 'settling' });

    release.open();
    const closed = await handle.result();
    expect(closed).toMatchObject({ outcome: 'released', funded: AMOUNT, escrowBalance: 0 });
    expect(closed.reversals).toBeUndefined();
    const entries = await h.ledger.entries(orderId);
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([
      ['funding', AMOUNT],
      ['release', AMOUNT],
    ]);
    expect(await escrowOf(orderId)).toBe(0);
  });

  it('accepted before the settlement: the settlement waits for it and pays out the smaller escrow', async () => {
    const orderId = `T-${randomUUID()}`;
    const { handle } = await deliveredOrder(h, { orderId, fees: { commissionBps: 250 } });
    const reversal = payments.hold(orderId, 'reverseFunding');
    const reversing = await handle.startUpdate(reversePaymentUpdate, {
      args: [{ reference: 'wire-1', amount: 250_000, reason: 'chargeback' }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await reversal.inside;
    // The buyer accepts while the reversal is still on its way to the ledger.
    const accepted = await handle.executeUpdate(acceptGoodsUpdate, { args: [{}] });
    expect(accepted.status).toBe('settling');
    await waitForStatus(handle, 'settling');

    reversal.open();
    expect((await reversing.result()).reversals).toHaveLength(1);
    const closed = await handle.result();
    expect(closed).toMatchObject({
      outcome: 'released',
      reason: 'buyer_accepted',
      funded: 1_000_000,
      escrowBalance: 0,
    });
    expect(closed.payouts).toEqual([
      expect.objectContaining({ kind: 'release', amount: 1_000_000, fee: 25_000 }),
    ]);
    const entries = await h.ledger.entries(orderId);
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([
      ['funding', AMOUNT],
      ['reversal', 250_000],
      ['release', 1_000_000],
    ]);
    expect(await escrowOf(orderId)).toBe(0);
  });
});
