import type { ContractInput } from '../../workflows/schemas/contract.js';
import type { Payout } from '../../workflows/schemas/snapshot.js';

export type SnapshotPayout = Pick<Payout, 'kind' | 'amount' | 'fee' | 'idempotencyKey' | 'transactionId'>;

/**
 * The soak's model of an order: the paths of the lifecycle as a table, and what each order must end
 * as. Expected money is computed here from what the test itself paid and decided, never read back
 * from the engine. A new path is one more entry in PATHS.
 */

export type Outcome = 'released' | 'refunded' | 'split' | 'cancelled';

export type Step =
  | { kind: 'pay'; amount: (m: OrderModel) => number }
  | { kind: 'ship' }
  | { kind: 'deliver' }
  | { kind: 'inspect'; conforms: boolean }
  /**
   * A dispute event of docs/spec.md#disputes (or a settlement of #lifecycle) to one of the order's routes;
   * answers 200 + snapshot.
   */
  | {
      kind: 'post';
      route:
        | 'claims'
        | 'acceptance'
        | 'statements'
        | 'settlement'
        | 'returns/shipment'
        | 'returns/delivery'
        | 'returns/receipt';
      body: (m: OrderModel) => Record<string, unknown>;
    }
  /**
   * docs/spec.md#extensions: one party proposes moving a running deadline (201), the other answers it (200).
   */
  | {
      kind: 'extend';
      party: 'buyer' | 'supplier';
      deadline: 'shipBy' | 'deliverBy' | 'inspection' | 'negotiation';
      until: (m: OrderModel) => string;
      answer: 'accept' | 'reject';
    }
  /** Sleeps until a contract deadline is well past: what follows only works if an extension moved it. */
  | { kind: 'pass'; deadline: (m: OrderModel) => string }
  | { kind: 'cancel'; party: 'buyer' | 'supplier' }
  | {
      kind: 'arbitrate';
      outcome: 'refund' | 'release' | 'split';
      refund?: (m: OrderModel) => number;
      returnGoods?: boolean;
    }
  /** docs/spec.md#reversals: the rail takes back part of the last payment. */
  | {
      kind: 'reverse';
      amount: (m: OrderModel) => number;
      reason: 'chargeback' | 'recall' | 'returned_payment';
    }
  /** Waits for a timer of the engine to move the order (a lapse, an escalation). */
  | { kind: 'await'; status: string }
  /** Waits for `balanceOverdue: true` (docs/spec.md#delivery-and-balance-deadlines) in the snapshot. */
  | { kind: 'await_balance_overdue' };

export interface PathDef {
  /** Contract overrides; `s(n)` is n seconds from now as RFC 3339. */
  contract: (s: (seconds: number) => string, amount: number) => Partial<ContractInput>;
  steps: Step[];
  outcome: Outcome;
  reason: string;
  /** The refund of a split, from the model (a claim, an offer or a decision the test made). */
  splitRefund?: (m: OrderModel) => number;
}

