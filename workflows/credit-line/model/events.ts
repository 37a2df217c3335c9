import type { CreditLineSnapshot } from './state.js';

/** What the marketplace learns of a line without polling (docs/credit.md#events). */
export const CREDIT_LINE_EVENT_TYPES = [
  'credit_line.applied',
  'credit_line.scored',
  'credit_line.verification_overdue',
  'credit_line.verified',
  'credit_line.declined',
  'credit_line.drawn',
  'credit_line.repaid',
  'credit_line.statement',
  'credit_line.overdue',
  'credit_line.frozen',
  'credit_line.unfrozen',
  'credit_line.closed',
] as const;
export type CreditLineEventType = (typeof CREDIT_LINE_EVENT_TYPES)[number];

/** The line as every event shows it: its figures, not its history. */
export type CreditLineView = Pick<
  CreditLineSnapshot,
  | 'lineId'
  | 'buyer'
  | 'currency'
  | 'status'
  | 'limit'
  | 'monthlyRateBps'
  | 'principal'
  | 'interestDue'
  | 'reserved'
  | 'available'
>;

export interface CreditLineEvent {
  /** Stable across retries, replays and continue-as-new. */
  id: string;
  lineId: string;
  /** 1, 2, 3, … per line. */
  sequence: number;
  type: CreditLineEventType;
  occurredAt: string;
  line: CreditLineView;
  /** What this event is about: the draw, the repayment, the statement, the reasons. */
  detail?: Record<string, unknown>;
}

export const creditLineEventId = (lineId: string, sequence: number) => `evt_line_${lineId}_${sequence}`;

export function viewOf(s: CreditLineSnapshot): CreditLineView {
  return {
    lineId: s.lineId,
    buyer: s.buyer,
    currency: s.currency,
    status: s.status,
    limit: s.limit,
    monthlyRateBps: s.monthlyRateBps,
    principal: s.principal,
    interestDue: s.interestDue,
    reserved: s.reserved,
    available: s.available,
  };
}
