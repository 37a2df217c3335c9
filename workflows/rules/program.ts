import { parseDuration } from '../schemas/duration.js';
import type { OrderSnapshot, Statement } from '../schemas/snapshot.js';

/**
 * The supplier program's definitions (docs/program.md), each one pure function: what an order
 * contributes to its supplier's figures, the rates made of those contributions, the status an
 * assessment gives, the limits that status allows, and the responsiveness of the supplier's
 * answers. The read model (db/) stores each order's contributions as the order's events arrive and
 * sums them in SQL; these functions are the only place that says what they mean.
 */

export const SUPPLIER_STATUSES = ['not_enrolled', 'provisional', 'qualified', 'suspended'] as const;
export type SupplierStatus = (typeof SUPPLIER_STATUSES)[number];
/** The statuses whose suppliers' new orders are protected. */
export const PROTECTED_STATUSES: readonly SupplierStatus[] = ['provisional', 'qualified'];

/** Each names a threshold the supplier missed at its last assessment. */
export const STATUS_REASONS = ['on_time_shipment', 'dispute_rate', 'refund_ratio', 'too_few_orders'] as const;
export type StatusReason = (typeof STATUS_REASONS)[number];

/** `*` stands for every currency a limit does not name. */
export const ANY_CURRENCY = '*';

/** A rate's two sums: the rate is numerator / denominator, and nothing was measured when that is 0. */
export interface Terms {
  numerator: number;
  denominator: number;
}

/** What one order adds to its supplier's figures once it is closed. */
export interface OrderContribution {
  orderId: string;
  supplierId: string;
  currency: string;
  amount: number;
  closedAt?: string;
  onTimeShipment: Terms;
  dispute: Terms;
  /** In minor units: refunded / funded. */
  refund: Terms;
  /** What escrow paid the supplier: releases and the released part of splits. */
  released: number;
  /** Closed `released` or `split`: a transaction the storefront counts. */
  transaction: boolean;
}

const terms = (numerator: number, denominator: number): Terms => ({ numerator, denominator });
const sum = (s: OrderSnapshot, kind: 'refund' | 'release') =>
  s.payouts.filter((p) => p.kind === kind).reduce((total, p) => total + p.amount, 0);

/**
 * On-time shipment: an order shipped counts as on time (the engine takes a shipment only by the
 * `shipBy` in force, extensions the buyer agreed to included); one closed `late_shipment`, or
 * `supplier_cancelled` after it was funded, counts against. Nothing else is measured.
 */
export function onTimeShipmentTerms(s: OrderSnapshot): Terms {
  if (s.shipment) return terms(1, 1);
  if (s.reason === 'late_shipment') return terms(0, 1);
  if (s.reason === 'supplier_cancelled' && s.fundedAt !== undefined) return terms(0, 1);
  return terms(0, 0);
}

/** Dispute rate: a delivered order counts, against the supplier when it had a dispute. */
export function disputeTerms(s: OrderSnapshot): Terms {
  if (!s.delivery) return terms(0, 0);
  return terms(s.dispute ? 1 : 0, 1);
}

/**
 * Refund ratio: over orders that were funded (reached their deposit), except those the buyer
 * cancelled, the amount refunded of the order (not an overpayment given back) against everything
 * funded.
 */
export function refundTerms(s: OrderSnapshot): Terms {
  if (s.fundedAt === undefined || s.reason === 'buyer_cancelled') return terms(0, 0);
  return terms(sum(s, 'refund'), s.funded);
}

export function orderContribution(s: OrderSnapshot): OrderContribution {
  return {
    orderId: s.orderId,
    supplierId: s.contract.supplier.id,
    currency: s.contract.currency,
    amount: s.contract.amount,
    closedAt: s.status === 'closed' ? (s.closedAt ?? undefined) : undefined,
    onTimeShipment: onTimeShipmentTerms(s),
    dispute: disputeTerms(s),
    refund: refundTerms(s),
    released: sum(s, 'release'),
    transaction: s.status === 'closed' && (s.outcome === 'released' || s.outcome === 'split'),
  };
}

