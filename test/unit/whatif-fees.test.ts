import { describe, expect, it } from 'vitest';
import { decidedBefore, redecide } from '../../scripts/whatif/redecide.js';
import type { OrderSnapshot } from '../../workflows/model/state.js';
import { normalizeContract } from '../../workflows/schemas/contract.js';

/** docs/whatif.md: an order's own fees decide its `before`, and a rule's rate replaces them. */

const AMOUNT = 1_000_000;
const now = new Date('2026-03-01T00:00:00Z');

function released(fees?: { commissionBps: number; minimum?: number }, fee?: number): OrderSnapshot {
  const contract = normalizeContract(
    {
      orderId: 'W-1',
      buyer: { id: 'b' },
      supplier: { id: 's' },
      currency: 'USD',
      amount: AMOUNT,
      shipBy: '2026-04-01T00:00:00Z',
      transitWindow: 'P60D',
      inspectionWindow: 'P7D',
      negotiationWindow: 'P3D',
      arbitrationSla: 'P5D',
      quantity: { ordered: 100, unit: 'kg', tolerancePct: 0 },
      quality: [],
      ...(fees && { fees }),
    },
    now,
  );
  return {
    orderId: 'W-1',
    status: 'closed',
    outcome: 'released',
    reason: 'inspection_lapsed',
    contract,
    deadlines: { fundBy: contract.fundBy, shipBy: contract.shipBy },
    funded: AMOUNT,
    escrowBalance: 0,
    outstanding: 0,
    payments: [],
    offers: [],
    extensions: [],
    payouts: [
      {
        kind: 'release',
        amount: AMOUNT,
        ...(fee !== undefined && { fee }),
        idempotencyKey: 'W-1:release',
        transactionId: '1',
        at: now.toISOString(),
      },
    ],
    timeline: [],
  };
}

describe('what-if with the contract’s fees', () => {
  it('reads the fee an order paid from its payouts', () => {
    expect(decidedBefore(released({ commissionBps: 250 }, 25_000)).fee).toBe(25_000);
    expect(decidedBefore(released()).fee).toBe(0);
  });

  it('keeps the contract’s fees without a rule: nothing changes', () => {
    const d = redecide(released({ commissionBps: 250, minimum: 30_000 }, 30_000), {});
    expect(d).toMatchObject({ kind: 'rules', changed: false, after: { release: AMOUNT, fee: 30_000 } });
  });

  it('replaces the rate with the rule’s, keeping the contract’s minimum', () => {
    const d = redecide(released({ commissionBps: 250, minimum: 30_000 }, 30_000), { commissionBps: 100 });
    expect(d).toMatchObject({ kind: 'rules', changed: false, after: { fee: 30_000 } });
    const higher = redecide(released({ commissionBps: 250, minimum: 30_000 }, 30_000), {
      commissionBps: 500,
    });
    expect(higher).toMatchObject({ changed: true, before: { fee: 30_000 }, after: { fee: 50_000 } });
    const none = redecide(released(), { commissionBps: 250 });
    expect(none).toMatchObject({ changed: true, before: { fee: 0 }, after: { fee: 25_000 } });
  });
});
