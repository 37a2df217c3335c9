import type { OrderSnapshot } from '../../workflows/model/state.js';
import {
  type AssessmentThresholds,
  addTerms,
  assessedStatus,
  disputeTerms,
  onTimeShipmentTerms,
  refundTerms,
  type SupplierStatus,
  type Terms,
} from '../../workflows/rules/program.js';
import { reportOutcome, settlementMoney } from '../../workflows/rules/report-outcome.js';
import type { CloseReason, OrderOutcome } from '../../workflows/schemas/statuses.js';
import { contractUnder, type Rules } from './rules.js';

/**
 * A closed order decided again under other rules, with the functions the workflow runs
 * (reportOutcome: evaluateQuality and settlementPlan). Pure: `npm run whatif` and its bench feed it
 * snapshots read from the engine's records.
 */

export interface Decided {
  outcome: OrderOutcome;
  reason: CloseReason;
  /** Everything returned to the buyer: the refund and any excess. */
  refund: number;
  /** What escrow released, before the commission. */
  release: number;
  fee: number;
}

export type Redecision =
  | { kind: 'human'; reason: CloseReason; before: Decided }
  | { kind: 'rules'; before: Decided; after: Decided; disputedAfter: boolean; changed: boolean };

/**
 * Reasons a person gave: an arbitrator's decision, a settlement or claim answered by a party, a
 * cancellation. A buyer's explicit acceptance is one too (`acceptance` on the timeline); an
 * acceptance by a conforming report is the rules'.
 */
const HUMAN_REASONS: ReadonlySet<CloseReason> = new Set<CloseReason>([
  'arbitration',
  'settlement_agreed',
  'claim_accepted',
  'claim_withdrawn',
  'buyer_cancelled',
  'supplier_cancelled',
  'balance_unpaid',
  // A refund decided by a person, then settled by its return (docs/spec.md#returns).
  'returned',
  'return_not_shipped',
  'return_receipt_lapsed',
]);

export function restedOnPerson(s: OrderSnapshot): boolean {
  if (!s.reason) return false;
  if (HUMAN_REASONS.has(s.reason)) return true;
  return s.reason === 'buyer_accepted' && s.timeline.some((t) => t.event === 'acceptance');
}

export function decidedBefore(s: OrderSnapshot): Decided {
  const paid = (kind: string) => s.payouts.filter((p) => p.kind === kind).reduce((n, p) => n + p.amount, 0);
  return {
    outcome: s.outcome as OrderOutcome,
    reason: s.reason as CloseReason,
    refund: paid('refund') + paid('excess_refund'),
    release: paid('release'),
    fee: s.payouts.reduce((n, p) => n + (p.fee ?? 0), 0),
  };
}

export function redecide(s: OrderSnapshot, rules: Rules): Redecision {
  const before = decidedBefore(s);
  if (restedOnPerson(s)) return { kind: 'human', reason: before.reason, before };
  // The rule's rate replaces the contract's, which keeps its minimum; without a rule, the contract's fees.
  const commission =
    rules.commissionBps === undefined
      ? s.contract.fees
      : { ...s.contract.fees, commissionBps: rules.commissionBps };
  const report = s.inspection?.report;
  let after: Decided;
  let disputedAfter = Boolean(s.dispute);
  if (report && (s.reason === 'buyer_accepted' || s.reason === 'inspection_lapsed')) {
    const outcome = reportOutcome(contractUnder(s.contract, rules), report, s.funded, commission);
    after = fromMoney(outcome.settlement);
    disputedAfter = outcome.status === 'negotiation' || outcome.status === 'arbitration';
  } else {
    // Deadlines decided it (a late shipment, an unfunded order, a silent buyer): the same outcome,
    // with the commission the rules set on what it released.
    const { outcome, reason } = before;
    const held = Math.min(s.funded, s.contract.amount);
    const refundAmount = outcome === 'split' ? Math.min(held, before.refund) : 0;
    after = fromMoney(
      settlementMoney(outcome, reason, s.funded, s.contract.amount, refundAmount, commission),
    );
  }
  const changed =
    after.outcome !== before.outcome ||
    after.reason !== before.reason ||
    after.refund !== before.refund ||
    after.release !== before.release ||
    after.fee !== before.fee;
  return { kind: 'rules', before, after, disputedAfter, changed };
}

function fromMoney(m: ReturnType<typeof settlementMoney>): Decided {
  return {
    outcome: m.outcome,
    reason: m.reason,
    refund: m.refund + m.excessRefund,
    release: m.release,
    fee: m.fee,
  };
}

/** What a party receives of a decision: the buyer refunds, the supplier the release less the fee. */
export const paid = (d: Decided) => ({ buyer: d.refund, supplier: d.release - d.fee, fees: d.fee });

export interface PartyMoney {
  buyer: number;
  supplier: number;
  fees: number;
}

const add = (a: PartyMoney, b: PartyMoney): PartyMoney => ({
  buyer: a.buyer + b.buyer,
  supplier: a.supplier + b.supplier,
  fees: a.fees + b.fees,
});
const none = (): PartyMoney => ({ buyer: 0, supplier: 0, fees: 0 });

