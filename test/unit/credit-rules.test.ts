import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accrue, DENOMINATOR, postInterest } from '../../workflows/credit-line/rules/interest.js';
import { allocate, owed } from '../../workflows/credit-line/rules/repayment.js';
import {
  type BuyerRecord,
  MAX_SCORE,
  SCORECARD,
  score,
} from '../../workflows/credit-line/rules/scorecard.js';

const noRecord: BuyerRecord = {
  orders: 0,
  value: [],
  claimsFiled: 0,
  claimsRejected: 0,
  fundingDue: 0,
  fundedOnTime: 0,
};
const MIN = 500_000;

describe('the scorecard', () => {
  it('offers an established applicant with revenue of 50 × the limit and a clean record the whole limit at 1.15 %', () => {
    for (const record of [noRecord, { ...noRecord, orders: 3, fundingDue: 3, fundedOnTime: 1 }]) {
      const card = score(
        { requestedLimit: 10_000_000, yearsTrading: 10, annualRevenue: 500_000_000, record },
        MIN,
      );
      expect(card.result).toEqual({
        decision: 'approved_in_principle',
        band: 'A',
        offeredLimit: 10_000_000,
        monthlyRateBps: 115,
      });
    }
  });

  it('lists each factor with its value and points, and the points add up to the score', () => {
    const card = score(
      {
        requestedLimit: 2_000_000,
        yearsTrading: 4,
        annualRevenue: 30_000_000,
        record: {
          ...noRecord,
          orders: 6,
          claimsFiled: 2,
          claimsRejected: 1,
          fundingDue: 10,
          fundedOnTime: 9,
        },
      },
      MIN,
    );
    expect(card.factors).toEqual([
      { factor: 'years_trading', value: 4, points: 20, max: 40, weak: false },
      { factor: 'revenue_cover', value: 15, points: 20, max: 40, weak: false },
      { factor: 'trading_record', value: 6, points: 15, max: 20, weak: false },
      { factor: 'claims_rejected', value: 1, points: 5, max: 20, weak: true },
      { factor: 'payment_punctuality', value: 900, points: 10, max: 20, weak: false },
    ]);
    expect(card.score).toBe(70);
    expect(card.maxScore).toBe(MAX_SCORE);
    expect(card.result).toEqual({
      decision: 'approved_in_principle',
      band: 'C',
      offeredLimit: 1_000_000,
      monthlyRateBps: 200,
    });
  });

  it('declines a weak applicant with the weak factors as reasons', () => {
    const card = score(
      { requestedLimit: 5_000_000, yearsTrading: 0, annualRevenue: 10_000_000, record: noRecord },
      MIN,
    );
    expect(card.result).toEqual({
      decision: 'declined',
      reasons: ['score_below_threshold', 'years_trading', 'revenue_cover'],
    });
  });

  it('declines an offer below the currency’s smallest line', () => {
    const card = score(
      { requestedLimit: 600_000, yearsTrading: 4, annualRevenue: 30_000_000, record: noRecord },
      MIN,
    );
    expect(card.result).toMatchObject({ decision: 'declined', reasons: ['below_minimum_limit'] });
  });

  it('never offers more than requested, nor a rate below 1.15 %, for any applicant', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.record({
          orders: fc.nat(1000),
          claimsRejected: fc.nat(50),
          fundingDue: fc.nat(1000),
        }),
        (requestedLimit, yearsTrading, annualRevenue, r) => {
          const record = { ...noRecord, ...r, fundedOnTime: Math.floor(r.fundingDue / 2) };
          const {
            result,
            factors,
            score: total,
          } = score({ requestedLimit, yearsTrading, annualRevenue, record }, 1);
          expect(factors.reduce((s, f) => s + f.points, 0)).toBe(total);
          if (result.decision === 'approved_in_principle') {
            expect(result.offeredLimit).toBeLessThanOrEqual(requestedLimit);
            expect(result.monthlyRateBps).toBeGreaterThanOrEqual(115);
          }
        },
      ),
    );
  });

  it('explains every factor', () => {
    for (const rule of SCORECARD) expect(rule.why.length).toBeGreaterThan(20);
  });
});