/** Terms added up, e.g. over the closed orders of a window. */
export function addTerms(all: readonly Terms[]): Terms {
  return all.reduce((a, t) => terms(a.numerator + t.numerator, a.denominator + t.denominator), terms(0, 0));
}

/** The rate with 3 decimals, or null when nothing was measured. */
export function rate(t: Terms): number | null {
  if (t.denominator === 0) return null;
  return Math.round((t.numerator / t.denominator) * 1000) / 1000;
}

/** A threshold as thousandths (`0.90` is 900), so that comparing it with a rate is exact. */
export type Thousandths = number;

export function parseThousandths(text: string): Thousandths | undefined {
  const m = /^(0|1)(?:\.(\d{1,3}))?$/.exec(text.trim());
  if (!m) return undefined;
  const value = Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0'));
  return value <= 1000 ? value : undefined;
}

/** numerator / denominator ≥ threshold, in integers. */
const atLeast = (t: Terms, threshold: Thousandths) => t.numerator * 1000 >= threshold * t.denominator;
const atMost = (t: Terms, threshold: Thousandths) => t.numerator * 1000 <= threshold * t.denominator;

export interface AssessmentThresholds {
  minClosedOrders: number;
  minOnTimeShipmentRate: Thousandths;
  maxDisputeRate: Thousandths;
  maxRefundRatio: Thousandths;
}

/** The sums of the closed orders of the assessment window. */
export interface WindowTerms {
  closedOrders: number;
  onTimeShipment: Terms;
  dispute: Terms;
  refund: Terms;
}

/**
 * What an assessment makes of an enrolled supplier: `suspended` when a rate misses its threshold
 * (a rate with nothing measured misses none), else `provisional` with fewer closed orders than the
 * minimum, else `qualified`. The reasons name every threshold missed, the minimum of orders too.
 */
export function assessedStatus(
  w: WindowTerms,
  t: AssessmentThresholds,
): { status: Exclude<SupplierStatus, 'not_enrolled'>; reasons: StatusReason[] } {
  const reasons: StatusReason[] = [];
  if (w.onTimeShipment.denominator > 0 && !atLeast(w.onTimeShipment, t.minOnTimeShipmentRate))
    reasons.push('on_time_shipment');
  if (w.dispute.denominator > 0 && !atMost(w.dispute, t.maxDisputeRate)) reasons.push('dispute_rate');
  if (w.refund.denominator > 0 && !atMost(w.refund, t.maxRefundRatio)) reasons.push('refund_ratio');
  const suspended = reasons.length > 0;
  if (w.closedOrders < t.minClosedOrders) reasons.push('too_few_orders');
  return { status: suspended ? 'suspended' : reasons.length > 0 ? 'provisional' : 'qualified', reasons };
}

/** A decimal factor as a fraction of integers: `0.5` is 5/10. */
export interface Factor {
  numerator: bigint;
  denominator: bigint;
}

export function parseFactor(text: string): Factor | undefined {
  const m = /^(\d{1,6})(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!m) return undefined;
  const decimals = m[2] ?? '';
  return {
    numerator: BigInt(`${m[1]}${decimals}`),
    denominator: 10n ** BigInt(decimals.length),
  };
}

export interface LimitSettings {
  /** Per currency, and `*` for every other one. */
  provisional: Readonly<Record<string, number>>;
  factor: Factor;
  max: number;
}

/** Per currency and `*`; a currency not named has the limit of `*`. */
export type Limits = Record<string, number>;

export const limitIn = (limits: Readonly<Limits>, currency: string): number =>
  limits[currency] ?? limits[ANY_CURRENCY] ?? 0;

/**
 * The limits a status allows: nothing unless protected; the provisional limits while
 * `provisional`; once `qualified`, `min(max, max(provisional, floor(factor × released)))` in each
 * currency the supplier was paid in over the window. Integers only: the factor is a fraction.
 */
