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