/** The formula of docs/credit.md#interest, over a whole history of (principal, ms) pieces, in BigInt. */
function reference(pieces: { principal: number; ms: number }[][], bps: number): number[] {
  let carried = 0n;
  return pieces.map((period) => {
    const sum = period.reduce((s, p) => s + BigInt(p.principal) * BigInt(p.ms) * BigInt(bps), carried);
    carried = sum % (10_000n * 2_592_000_000n);
    return Number(sum / (10_000n * 2_592_000_000n));
  });
}

describe('interest', () => {
  it('is 1.15 % of a month’s principal, to the minor unit', () => {
    const { interest, carried } = postInterest(accrue(0n, 10_000_000, 2_592_000_000, 115));
    expect(interest).toBe(115_000);
    expect(carried).toBe(0n);
  });

  it('carries the fraction below a minor unit into the next period', () => {
    // 1 minor unit for one millisecond: far below a unit, carried until it adds up.
    const first = postInterest(accrue(0n, 100, 1000, 115));
    expect(first.interest).toBe(0);
    expect(first.carried).toBe(100n * 1000n * 115n);
  });

  it('equals the formula over the whole history, period by period, for any history', () => {
    const piece = fc.record({
      principal: fc.integer({ min: 0, max: 300_000_000 }),
      ms: fc.integer({ min: 0, max: 40 * 24 * 3600 * 1000 }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(piece, { maxLength: 20 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 115, max: 1000 }),
        (periods, bps) => {
          let carried = 0n;
          const posted = periods.map((period) => {
            const numerator = period.reduce((n, p) => accrue(n, p.principal, p.ms, bps), carried);
            const result = postInterest(numerator);
            carried = result.carried;
            expect(result.carried).toBeLessThan(DENOMINATOR);
            return result.interest;
          });
          expect(posted).toEqual(reference(periods, bps));
          // Nothing is lost: what was posted plus the carry is the whole numerator.
          const whole = periods
            .flat()
            .reduce((s, p) => s + BigInt(p.principal) * BigInt(p.ms) * BigInt(bps), 0n);
          expect(BigInt(posted.reduce((a, b) => a + b, 0)) * DENOMINATOR + carried).toBe(whole);
        },
      ),
    );
  });
});

describe('repayments', () => {
  const draws = [
    { drawId: 'o-2:p', drawnAt: '2026-02-01T00:00:00.000Z', outstanding: 300 },
    { drawId: 'o-1:p', drawnAt: '2026-01-01T00:00:00.000Z', outstanding: 500 },
  ];

  it('pay interest first, then the oldest draw', () => {
    expect(allocate(700, 100, draws)).toEqual({
      interest: 100,
      principal: [
        { drawId: 'o-1:p', amount: 500 },
        { drawId: 'o-2:p', amount: 100 },
      ],
    });
    expect(allocate(50, 100, draws)).toEqual({ interest: 50, principal: [] });
    expect(owed(100, draws)).toBe(900);
  });

  it('apply every minor unit of any repayment up to what is owed, and no more to a draw than it owes', () => {
    fc.assert(
      fc.property(
        fc.nat(10_000),
        fc.array(fc.record({ drawnAt: fc.date({ noInvalidDate: true }), outstanding: fc.nat(10_000) }), {
          maxLength: 10,
        }),
        fc.nat(),
        (interestDue, raw, pick) => {
          const list = raw.map((d, i) => ({
            drawId: `d-${i}`,
            drawnAt: d.drawnAt.toISOString(),
            outstanding: d.outstanding,
          }));
          const amount = pick % (owed(interestDue, list) + 1);
          const a = allocate(amount, interestDue, list);
          expect(a.interest + a.principal.reduce((s, p) => s + p.amount, 0)).toBe(amount);
          expect(a.interest).toBe(Math.min(amount, interestDue));
          for (const part of a.principal) {
            expect(part.amount).toBeLessThanOrEqual(
              list.find((d) => d.drawId === part.drawId)?.outstanding ?? 0,
            );
          }
        },
      ),
    );
  });
});