export interface WhatIfSummary {
  orders: number;
  redecided: number;
  human: { orders: number; byReason: Record<string, number> };
  changed: { orderId: string; currency: string; before: Decided; after: Decided }[];
  /** Per currency: money paid to each party before and after, over the orders re-decided. */
  money: Record<string, { before: PartyMoney; after: PartyMoney }>;
  /** Per currency and outcome: orders and money, before and after. */
  byOutcome: {
    currency: string;
    outcome: OrderOutcome;
    before: { orders: number } & PartyMoney;
    after: { orders: number } & PartyMoney;
  }[];
  suppliers: { supplierId: string; before: SupplierStatus; after: SupplierStatus; reasons: string[] }[];
}

interface SupplierTerms {
  closed: number;
  before: { onTime: Terms[]; dispute: Terms[]; refund: Terms[] };
  after: { onTime: Terms[]; dispute: Terms[]; refund: Terms[] };
}

/** Sums re-decisions as they come, in one pass and bounded memory per supplier and currency. */
export class WhatIf {
  private orders = 0;
  private redecided = 0;
  private readonly human = new Map<string, number>();
  private readonly changed: WhatIfSummary['changed'] = [];
  private readonly money = new Map<string, { before: PartyMoney; after: PartyMoney }>();
  private readonly outcomes = new Map<
    string,
    { before: { orders: number } & PartyMoney; after: { orders: number } & PartyMoney }
  >();
  private readonly suppliers = new Map<string, SupplierTerms>();

  constructor(
    private readonly rules: Rules,
    /** Only orders closed from then count in a supplier's assessment window. */
    private readonly windowFrom: number,
  ) {}

  add(s: OrderSnapshot): Redecision {
    this.orders++;
    const r = redecide(s, this.rules);
    const currency = s.contract.currency;
    const after = r.kind === 'human' ? r.before : r.after;
    if (r.kind === 'human') this.human.set(r.reason, (this.human.get(r.reason) ?? 0) + 1);
    else {
      this.redecided++;
      if (r.changed) this.changed.push({ orderId: s.orderId, currency, before: r.before, after: r.after });
      const m = this.money.get(currency) ?? { before: none(), after: none() };
      m.before = add(m.before, paid(r.before));
      m.after = add(m.after, paid(r.after));
      this.money.set(currency, m);
      this.count(currency, r.before.outcome, 'before', paid(r.before));
      this.count(currency, r.after.outcome, 'after', paid(r.after));
    }
    if (s.closedAt && Date.parse(s.closedAt) >= this.windowFrom) this.assess(s, r, after);
    return r;
  }

  private count(currency: string, outcome: OrderOutcome, when: 'before' | 'after', money: PartyMoney) {
    const key = `${currency} ${outcome}`;
    const entry = this.outcomes.get(key) ?? {
      before: { orders: 0, ...none() },
      after: { orders: 0, ...none() },
    };
    entry[when] = { orders: entry[when].orders + 1, ...add(entry[when], money) };
    this.outcomes.set(key, entry);
  }

  /** The order's part of its supplier's rates, as the read model counts them, before and after. */
  private assess(s: OrderSnapshot, r: Redecision, after: Decided) {
    const t = this.suppliers.get(s.contract.supplier.id) ?? {
      closed: 0,
      before: { onTime: [], dispute: [], refund: [] },
      after: { onTime: [], dispute: [], refund: [] },
    };
    t.closed++;
    const onTime = onTimeShipmentTerms(s);
    const dispute = disputeTerms(s);
    const refund = refundTerms(s);
    t.before.onTime.push(onTime);
    t.before.dispute.push(dispute);
    t.before.refund.push(refund);
    t.after.onTime.push(onTime);
    if (r.kind === 'human') {
      t.after.dispute.push(dispute);
      t.after.refund.push(refund);
    } else {
      t.after.dispute.push(s.delivery ? { numerator: r.disputedAfter ? 1 : 0, denominator: 1 } : dispute);
      const excess = Math.max(0, s.funded - s.contract.amount);
      t.after.refund.push(
        refund.denominator === 0
          ? refund
          : { numerator: Math.max(0, after.refund - excess), denominator: s.funded },
      );
    }
    // Only the sums matter: keep the lists short.
    for (const side of [t.before, t.after])
      for (const k of ['onTime', 'dispute', 'refund'] as const) side[k] = [addTerms(side[k])];
    this.suppliers.set(s.contract.supplier.id, t);
  }

  summary(
    current: AssessmentThresholds,
    next: AssessmentThresholds,
    enrolled: ReadonlySet<string>,
  ): WhatIfSummary {
    const suppliers: WhatIfSummary['suppliers'] = [];
    for (const [supplierId, t] of [...this.suppliers].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!enrolled.has(supplierId)) continue;
      const window = (side: SupplierTerms['before']) => ({
        closedOrders: t.closed,
        onTimeShipment: addTerms(side.onTime),
        dispute: addTerms(side.dispute),
        refund: addTerms(side.refund),
      });
      const before = assessedStatus(window(t.before), current);
      const after = assessedStatus(window(t.after), next);
      if (before.status !== after.status)
        suppliers.push({ supplierId, before: before.status, after: after.status, reasons: after.reasons });
    }
    return {
      orders: this.orders,
      redecided: this.redecided,
      human: {
        orders: [...this.human.values()].reduce((a, b) => a + b, 0),
        byReason: Object.fromEntries([...this.human].sort()),
      },
      changed: this.changed,
      money: Object.fromEntries([...this.money].sort()),
      byOutcome: [...this.outcomes]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, v]) => {
          const [currency, outcome] = key.split(' ') as [string, OrderOutcome];
          return { currency, outcome, ...v };
        }),
      suppliers,
    };
  }
}