// Deadlines the drivers must beat stay minutes away, so that an injected outage delays an order
// without changing its path; the deadlines a path is about are seconds away, so that timers fire
// (and fall due during outages) while the soak runs.
const LONG = (s: (n: number) => string) => ({
  fundBy: s(600),
  shipBy: s(900),
  inspectionWindow: 'PT15M',
  negotiationWindow: 'PT15M',
  arbitrationSla: 'PT2S',
});
const full = (m: OrderModel) => m.amount;
const delivered: Step[] = [{ kind: 'pay', amount: full }, { kind: 'ship' }, { kind: 'deliver' }];
const disputed: Step[] = [...delivered, { kind: 'inspect', conforms: false }];
const quarter = (m: OrderModel) => Math.max(1, Math.floor(m.amount / 4));
const third = (m: OrderModel) => Math.max(1, Math.floor(m.amount / 3));
const half = (m: OrderModel) => Math.max(1, Math.floor(m.amount / 2));
const settle = (body: (m: OrderModel) => Record<string, unknown>): Step => ({
  kind: 'post',
  route: 'settlement',
  body,
});
const claimed: Step[] = [
  ...delivered,
  {
    kind: 'post',
    route: 'claims',
    body: (m) => ({
      reason: 'damaged',
      description: 'torn bags on arrival',
      requestedRefund: third(m),
      evidence: [],
    }),
  },
];
const statement = (party: 'buyer' | 'supplier'): Step => ({
  kind: 'post',
  route: 'statements',
  body: () => ({ party, text: `the ${party}'s account of the damage`, evidence: [] }),
});
// docs/spec.md#returns: the supplier accepts the whole claim, and the refund waits for the goods.
const returnRequested: Step[] = [...disputed, settle(() => ({ party: 'supplier', action: 'accept_claim' }))];
const shippedBack: Step[] = [
  ...returnRequested,
  {
    kind: 'post',
    route: 'returns/shipment',
    body: (m) => ({ carrier: 'DHL', trackingNumber: `RET${m.orderId.slice(-6)}` }),
  },
  { kind: 'post', route: 'returns/delivery', body: () => ({}) },
];
const later = (deadline: string, seconds: number) =>
  new Date(Date.parse(deadline) + seconds * 1000).toISOString();

