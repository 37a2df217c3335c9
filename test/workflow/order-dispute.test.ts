import { describe, expect, it } from 'vitest';
import {
  arbitrateUpdate,
  orderQuery,
  settleUpdate,
  submitInspectionUpdate,
} from '../../workflows/model/messages.js';
import { OrderStatusKey } from '../../workflows/model/search-attributes.js';
import {
  acceptedUpdateIds,
  type Harness,
  waitForSnapshot,
  waitForStatus,
  withWorker,
} from '../support/harness.js';
import {
  conformingReport,
  contradictingReport,
  deliveredOrder,
  disputedOrder,
} from '../support/scenarios.js';

let h: Harness;
withWorker((ready) => {
  h = ready;
});

const ledgerOf = async (orderId: string) => (await h.ledger.entries(orderId)).map((e) => [e.kind, e.amount]);
const FUNDED = 1_250_000;

describe('inspection', () => {
  it('releases to the supplier on a report that conforms', async () => {
    const { input, handle } = await deliveredOrder(h);
    const snapshot = await handle.executeUpdate(submitInspectionUpdate, { args: [conformingReport] });
    expect(snapshot.evaluation).toMatchObject({ conforms: true, violations: [] });
    expect(await handle.result()).toMatchObject({ outcome: 'released', reason: 'buyer_accepted' });
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', FUNDED],
      ['release', FUNDED],
    ]);
  });

  it('opens a negotiation on a report that contradicts the contract, with the violations', async () => {
    const { handle, snapshot } = await disputedOrder(h);
    expect(snapshot).toMatchObject({ status: 'negotiation', dispute: { kind: 'quality' } });
    expect(snapshot.evaluation?.violations).toEqual([
      expect.objectContaining({ attribute: 'moisture', actual: 14.5 }),
    ]);
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(OrderStatusKey)).toBe('negotiation');
    await handle.terminate('test done');
  });

  it('goes straight to arbitration when the negotiation window is PT0S', async () => {
    const { handle, snapshot } = await disputedOrder(h, { negotiationWindow: 'PT0S' });
    expect(snapshot.status).toBe('arbitration');
    expect(snapshot.arbitration).toMatchObject({ overdue: false });
    await handle.terminate('test done');
  });

  it('refuses a second report once the inspection is over', async () => {
    const { handle } = await disputedOrder(h);
    await expect(
      handle.executeUpdate(submitInspectionUpdate, { args: [conformingReport] }),
    ).rejects.toMatchObject({
      cause: { type: 'OrderWrongState' },
    });
    await handle.terminate('test done');
  });
});

describe('negotiation', () => {
  it('refunds in full when the supplier accepts the claim', async () => {
    const { input, handle } = await disputedOrder(h);
    await handle.executeUpdate(settleUpdate, {
      args: [{ party: 'supplier', action: 'accept_claim', returnGoods: false }],
    });
    expect(await handle.result()).toMatchObject({ outcome: 'refunded', reason: 'claim_accepted' });
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', FUNDED],
      ['refund', FUNDED],
    ]);
  });

  it('splits when the buyer accepts the latest offer of a partial refund', async () => {
    const { input, handle } = await disputedOrder(h);
    await handle.executeUpdate(settleUpdate, {
      args: [{ party: 'supplier', action: 'offer', refundAmount: 100_000 }],
    });
    const offered = await handle.executeUpdate(settleUpdate, {
      args: [{ party: 'supplier', action: 'offer', refundAmount: 150_000 }],
    });
    expect(offered.offers.map((o) => [o.refundAmount, o.status])).toEqual([
      [100_000, 'superseded'],
      [150_000, 'open'],
    ]);
    await handle.executeUpdate(settleUpdate, { args: [{ party: 'buyer', action: 'accept_offer' }] });
    expect(await handle.result()).toMatchObject({ outcome: 'split', reason: 'settlement_agreed' });
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', FUNDED],
      ['refund', 150_000],
      ['release', FUNDED - 150_000],
    ]);
  });

  it('releases when the buyer withdraws the claim', async () => {
    const { input, handle } = await disputedOrder(h);
    await handle.executeUpdate(settleUpdate, { args: [{ party: 'buyer', action: 'withdraw_claim' }] });
    expect(await handle.result()).toMatchObject({ outcome: 'released', reason: 'claim_withdrawn' });
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', FUNDED],
      ['release', FUNDED],
    ]);
  });

  it('refuses to accept an offer that was never made, and an offer above what escrow covers', async () => {
    const { handle } = await disputedOrder(h);
    await expect(
      handle.executeUpdate(settleUpdate, { args: [{ party: 'buyer', action: 'accept_offer' }] }),
    ).rejects.toMatchObject({
      cause: { type: 'OrderInvalidEvent', message: 'there is no open offer to accept' },
    });
    await expect(
      handle.executeUpdate(settleUpdate, {
        args: [{ party: 'supplier', action: 'offer', refundAmount: FUNDED + 1 }],
      }),
    ).rejects.toMatchObject({ cause: { type: 'OrderInvalidEvent' } });
    expect((await handle.query(orderQuery)).offers).toEqual([]);
    await handle.terminate('test done');
  });

  it('escalates to arbitration when the negotiation window passes', async () => {
    const { handle } = await disputedOrder(h, { negotiationWindow: 'PT1S' });
    expect(await waitForStatus(handle, 'arbitration')).toMatchObject({
      status: 'arbitration',
      arbitration: { overdue: false },
    });
    await handle.terminate('test done');
  });
});