export function limitsFor(
  status: SupplierStatus,
  releasedByCurrency: Readonly<Record<string, number>>,
  s: LimitSettings,
): Limits {
  if (status === 'not_enrolled' || status === 'suspended') return { [ANY_CURRENCY]: 0 };
  if (status === 'provisional') return { ...s.provisional };
  const limits: Limits = {};
  for (const currency of new Set([...Object.keys(s.provisional), ...Object.keys(releasedByCurrency)])) {
    const provisional = limitIn(s.provisional, currency);
    const earned =
      currency === ANY_CURRENCY
        ? 0
        : Number((BigInt(releasedByCurrency[currency] ?? 0) * s.factor.numerator) / s.factor.denominator);
    limits[currency] = Math.min(s.max, Math.max(provisional, earned));
  }
  return limits;
}

/** Every currency whose limit differs between two sets of limits, with both limits. */
export function limitChanges(
  before: Readonly<Limits>,
  after: Readonly<Limits>,
): { currency: string; from: number; to: number }[] {
  const currencies = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return currencies
    .map((currency) => ({ currency, from: limitIn(before, currency), to: limitIn(after, currency) }))
    .filter((c) => c.from !== c.to);
}

/** A buyer's move that waits for the supplier, and the supplier's first answer to it in time. */
export interface Move {
  moveId: string;
  receivedAt: string;
  windowEndsAt: string;
  respondedAt?: string;
}

const earliest = (...times: (string | undefined)[]) =>
  times
    .filter((t): t is string => t !== undefined)
    .reduce<string | undefined>(
      (a, t) => (a === undefined || Date.parse(t) < Date.parse(a) ? t : a),
      undefined,
    );

/**
 * The buyer's moves on one order that wait for the supplier (docs/program.md#responsiveness): each
 * claim (filed or automatic; one superseded by a late delivery was answered by the delivery and is
 * left out), each offer of the buyer, each extension the buyer proposed, each statement of the
 * buyer. A move's window is the negotiation for a claim, an offer and a statement made in it
 * (until the dispute is decided when it began in arbitration), and the deadline it would move for
 * a proposal; no window outlasts the order's settlement. The supplier answers with its first
 * offer, statement, acceptance of the claim or of the buyer's offer, or escalation after the move,
 * and a proposal with its answer to it.
 */
