import type { Contract } from '../schemas/contract.js';
import type { OrderSnapshot } from '../schemas/snapshot.js';
import type { SupplierProgramSnapshot } from './program.js';

export type {
  Claim,
  Deadlines,
  Dispute,
  Extension,
  Offer,
  OrderSnapshot,
  Payout,
  RecordedPayment,
  Return,
  Statement,
  TimelineEntry,
} from '../schemas/snapshot.js';
/**
 * The order's state as the workflow holds it: the snapshot's types (inferred from its one schema,
 * schemas/snapshot.ts) and enumerations, the workflow's input, and the snapshot an order starts as.
 */
export * from '../schemas/statuses.js';

/** The workflow's input: the normalized contract plus what the API fingerprinted for idempotent creation. */
export interface OrderWorkflowInput {
  contract: Contract;
  /**
   * What the API fingerprinted of the create request's body (`sha256:<hex>` of its canonical JSON;
   * the JSON itself on older orders), so that a repeated create can be compared.
   */
  requestFingerprint: string;
  /** The supplier's program status and figures at creation (docs/program.md); absent on older orders. */
  supplierProgram?: SupplierProgramSnapshot;
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

/**
 * What an order's workflow returns: the order as it closed without the parts that only grow its
 * history (the contract, the deadlines, the timeline, the inspection and its evaluation, the
 * dispute), and the sequence of its closing event. The whole order is that event's snapshot in
 * PostgreSQL (`GET /v1/orders/:orderId` answers with it; no part of the engine reads the result), and
 * a closed order's history is kept for the namespace's retention: the whole snapshot was its
 * largest event.
 */
export type ClosedOrder = Omit<OrderSnapshot, LeftOutOfResult> & { closingEvent?: number };

type LeftOutOfResult = 'contract' | 'deadlines' | 'timeline' | 'inspection' | 'evaluation' | 'dispute';

export function closedOrder(state: OrderSnapshot, closingEvent: number | undefined): ClosedOrder {
  const {
    contract: _contract,
    deadlines: _deadlines,
    timeline: _timeline,
    inspection: _inspection,
    evaluation: _evaluation,
    dispute: _dispute,
    ...kept
  } = state;
  return { ...kept, ...(closingEvent !== undefined && { closingEvent }) };
}