export const PATHS = {
  happy: {
    contract: LONG,
    steps: [...delivered, { kind: 'inspect', conforms: true }],
    outcome: 'released',
    reason: 'buyer_accepted',
  },
  deposit_balance_overpaid: {
    contract: (s, amount) => ({ ...LONG(s), deposit: Math.max(1, Math.floor(amount / 3)) }),
    steps: [
      { kind: 'pay', amount: (m) => m.contract.deposit ?? m.amount },
      { kind: 'ship' },
      // The balance, plus 777 too much: the excess always goes back to the buyer.
      { kind: 'pay', amount: (m) => m.amount - (m.contract.deposit ?? m.amount) + 777 },
      { kind: 'deliver' },
      { kind: 'inspect', conforms: true },
    ],
    outcome: 'released',
    reason: 'buyer_accepted',
  },
  inspection_lapsed: {
    contract: (s) => ({ ...LONG(s), inspectionWindow: 'PT2S' }),
    steps: [...delivered, { kind: 'await', status: 'closed' }],
    outcome: 'released',
    reason: 'inspection_lapsed',
  },
  late_shipment: {
    contract: (s) => ({ ...LONG(s), fundBy: s(75), shipBy: s(77) }),
    steps: [
      { kind: 'pay', amount: full },
      { kind: 'await', status: 'closed' },
    ],
    outcome: 'refunded',
    reason: 'late_shipment',
  },
  unfunded_partial: {
    contract: (s) => ({ ...LONG(s), fundBy: s(60), shipBy: s(900) }),
    steps: [
      { kind: 'pay', amount: quarter },
      { kind: 'await', status: 'closed' },
    ],
    outcome: 'cancelled',
    reason: 'unfunded',
  },
  buyer_cancelled: {
    contract: LONG,
    steps: [
      { kind: 'pay', amount: quarter },
      { kind: 'cancel', party: 'buyer' },
    ],
    outcome: 'cancelled',
    reason: 'buyer_cancelled',
  },
  supplier_cancelled: {
    contract: LONG,
    steps: [
      { kind: 'pay', amount: full },
      { kind: 'cancel', party: 'supplier' },
    ],
    outcome: 'refunded',
    reason: 'supplier_cancelled',
  },
  negotiated_split: {
    contract: LONG,
    steps: [
      ...disputed,
      settle((m) => ({ party: 'supplier', action: 'offer', refundAmount: quarter(m) })),
      settle(() => ({ party: 'buyer', action: 'accept_offer' })),
    ],
    outcome: 'split',
    reason: 'settlement_agreed',
    splitRefund: quarter,
  },
  claim_accepted: {
    contract: LONG,
    steps: [...disputed, settle(() => ({ party: 'supplier', action: 'accept_claim', returnGoods: false }))],
    outcome: 'refunded',
    reason: 'claim_accepted',
  },
  claim_withdrawn: {
    contract: LONG,
    steps: [...disputed, settle(() => ({ party: 'buyer', action: 'withdraw_claim' }))],
    outcome: 'released',
    reason: 'claim_withdrawn',
  },
  arbitration_refund: {
    contract: (s) => ({ ...LONG(s), negotiationWindow: 'PT0S' }),
    steps: [...disputed, { kind: 'arbitrate', outcome: 'refund', returnGoods: false }],
    outcome: 'refunded',
    reason: 'arbitration',
  },
  arbitration_release_after_lapse: {
    contract: (s) => ({ ...LONG(s), negotiationWindow: 'PT2S' }),
    steps: [...disputed, { kind: 'await', status: 'arbitration' }, { kind: 'arbitrate', outcome: 'release' }],
    outcome: 'released',
    reason: 'arbitration',
  },
  arbitration_split: {
    contract: (s) => ({ ...LONG(s), negotiationWindow: 'PT0S' }),
    steps: [...disputed, { kind: 'arbitrate', outcome: 'split', refund: (m) => m.amount - quarter(m) }],
    outcome: 'split',
    reason: 'arbitration',
    splitRefund: (m) => m.amount - quarter(m),
  },
  not_delivered: {
    // The shipment must beat shipBy, and deliverBy must come after it: with room for a minute-long recovery (the Temporal restart, under load).
    contract: (s) => ({
      ...LONG(s),
      fundBy: s(100),
      shipBy: s(110),
      deliverBy: s(112),
      negotiationWindow: 'PT2S',
    }),
    steps: [
      { kind: 'pay', amount: full },
      { kind: 'ship' },
      { kind: 'await', status: 'arbitration' },
      { kind: 'arbitrate', outcome: 'refund' },
    ],
    outcome: 'refunded',
    reason: 'arbitration',
  },
  // docs/spec.md#disputes: claims, counter-offers, acceptance, statements, extensions, balance deadlines.
  filed_claim_accepted: {
    contract: LONG,
    steps: [...claimed, settle(() => ({ party: 'supplier', action: 'accept_claim' }))],
    outcome: 'split',
    reason: 'claim_accepted',
    splitRefund: third,
  },
  counter_offer_accepted: {
    contract: LONG,
    steps: [
      ...claimed,
      settle((m) => ({ party: 'supplier', action: 'offer', refundAmount: quarter(m) })),
      settle((m) => ({ party: 'buyer', action: 'offer', refundAmount: third(m) })),
      settle(() => ({ party: 'supplier', action: 'accept_offer' })),
    ],
    outcome: 'split',
    reason: 'settlement_agreed',
    splitRefund: third,
  },
  explicit_acceptance: {
    contract: LONG,
    steps: [...delivered, { kind: 'post', route: 'acceptance', body: () => ({}) }],
    outcome: 'released',
    reason: 'buyer_accepted',
  },
  statements_then_arbitration: {
    contract: LONG,
    steps: [
      ...claimed,
      statement('buyer'),
      settle(() => ({ party: 'supplier', action: 'escalate', reason: 'the damage happened in transit' })),
      statement('supplier'),
      { kind: 'arbitrate', outcome: 'split', refund: half },
    ],
    outcome: 'split',
    reason: 'arbitration',
    splitRefund: half,
  },
  ship_extension_accepted: {
    // The agreement must beat the signed shipBy; the shipment then comes after it, in the extension.
    contract: (s) => ({ ...LONG(s), fundBy: s(90), shipBy: s(100) }),
    steps: [
      { kind: 'pay', amount: full },
      {
        kind: 'extend',
        party: 'supplier',
        deadline: 'shipBy',
        until: (m) => later(m.contract.shipBy, 900),
        answer: 'accept',
      },
      { kind: 'pass', deadline: (m) => m.contract.shipBy },
      { kind: 'ship' },
      { kind: 'deliver' },
      { kind: 'post', route: 'acceptance', body: () => ({}) },
    ],
    outcome: 'released',
    reason: 'buyer_accepted',
  },
  ship_extension_rejected: {
    contract: (s) => ({ ...LONG(s), fundBy: s(90), shipBy: s(100) }),
    steps: [
      { kind: 'pay', amount: full },
      {
        kind: 'extend',
        party: 'supplier',
        deadline: 'shipBy',
        until: (m) => later(m.contract.shipBy, 900),
        answer: 'reject',
      },
      { kind: 'await', status: 'closed' },
    ],
    outcome: 'refunded',
    reason: 'late_shipment',
  },
  balance_unpaid: {
    // The deposit must beat fundBy; balanceDueBy (after fundBy, by contract) is what the path is about.
    contract: (s, amount) => ({
      ...LONG(s),
      fundBy: s(75),
      balanceDueBy: s(80),
      deposit: Math.max(1, Math.floor(amount / 3)),
    }),
    steps: [
      { kind: 'pay', amount: (m) => m.contract.deposit ?? m.amount },
      { kind: 'await_balance_overdue' },
      { kind: 'cancel', party: 'supplier' },
    ],
    outcome: 'refunded',
    reason: 'balance_unpaid',
  },
  returned: {
    contract: LONG,
    steps: [
      ...shippedBack,
      { kind: 'post', route: 'returns/receipt', body: () => ({ condition: 'as_sent', evidence: [] }) },
    ],
    outcome: 'refunded',
    reason: 'returned',
  },
  return_not_shipped: {
    contract: (s) => ({ ...LONG(s), returns: { window: 'PT2S' } }),
    steps: [...returnRequested, { kind: 'await', status: 'closed' }],
    outcome: 'released',
    reason: 'return_not_shipped',
  },
  return_receipt_lapsed: {
    contract: (s) => ({ ...LONG(s), returns: { receiptWindow: 'PT2S' } }),
    steps: [...shippedBack, { kind: 'await', status: 'closed' }],
    outcome: 'refunded',
    reason: 'return_receipt_lapsed',
  },
  // docs/spec.md#commission and #reversals: a release pays the fee account in the same transaction.
  released_with_fee: {
    contract: (s) => ({ ...LONG(s), fees: { commissionBps: 250, minimum: 500 } }),
    steps: [...delivered, { kind: 'inspect', conforms: true }],
    outcome: 'released',
    reason: 'buyer_accepted',
  },
  split_with_fee: {
    contract: (s) => ({ ...LONG(s), fees: { commissionBps: 1_200 } }),
    steps: [
      ...disputed,
      settle((m) => ({ party: 'supplier', action: 'offer', refundAmount: quarter(m) })),
      settle(() => ({ party: 'buyer', action: 'accept_offer' })),
    ],
    outcome: 'split',
    reason: 'settlement_agreed',
    splitRefund: quarter,
  },
  reversed_before_shipment: {
    contract: LONG,
    steps: [
      { kind: 'pay', amount: full },
      { kind: 'reverse', amount: quarter, reason: 'chargeback' },
      { kind: 'await', status: 'closed' },
    ],
    outcome: 'cancelled',
    reason: 'payment_reversed',
  },
  reversed_after_shipment: {
    contract: (s) => ({ ...LONG(s), fees: { commissionBps: 300 } }),
    steps: [
      { kind: 'pay', amount: full },
      { kind: 'ship' },
      { kind: 'reverse', amount: quarter, reason: 'recall' },
      { kind: 'deliver' },
      { kind: 'inspect', conforms: true },
    ],
    outcome: 'released',
    reason: 'buyer_accepted',
  },
} satisfies Record<string, PathDef>;

