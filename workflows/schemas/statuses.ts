/**
 * The order's enumerations, kept free of zod: the workflow reads them at every step, and the
 * snapshot's schema (snapshot.ts) is built from them.
 */

/** The statuses in which an order takes events and waits on a deadline (see model/lifecycle.ts). */
export const OPEN_STATUSES = [
  'awaiting_funding',
  'awaiting_shipment',
  'in_transit',
  'inspection',
  'negotiation',
  'arbitration',
  // A full refund after delivery waits for the goods to come back (docs/spec.md#returns).
  'return_pending',
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
  'returned',
  'return_not_shipped',
  'return_receipt_lapsed',
  'payment_reversed',
] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** What the supplier found in the returned goods (docs/spec.md#returns): all but `as_sent` contest the return. */
export const RETURN_CONDITIONS = ['as_sent', 'damaged', 'missing_items', 'wrong_item', 'empty'] as const;
export type ReturnCondition = (typeof RETURN_CONDITIONS)[number];

export const EXTENSION_DEADLINES = ['shipBy', 'deliverBy', 'inspection', 'negotiation'] as const;
export type ExtensionDeadline = (typeof EXTENSION_DEADLINES)[number];