export function orderMoves(s: OrderSnapshot, statements: readonly Statement[]): Move[] {
  const id = s.orderId;
  // A full refund that waited for its return was decided when the order went to return_pending.
  const settledAt =
    s.timeline.find((e) => e.event === 'settling' || e.event === 'return_pending')?.at ?? s.closedAt;
  const supplierActs: string[] = [
    ...s.offers.filter((o) => (o.party ?? 'supplier') === 'supplier').map((o) => o.offeredAt),
    ...statements.filter((st) => st.party === 'supplier').map((st) => st.at),
    ...s.timeline
      .filter((e) => e.event === 'arbitration' && e.detail?.startsWith('escalated by the supplier'))
      .map((e) => e.at),
  ];
  const acceptedBuyerOffer = s.offers.some((o) => o.party === 'buyer' && o.status === 'accepted');
  if (
    settledAt &&
    (s.reason === 'claim_accepted' ||
      s.return?.requested.by === 'supplier' ||
      (s.reason === 'settlement_agreed' && acceptedBuyerOffer))
  )
    supplierActs.push(settledAt);
  const answer = (from: string, until: string) =>
    earliest(
      ...supplierActs.filter(
        (at) => Date.parse(at) >= Date.parse(from) && Date.parse(at) <= Date.parse(until),
      ),
    );

  const arbitrationOpened = s.arbitration?.openedAt;
  const startedInArbitration = (at: string) =>
    arbitrationOpened !== undefined && Date.parse(arbitrationOpened) <= Date.parse(at);
  const disputeWindow = (at: string) =>
    startedInArbitration(at)
      ? earliest(s.decision?.decidedAt, s.arbitration?.dueAt, settledAt)
      : earliest(s.deadlines.negotiationEndsAt, arbitrationOpened, settledAt);
  const move = (moveId: string, receivedAt: string, windowEndsAt: string | undefined): Move[] => {
    if (windowEndsAt === undefined) return [];
    const respondedAt = answer(receivedAt, windowEndsAt);
    return [{ moveId, receivedAt, windowEndsAt, ...(respondedAt ? { respondedAt } : {}) }];
  };

  const claim = s.dispute?.claim;
  return [
    ...(claim && claim.status !== 'superseded'
      ? move(`${id}:claim:${claim.filedAt}`, claim.filedAt, disputeWindow(claim.filedAt))
      : []),
    ...s.offers.flatMap((o, i) =>
      o.party === 'buyer' ? move(`${id}:offer:${i}`, o.offeredAt, disputeWindow(o.offeredAt)) : [],
    ),
    ...statements.flatMap((st, i) =>
      st.party === 'buyer' ? move(`${id}:statement:${i}`, st.at, disputeWindow(st.at)) : [],
    ),
    ...s.extensions.flatMap((e) => {
      if (e.party !== 'buyer') return [];
      const answered = e.status === 'accepted' || e.status === 'rejected' ? e.answeredAt : undefined;
      const windowEndsAt = answered ?? earliest(e.from, settledAt);
      if (windowEndsAt === undefined) return [];
      return [
        {
          moveId: `${id}:extension:${e.extensionId}`,
          receivedAt: e.proposedAt,
          windowEndsAt,
          ...(answered ? { respondedAt: answered } : {}),
        },
      ];
    }),
  ];
}

export interface Responsiveness {
  responseRate: number | null;
  /** ISO 8601, over the answered moves; null when none was answered. */
  medianResponseTime: string | null;
  /** Moves answered or whose window has ended; a move still waiting in its window is not yet measured. */
  measured: number;
}

/** Over the moves given (those of the look-back window): answered / measured, and the median answer time. */
export function responsiveness(
  moves: readonly Pick<Move, 'receivedAt' | 'windowEndsAt' | 'respondedAt'>[],
  now: Date,
): Responsiveness {
  const measured = moves.filter(
    (m) => m.respondedAt !== undefined || Date.parse(m.windowEndsAt) <= now.getTime(),
  );
  const times = measured
    .filter((m) => m.respondedAt !== undefined)
    .map((m) => Math.max(0, Date.parse(m.respondedAt as string) - Date.parse(m.receivedAt)))
    .sort((a, b) => a - b);
  return {
    responseRate: rate(terms(times.length, measured.length)),
    medianResponseTime: times.length === 0 ? null : formatDuration(median(times)),
    measured: measured.length,
  };
}

/** The middle value; of two middle values, their mean, to the second. */
function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  return Math.floor(((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2000) * 1000;
}

/** Whole seconds as an ISO 8601 duration of days, hours, minutes and seconds: `P1DT2H30M`, `PT0S`. */
export function formatDuration(ms: number): string {
  let seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86_400);
  seconds -= days * 86_400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
  if (!days && !time) return 'PT0S';
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

/** The start of a look-back window that ends now. */
export function windowStart(now: Date, window: string): Date {
  return new Date(now.getTime() - (parseDuration(window) ?? 0));
}

/** The program's settings (docs/program.md#settings), read from the environment by config/env.ts. */
export interface ProgramSettings {
  /** What the badge calls the program. */
  name: string;
  limits: LimitSettings;
  thresholds: AssessmentThresholds;
  /** The assessment window (ISO 8601): closed orders of this long before the assessment count. */
  window: string;
  /** How far back the profile's responsiveness looks (ISO 8601). */
  responsivenessWindow: string;
  /** How long an inquiry waits for the supplier's answer (ISO 8601). */
  inquiryWindow: string;
}