export type PathName = keyof typeof PATHS;
export const PATH_NAMES = Object.keys(PATHS) as PathName[];

export interface OrderModel {
  orderId: string;
  path: PathName;
  amount: number;
  contract: ContractInput;
  /** Payments the engine accepted (200), by reference: what must be in the ledger as funding. */
  payments: { reference: string; amount: number }[];
  /** Reversals the engine accepted (200): the n-th of its payment's, what left escrow back to the rail. */
  reversals: { reference: string; n: number; amount: number }[];
  /** When set, the order closed another way than its path says, for a reason the test accepts (see driver). */
  closedAs?: { outcome: Outcome; reason: string };
  /** The engine said it is closed (GET snapshot), with this outcome and reason. */
  closed?: { outcome: string; reason: string };
  /** The payouts of its snapshot once closed: what the workflow says it paid. */
  payouts?: SnapshotPayout[];
  /** What went wrong while driving it (an unexpected answer). */
  problems: string[];
  /** A timer of this order falls due at this time (for the figures: timers due during an outage). */
  timerDueAt?: number;
}

export interface ExpectedMovement {
  kind: 'funding' | 'refund' | 'release' | 'reversal';
  idempotencyKey: string;
  amount: number;
  /** Of a release: the commission it pays the fee account out of `amount`. */
  fee?: number;
}