describe('arbitration', () => {
  const decision = { arbitrator: 'arb-7', rationale: 'lab report shows moisture above contract' };

  it.each([
    ['refund', 'refunded', [['refund', FUNDED]]],
    ['release', 'released', [['release', FUNDED]]],
  ] as const)('settles an arbitrator decision to %s', async (outcome, closed, payouts) => {
    const { input, handle } = await disputedOrder(h, { negotiationWindow: 'PT0S' });
    // The buyer keeps the goods: a refund with a return is test/workflow/order-returns.test.ts's.
    const waived = outcome === 'refund' ? { returnGoods: false } : {};
    await handle.executeUpdate(arbitrateUpdate, { args: [{ outcome, ...decision, ...waived }] });
    const result = await handle.result();
    expect(result).toMatchObject({
      outcome: closed,
      reason: 'arbitration',
      decision: { outcome, ...decision },
    });
    expect(await ledgerOf(input.orderId)).toEqual([['funding', FUNDED], ...payouts]);
    expect((await h.ledger.entries(input.orderId))[1]?.memo).toContain('arb-7');
  });

  it('settles a split decision', async () => {
    const { input, handle } = await disputedOrder(h, { negotiationWindow: 'PT0S' });
    await handle.executeUpdate(arbitrateUpdate, {
      args: [{ outcome: 'split', refundAmount: 400_000, ...decision }],
    });
    expect(await handle.result()).toMatchObject({ outcome: 'split', reason: 'arbitration' });
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', FUNDED],
      ['refund', 400_000],
      ['release', FUNDED - 400_000],
    ]);
  });

  it('rejects a bad decision with a message that says what to fix, leaving no trace in history', async () => {
    const { handle } = await disputedOrder(h, { negotiationWindow: 'PT0S' });
    const before = await acceptedUpdateIds(handle);
    const bad: [unknown, string][] = [
      [{ outcome: 'refund_all', ...decision }, 'outcome must be one of "refund", "release", "split"'],
      [{ outcome: 'split', ...decision }, 'a split needs refundAmount'],
      [
        { outcome: 'split', refundAmount: FUNDED, ...decision },
        'out of range for a split: between 1 and 1249999',
      ],
      [{ outcome: 'release', refundAmount: 5, ...decision }, 'refundAmount is only for outcome "split"'],
      [{ outcome: 'refund', arbitrator: 'arb-7' }, 'rationale is required'],
      [{ outcome: 'refund', rationale: 'x' }, 'arbitrator is required'],
    ];
    for (const [arg, message] of bad) {
      await expect(handle.executeUpdate(arbitrateUpdate, { args: [arg as never] })).rejects.toMatchObject({
        cause: { message: expect.stringContaining(message) },
      });
    }
    expect(await acceptedUpdateIds(handle)).toEqual(before);
    expect((await handle.query(orderQuery)).status).toBe('arbitration');
    await handle.terminate('test done');
  });

  it('flags an overdue arbitration and keeps the order open', async () => {
    const { handle } = await disputedOrder(h, { negotiationWindow: 'PT0S', arbitrationSla: 'PT1S' });
    const snapshot = await waitForSnapshot(handle, (s) => s.arbitration?.overdue === true);
    expect(snapshot).toMatchObject({ status: 'arbitration', arbitration: { overdue: true } });
    expect(snapshot.timeline.map((t) => t.event)).toContain('arbitration_overdue');
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect(attributes.get({ name: 'ArbitrationOverdue', type: 'BOOL' })).toBe(true);
    // Still decidable after the deadline.
    await handle.executeUpdate(arbitrateUpdate, { args: [{ outcome: 'release', ...decision }] });
    expect(await handle.result()).toMatchObject({ outcome: 'released', reason: 'arbitration' });
  });
});

describe('contradicting report detail', () => {
  it('shows the arbitrator the shortfall refund it suggests', async () => {
    const { handle } = await deliveredOrder(h);
    const snapshot = await handle.executeUpdate(submitInspectionUpdate, {
      args: [{ ...contradictingReport, measurements: { moisture: 11 }, receivedQuantity: 900 }],
    });
    expect(snapshot.evaluation).toMatchObject({ conforms: false, suggestedRefund: 125_000 });
    await handle.terminate('test done');
  });
});
