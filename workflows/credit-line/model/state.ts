import type { Scorecard } from '../rules/scorecard.js';
import type { CreditApplication, CreditDocument } from '../schemas/application.js';

export const CREDIT_LINE_STATUSES = [
  'scoring',
  'verification',
  'active',
  'frozen',
  'declined',
  'closed',
] as const;
export type CreditLineStatus = (typeof CREDIT_LINE_STATUSES)[number];
/** Statuses in which the line lends or is owed money. */
export const LENDING_STATUSES: readonly CreditLineStatus[] = ['active', 'frozen'];

/**
 * One draw, from its reservation to its last repayment. `drawId` is the order's payment
 * (`<orderId>:<reference>`): the business key every step of the saga names.
 */
export interface Draw {
  drawId: string;
  orderId: string;
  reference: string;
  amount: number;
  status: 'reserved' | 'outstanding' | 'repaid' | 'released';
  reservedAt: string;
  drawnAt?: string;
  dueAt?: string;
  /** Principal paid back so far (repayments, and refunds of the order once they exist). */
  repaid: number;
  overdue: boolean;
}

/** One statement period (docs/credit.md#statements); `closing = opening + draws − repayments + interest`. */
export interface LineStatement {
  /** 1, 2, 3, … per line: with the line's id, the statement's identity. */
  number: number;
  from: string;
  to: string;
  opening: number;
  draws: number;
  repayments: number;
  interest: number;
  closing: number;
}

export interface Verification {
  dueAt: string;
  overdue: boolean;
  decidedAt?: string;
  approve?: boolean;
  limit?: number;
  underwriter?: string;
  notes?: string;
  /** Who sent the `verify` Update, as Temporal recorded it: the gate's stamp of the signed-in person, or the API. */
  sentBy?: string | null;
}

/** The open period: what it has seen so far, and the interest numerator accrued (a BigInt as decimal). */
export interface Period {
  number: number;
  from: string;
  to: string;
  opening: number;
  draws: number;
  repayments: number;
  accrued: string;
  accruedAt: string;
  /**
   * The numerator accrued after `to` by a change handled before the period's statement (in the same
   * workflow task as the statement's timer): the next period's, which starts from it. Absent on
   * lines that accrued such a change into the ending period (before 'accrual-at-period-end').
   */
  beyond?: string;
}

export interface TimelineEntry {
  at: string;
  event: string;
  detail?: string;
}

/** `GET /v1/credit-lines/:lineId` and the `creditLine` Query (docs/credit.md#the-line). */
export interface CreditLineSnapshot {
  lineId: string;
  buyer: CreditApplication['buyer'];
  country: string;
  currency: string;
  status: CreditLineStatus;
  requestedLimit: number;
  offeredLimit: number | null;
  limit: number;
  monthlyRateBps: number | null;
  principal: number;
  interestDue: number;
  /** Reserved by draws in flight: not yet principal, no longer available. */
  reserved: number;
  available: number;
  terms: CreditApplication['terms'];
  business: CreditApplication['business'];
  documents: CreditDocument[];
  appliedAt: string;
  scoredAt?: string;
  scorecard?: Scorecard;
  declineReasons?: string[];
  verification?: Verification;
  /** Open draws, and those closed in the current period. */
  draws: Draw[];
  statements: LineStatement[];
  period?: Period;
  /** Repayment references applied, with their amounts: a reference sent again is answered, not applied. */
  repayments: Record<string, number>;
  /** Refunds of financed orders applied, by drawId, with their amounts (lines started before them have none). */
  refunds?: Record<string, number>;
  timeline: TimelineEntry[];
  closedAt?: string;
  /** The last `credit_line.*` event's sequence: the next is one more. */
  lastSequence: number;
}

export interface CreditLineSettings {
  /** The underwriter's target, ISO 8601 (default P1D). */
  verificationTarget: string;
  /** The smallest line in the application's currency: an offer below it is a decline. */
  minLimit: number;
}

export interface CreditLineInput {
  application: CreditApplication;
  settings: CreditLineSettings;
  /** The line as the previous run left it: a run continues as new at each statement. */
  carried?: CreditLineSnapshot;
}

/** The timeline a run carries into the next: the latest entries (the statements keep the figures). */
export const CARRIED_TIMELINE = 50;

export function openingLine(application: CreditApplication): CreditLineSnapshot {
  return {
    lineId: application.lineId,
    buyer: application.buyer,
    country: application.country,
    currency: application.currency,
    status: 'scoring',
    requestedLimit: application.requestedLimit,
    offeredLimit: null,
    limit: 0,
    monthlyRateBps: null,
    principal: 0,
    interestDue: 0,
    reserved: 0,
    available: 0,
    terms: application.terms,
    business: application.business,
    documents: application.documents,
    appliedAt: application.appliedAt,
    draws: [],
    statements: [],
    repayments: {},
    timeline: [{ at: application.appliedAt, event: 'applied' }],
    lastSequence: 0,
  };
}

/**
 * What an Update answers: the line without what grows with its age (statements, timeline, the
 * repayment references, closed draws) nor the application's unchanging parts. Every answer is recorded in the
 * run's history, so a full snapshot there would make each run's history grow with the line's
 * years; the API reads the whole line with the Query.
 */
export type LineAnswer = Omit<
  CreditLineSnapshot,
  'statements' | 'timeline' | 'repayments' | 'refunds' | 'period' | 'documents' | 'business' | 'scorecard'
> & { lastStatement?: LineStatement };

export function answerOf(s: CreditLineSnapshot): LineAnswer {
  const {
    statements,
    timeline: _timeline,
    repayments: _repayments,
    refunds: _refunds,
    period: _period,
    documents: _documents,
    business: _business,
    scorecard: _scorecard,
    ...answer
  } = s;
  const lastStatement = statements.at(-1);
  const draws = answer.draws.filter((d) => d.status === 'reserved' || d.status === 'outstanding');
  return lastStatement ? { ...answer, draws, lastStatement } : { ...answer, draws };
}