/** docs/spec.md#commission, written again: min(released, max(minimum, ⌊released × bps / 10000⌋)). */
export function expectedFee(fees: ContractInput['fees'], released: number): number {
  if (!fees) return 0;
  const rate = Number((BigInt(released) * BigInt(fees.commissionBps)) / 10_000n);
  return Math.min(released, Math.max(fees.minimum ?? 0, rate));
}

/**
 * The settlement of docs/spec.md#lifecycle (with the claims and offers of #disputes, whose refunds the paths
 * fix when filed), written out again as the test's own oracle.
 */
export function expectedMovements(m: OrderModel): ExpectedMovement[] {
  const reversed = m.reversals.reduce((sum, r) => sum + r.amount, 0);
  const funded = m.payments.reduce((sum, p) => sum + p.amount, 0) - reversed;
  const covered = Math.min(funded, m.amount);
  const out: ExpectedMovement[] = [
    ...m.payments.map((p) => ({
      kind: 'funding' as const,
      idempotencyKey: `${m.orderId}:payment:${p.reference}`,
      amount: p.amount,
    })),
    ...m.reversals.map((r) => ({
      kind: 'reversal' as const,
      idempotencyKey: `${m.orderId}:reversal:${r.reference}:${r.n}`,
      amount: r.amount,
    })),
  ];
  const { outcome } = expectedClose(m);
  let refund = 0;
  let release = 0;
  if (outcome === 'released') release = covered;
  else if (outcome === 'split') {
    refund = (PATHS[m.path] as PathDef).splitRefund?.(m) ?? 0;
    release = covered - refund;
  } else refund = covered;
  if (refund > 0) out.push({ kind: 'refund', idempotencyKey: `${m.orderId}:refund`, amount: refund });
  if (release > 0) {
    const fee = expectedFee(m.contract.fees, release);
    out.push({
      kind: 'release',
      idempotencyKey: `${m.orderId}:release`,
      amount: release,
      ...(fee > 0 && { fee }),
    });
  }
  if (funded > covered) {
    out.push({ kind: 'refund', idempotencyKey: `${m.orderId}:excess-refund`, amount: funded - covered });
  }
  return out;
}

export function expectedClose(m: OrderModel): { outcome: Outcome; reason: string } {
  if (m.closedAs) return m.closedAs;
  const def = PATHS[m.path] as PathDef;
  return { outcome: def.outcome, reason: def.reason };
}
