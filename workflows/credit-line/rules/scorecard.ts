/**
 * The credit scorecard (docs/credit.md#the-scorecard): a pure function of the application and of
 * the buyer's trading record in the engine. The table below is the model; docs/credit.md prints
 * it, and every line carries its own scorecard (each factor, its value, its points).
 */

/** What the engine knows of the buyer (activities read it from PostgreSQL). */
export interface BuyerRecord {
  /** Orders the buyer created in the 365 days before the application. */
  orders: number;
  /** Their amounts, per currency. */
  value: { currency: string; amount: number }[];
  /** Claims the buyer filed, and how many of them ended against the buyer (withdrawn, or released by the arbitrator). */
  claimsFiled: number;
  claimsRejected: number;
  /** Orders whose deposit was due (funded, or cancelled unfunded), and how many were funded by fundBy. */
  fundingDue: number;
  fundedOnTime: number;
}

export interface ScorecardInput {
  requestedLimit: number;
  yearsTrading: number;
  annualRevenue: number;
  record: BuyerRecord;
}

export const FACTORS = [
  'years_trading',
  'revenue_cover',
  'trading_record',
  'claims_rejected',
  'payment_punctuality',
] as const;
export type Factor = (typeof FACTORS)[number];

export interface FactorScore {
  factor: Factor;
  /** The measured value, as the table reads it. */
  value: number | null;
  points: number;
  max: number;
  /** Below its good threshold: a reason of a decline. */
  weak: boolean;
}

/**
 * A factor's ladder, best rung first, `[threshold, points]`: the first rung the value reaches gives
 * its points (reaches: `≥ threshold`, or `≤ threshold` where lower is better).
 */
type Ladder = readonly (readonly [threshold: number, points: number])[];

export interface FactorRule {
  factor: Factor;
  why: string;
  /** The value the ladder reads; `null` when it cannot be measured (no record yet). */
  measure: (input: ScorecardInput) => number | null;
  ladder: Ladder;
  /** A value below this (above it where lower is better) is weak. */
  good: number;
  /** Points when the value cannot be measured. */
  unmeasured?: number;
  lowerIsBetter?: boolean;
}

/** The model, one row per factor; `score` walks it and docs/credit.md prints it. */
export const SCORECARD: readonly FactorRule[] = [
  {
    factor: 'years_trading',
    why: 'a business that has traded through several cycles has shown it can pay its suppliers',
    measure: (input) => input.yearsTrading,
    ladder: [
      [10, 40],
      [5, 30],
      [3, 20],
      [1, 10],
      [0, 0],
    ],
    good: 3,
  },
  {
    factor: 'revenue_cover',
    why: 'annual revenue over the requested limit: how many times the business turns over what it asks for',
    measure: (input) => mulDiv(input.annualRevenue, 1, input.requestedLimit),
    ladder: [
      [50, 40],
      [20, 30],
      [10, 20],
      [5, 10],
      [0, 0],
    ],
    good: 10,
  },
  {
    factor: 'trading_record',
    why: 'orders as buyer in the engine over the last 12 months: a record the engine has seen itself',
    measure: (input) => input.record.orders,
    ladder: [
      [20, 20],
      [5, 15],
      [1, 10],
      [0, 0],
    ],
    good: 0,
  },
  {
    factor: 'claims_rejected',
    why: 'claims the buyer filed that ended against it: a buyer who claims without cause is a risk to the lender too',
    measure: (input) => input.record.claimsRejected,
    ladder: [
      [0, 20],
      [1, 5],
      [Number.POSITIVE_INFINITY, 0],
    ],
    lowerIsBetter: true,
    good: 0,
  },
  {
    factor: 'payment_punctuality',
    why: 'per mille of deposits paid by their fundBy: how the buyer has paid escrow is how it will repay',
    measure: ({ record }) =>
      record.fundingDue === 0 ? null : mulDiv(record.fundedOnTime, 1000, record.fundingDue),
    ladder: [
      [950, 20],
      [800, 10],
      [0, 0],
    ],
    good: 800,
    unmeasured: 5,
  },
];

export const MAX_SCORE = SCORECARD.reduce((sum, rule) => sum + (rule.ladder[0]?.[1] ?? 0), 0);

/** The bands, best first: the share of the requested limit offered and the monthly rate. */
export interface Band {
  band: 'A' | 'B' | 'C';
  minScore: number;
  /** Per cent of the requested limit. */
  limitPct: number;
  monthlyRateBps: number;
}
export const BANDS: readonly Band[] = [
  { band: 'A', minScore: 100, limitPct: 100, monthlyRateBps: 115 },
  { band: 'B', minScore: 80, limitPct: 75, monthlyRateBps: 150 },
  { band: 'C', minScore: 60, limitPct: 50, monthlyRateBps: 200 },
];

export type DeclineReason = Factor | 'score_below_threshold' | 'below_minimum_limit';

export type ScoringDecision =
  | { decision: 'declined'; reasons: DeclineReason[] }
  | { decision: 'approved_in_principle'; band: Band['band']; offeredLimit: number; monthlyRateBps: number };

export interface Scorecard {
  factors: FactorScore[];
  score: number;
  maxScore: number;
  result: ScoringDecision;
}

/** ⌊a × b / c⌋ of non-negative safe integers, exactly. */
export function mulDiv(a: number, b: number, c: number): number {
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

export function scoreFactor(rule: FactorRule, value: number | null): FactorScore {
  const max = rule.ladder[0]?.[1] ?? 0;
  if (value === null) {
    return { factor: rule.factor, value, points: rule.unmeasured ?? 0, max, weak: false };
  }
  const rung = rule.ladder.find(([threshold]) =>
    rule.lowerIsBetter ? value <= threshold : value >= threshold,
  );
  const weak = rule.lowerIsBetter ? value > rule.good : value < rule.good;
  return { factor: rule.factor, value, points: rung?.[1] ?? 0, max, weak };
}

/**
 * The whole scorecard: points per factor, the score, and the decision. `minLimit` is the smallest
 * line the currency allows: an offer below it is a decline.
 */
export function score(input: ScorecardInput, minLimit: number): Scorecard {
  const factors = SCORECARD.map((rule) => scoreFactor(rule, rule.measure(input)));
  const total = factors.reduce((sum, f) => sum + f.points, 0);
  const band = BANDS.find((b) => total >= b.minScore);
  const weak = factors.filter((f) => f.weak).map((f) => f.factor);
  const card = (result: ScoringDecision): Scorecard => ({
    factors,
    score: total,
    maxScore: MAX_SCORE,
    result,
  });
  if (!band) return card({ decision: 'declined', reasons: ['score_below_threshold', ...weak] });
  // The offer is a whole number of minor units, never rounded up.
  const offeredLimit = mulDiv(input.requestedLimit, band.limitPct, 100);
  if (offeredLimit < minLimit)
    return card({ decision: 'declined', reasons: ['below_minimum_limit', ...weak] });
  return card({
    decision: 'approved_in_principle',
    band: band.band,
    offeredLimit,
    monthlyRateBps: band.monthlyRateBps,
  });
}
