import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commissionFee, settlementPlan } from '../../workflows/rules/money.js';
import { settlementMoney } from '../../workflows/rules/report-outcome.js';
import { ContractInputSchema } from '../../workflows/schemas/contract.js';

/** docs/spec.md#commission, written again in BigInt only: what commissionFee must agree with. */
function referenceFee(released: bigint, bps: bigint, minimum: bigint): bigint {
  if (released <= 0n) return 0n;
  const share = (released * bps) / 10000n;
  const floored = share > minimum ? share : minimum;
  return floored < released ? floored : released;
}

const MAX = Number.MAX_SAFE_INTEGER;
const HALF = Math.floor(MAX / 2);

describe('the marketplace commission', () => {
  it('agrees with a BigInt reference on every safe amount, rate and minimum', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: MAX }), fc.constantFrom(0, 1, 9_999, 10_000, MAX - 1, MAX)),
        fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constantFrom(0, 1, 1000, 4999, 5000)),
        fc.option(fc.oneof(fc.integer({ min: 0, max: MAX }), fc.constantFrom(0, MAX)), { nil: undefined }),
        (released, commissionBps, minimum) => {
          const fee = commissionFee(released, { commissionBps, minimum });
          expect(BigInt(fee)).toBe(
            referenceFee(BigInt(released), BigInt(commissionBps), BigInt(minimum ?? 0)),
          );
          expect(Number.isSafeInteger(fee)).toBe(true);
          expect(fee).toBeGreaterThanOrEqual(0);
          expect(fee).toBeLessThanOrEqual(released);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('takes nothing at 0 bps, half at 5000 bps, all of a release below the minimum, and nothing of no release', () => {
    expect(commissionFee(1_000_000, { commissionBps: 0 })).toBe(0);
    expect(commissionFee(1_000_001, { commissionBps: 5000 })).toBe(500_000);
    expect(commissionFee(MAX, { commissionBps: 5000 })).toBe(4_503_599_627_370_495);
    expect(commissionFee(MAX, { commissionBps: 1 })).toBe(900_719_925_474);
    expect(commissionFee(300, { commissionBps: 100, minimum: 500 })).toBe(300);
    expect(commissionFee(0, { commissionBps: 5000, minimum: 500 })).toBe(0);
    expect(commissionFee(1_000_000, undefined)).toBe(0);
  });

  it('pays out of the release only: the legs sum to what escrow held, refunds carry none', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('released', 'refunded', 'split', 'cancelled' as const),
        fc.integer({ min: 1, max: HALF }),
        fc.integer({ min: 0, max: HALF }),
        fc.integer({ min: 0, max: HALF }),
        fc.integer({ min: 0, max: 5000 }),
        fc.option(fc.integer({ min: 0, max: MAX }), { nil: undefined }),
        (outcome, amount, funded, refundAmount, commissionBps, minimum) => {
          const money = settlementMoney(outcome, 'arbitration', funded, amount, refundAmount, {
            commissionBps,
            minimum,
          });
          const plan = settlementPlan(outcome, funded, amount, refundAmount);
          expect(money.paid.buyer + money.paid.supplier + money.paid.fees).toBe(funded);
          expect(money.paid.fees).toBe(commissionFee(plan.release, { commissionBps, minimum }));
          if (plan.release === 0) expect(money.fee).toBe(0);
        },
      ),
    );
  });

  it('is a contract field refused outside 0–5000 integer bps and safe non-negative minimums', () => {
    const fees = (f: unknown) => ContractInputSchema.shape.fees.safeParse(f).success;
    expect(fees({ commissionBps: 250 })).toBe(true);
    expect(fees({ commissionBps: 0, minimum: 0 })).toBe(true);
    expect(fees({ commissionBps: 5000, minimum: MAX })).toBe(true);
    expect(fees({ commissionBps: 5001 })).toBe(false);
    expect(fees({ commissionBps: -1 })).toBe(false);
    expect(fees({ commissionBps: 2.5 })).toBe(false);
    expect(fees({ commissionBps: 250, minimum: -1 })).toBe(false);
    expect(fees({ commissionBps: 250, minimum: 2 ** 53 })).toBe(false);
    expect(fees({ commissionBps: 250, minimum: 0.5 })).toBe(false);
    expect(fees({ minimum: 100 })).toBe(false);
    expect(fees({ commissionBps: 250, extra: 1 })).toBe(false);
  });
});
