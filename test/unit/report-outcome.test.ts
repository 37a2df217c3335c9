import { describe, expect, it } from 'vitest';
import { commissionFee } from '../../workflows/rules/money.js';
import { reportOutcome } from '../../workflows/rules/report-outcome.js';

const contract = {
  amount: 1_000_000,
  negotiationWindow: 'P3D',
  quantity: { ordered: 100, unit: 'bags', tolerancePct: 0 },
  quality: [{ attribute: 'moisture', max: 12 }],
};
const report = (moisture: number, receivedQuantity: number) => ({
  measurements: { moisture },
  receivedQuantity,
  evidence: [],
});

describe('where a report takes an order, and its money', () => {
  it('sends a violation straight to the arbitrator when the contract has no negotiation window', () => {
    const outcome = reportOutcome({ ...contract, negotiationWindow: 'PT0S' }, report(10, 90), 1_000_000);
    expect(outcome).toMatchObject({
      status: 'arbitration',
      claim: { reason: 'quantity', requestedRefund: 1_000_000 },
      settlement: { outcome: 'split', reason: 'arbitration', refund: 100_000, release: 900_000 },
    });
  });

  it('refunds in full a shortfall that leaves nothing, and gives an overpayment back to the buyer', () => {
    const nothing = reportOutcome(contract, report(10, 0), 1_200_000);
    expect(nothing.settlement).toMatchObject({
      outcome: 'refunded',
      refund: 1_000_000,
      excessRefund: 200_000,
      paid: { buyer: 1_200_000, supplier: 0, fees: 0 },
    });
  });

  it('takes the commission out of the release in integers, with its floor, never above the release', () => {
    const outcome = reportOutcome(contract, report(10, 100), 1_000_000, { commissionBps: 250 });
    expect(outcome.settlement.paid).toEqual({ buyer: 0, supplier: 975_000, fees: 25_000 });
    expect(commissionFee(Number.MAX_SAFE_INTEGER, { commissionBps: 5000 })).toBe(4_503_599_627_370_495);
    expect(commissionFee(100, { commissionBps: 100, minimum: 500 })).toBe(100);
    expect(commissionFee(0, { commissionBps: 100, minimum: 500 })).toBe(0);
  });
});
