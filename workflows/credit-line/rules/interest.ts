/**
 * Interest on a line (docs/credit.md#interest), in integer arithmetic only:
 * `interest = ⌊Σ principal × milliseconds × monthlyRateBps / (10000 × 2592000000)⌋` over a statement
 * period (a month is 30 days), the remainder carried into the next period so that nothing drifts.
 * The accrued numerator outgrows 2^53 within a period (30 million × 2.6 billion ms × 115), so it is a
 * BigInt, kept in the line's state as a decimal string.
 */

export const MS_PER_MONTH = 2_592_000_000n;
export const DENOMINATOR = 10_000n * MS_PER_MONTH;

/** Adds `principal` outstanding for `ms` milliseconds at `monthlyRateBps` to the numerator. */
export function accrue(numerator: bigint, principal: number, ms: number, monthlyRateBps: number): bigint {
  if (principal <= 0 || ms <= 0) return numerator;
  return numerator + BigInt(principal) * BigInt(ms) * BigInt(monthlyRateBps);
}

/** The whole minor units the numerator holds, and the fraction carried into the next period. */
export function postInterest(numerator: bigint): { interest: number; carried: bigint } {
  return { interest: Number(numerator / DENOMINATOR), carried: numerator % DENOMINATOR };
}
