import type { Evaluation } from '../rules/quality.js';
import type {
  ArbitrationDecision,
  CancelEvent,
  ClaimReason,
  Party,
  PaymentEvent,
} from '../schemas/commands.js';
import type { Contract } from '../schemas/contract.js';
import type { Evidence, InspectionReport } from '../schemas/inspection-report.js';

/** The statuses in which an order takes events and waits on a deadline (see lifecycle.ts). */
export const OPEN_STATUSES = [
  'awaiting_funding',
  'awaiting_shipment',
  'in_transit',
  'inspection',
  'negotiation',
  'arbitration',
] as const;
export type OpenStatus = (typeof OPEN_STATUSES)[number];

export const ORDER_STATUSES = [...OPEN_STATUSES, 'settling', 'closed'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_OUTCOMES = ['released', 'refunded', 'split', 'cancelled'] as const;
export type OrderOutcome = (typeof ORDER_OUTCOMES)[number];

export const CLOSE_REASONS = [
  'buyer_accepted',
  'inspection_lapsed',
  'late_shipment',
  'unfunded',
  'not_delivered',
  'supplier_cancelled',
  'buyer_cancelled',
  'claim_accepted',
  'settlement_agreed',
  'claim_withdrawn',
  'arbitration',
  'balance_unpaid',
] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

export interface RecordedPayment extends PaymentEvent {
  receivedAt: string;
  recordedAt: string;
  transactionId: string;
}

export interface Offer {
  /** Who made it; offers recorded before either party could offer are the supplier's. */
  party?: Party;
  refundAmount: number;
  offeredAt: string;
  status: 'open' | 'accepted' | 'superseded';
}

export interface Payout {
  kind: 'refund' | 'release' | 'excess_refund';
  amount: number;
  idempotencyKey: string;
  transactionId: string;
  at: string;
}

export interface TimelineEntry {
  at: string;
  event: string;
  detail?: string;
}

export interface Deadlines {
  fundBy: string;
  shipBy: string;
  deliverBy?: string;
  balanceDueBy?: string;
  inspectionEndsAt?: string;
  negotiationEndsAt?: string;
  arbitrationDueAt?: string;
}

/**
 * The buyer's complaint (docs/spec.md#claims): filed, or opened automatically by a report or a missed
 * delivery.
 */
export interface Claim {
  reason: ClaimReason | 'not_delivered';
  description: string;
  /** Fixed when filed: later payments do not change it. */
  requestedRefund: number;
  evidence: Evidence[];
  filedAt: string;
  /** `buyer` when filed through the claims route; otherwise what opened it. */
  source: 'buyer' | 'inspection_report' | 'delivery_deadline';
  status: 'open' | 'accepted' | 'settled' | 'withdrawn' | 'decided' | 'superseded';
}

export interface Statement {
  party: Party;
  text: string;
  evidence: Evidence[];
  at: string;
}

export const EXTENSION_DEADLINES = ['shipBy', 'deliverBy', 'inspection', 'negotiation'] as const;
export type ExtensionDeadline = (typeof EXTENSION_DEADLINES)[number];

/** A later deadline one party proposed and the other answers (docs/spec.md#extensions). */
export interface Extension {
  extensionId: string;
  party: 'buyer' | 'supplier';
  deadline: ExtensionDeadline;
  until: string;
  reason: string;
  status: 'proposed' | 'accepted' | 'rejected' | 'expired';
  proposedAt: string;
  /** The deadline in force when proposed. */
  from: string;
  answeredAt?: string;
}

export interface Dispute {
  kind: 'quality' | 'non_delivery';
  openedAt: string;
  /** Absent only on disputes opened before claims existed. */
  claim?: Claim;
  /**
   * Claims of earlier disputes of this order, superseded by a late delivery
   * (docs/spec.md#delivery-and-balance-deadlines).
   */
  earlierClaims?: Claim[];
  /** Both parties' statements in time order; absent from the copies of the snapshot in events. */
  statements?: Statement[];
  /** A delivery reported while the non-delivery dispute was in arbitration. */
  lateDelivery?: { deliveredAt: string; reportedAt: string };
}

/** What `GET /v1/orders/:orderId`, every mutating route and the `order` query answer. */
export interface OrderSnapshot {
  orderId: string;
  status: OrderStatus;
  outcome?: OrderOutcome;
  reason?: CloseReason;
  contract: Contract;
  deadlines: Deadlines;
  funded: number;
  /** What escrow holds now: funded minus payouts. */
  escrowBalance: number;
  /** What the buyer still owes of the order amount: max(0, amount − funded). */
  outstanding: number;
  /** balanceDueBy passed with something outstanding; cleared when the balance is paid. */
  balanceOverdue?: boolean;
  fundedAt?: string;
  payments: RecordedPayment[];
  shipment?: { carrier: string; trackingNumber: string; shippedAt: string };
  delivery?: { deliveredAt: string };
  inspection?: { report: InspectionReport; submittedAt: string };
  evaluation?: Evaluation;
  dispute?: Dispute;
  offers: Offer[];
  extensions: Extension[];
  arbitration?: { openedAt: string; dueAt: string; overdue: boolean };
  /** `sentBy`: the caller identity Temporal recorded with the decision, null when none was declared. */
  decision?: ArbitrationDecision & { decidedAt: string; sentBy?: string | null };
  cancellation?: CancelEvent & { at: string };
  payouts: Payout[];
  timeline: TimelineEntry[];
  closedAt?: string;
}

/** The workflow's input: the normalized contract plus what the API fingerprinted for idempotent creation. */
export interface OrderWorkflowInput {
  contract: Contract;
  /** Canonical JSON of the create request's body, so that a repeated create can be compared. */
  requestFingerprint: string;
}

/**
 * An order as its workflow starts it. The API answers the creation with it, without waiting for
 * the workflow's first task to answer a Query: nothing but the contract has reached it yet.
 */
export function openingSnapshot(contract: Contract): OrderSnapshot {
  return {
    orderId: contract.orderId,
    status: 'awaiting_funding',
    contract,
    deadlines: {
      fundBy: contract.fundBy,
      shipBy: contract.shipBy,
      deliverBy: contract.deliverBy,
      balanceDueBy: contract.balanceDueBy,
    },
    funded: 0,
    escrowBalance: 0,
    outstanding: contract.amount,
    payments: [],
    offers: [],
    extensions: [],
    payouts: [],
    timeline: [{ at: contract.createdAt, event: 'created' }],
  };
}
