import {
  arbitrateUpdate,
  recordDeliveryUpdate,
  recordPaymentUpdate,
  recordShipmentUpdate,
  submitInspectionUpdate,
} from '../../workflows/model/messages.js';
import type { ApiKeys } from './api-client.js';

export const HOUR = 3600_000;
export const BENCH_SUPPLIER = { id: 'bench-supplier', name: 'Bench Supplier' };

/**
 * The marketplace's commission on the lifecycle's dispute orders: their split releases part of the
 * escrow, so the release carries a fee leg to `fees:USD` (docs/ledger.md), as a marketplace's would.
 */
export const COMMISSION = { commissionBps: 250, minimum: 1_000 };

/**
 * The bench's contract: deadlines an hour and a day away unless given (epoch milliseconds), and
 * the commission when `fees` is given.
 */
export function contractInput(
  orderId: string,
  deadlines?: { fundBy: number; shipBy: number },
  fees?: typeof COMMISSION,
) {
  const now = Date.now();
  return {
    orderId,
    buyer: { id: 'bench-buyer', name: 'Bench Buyer' },
    supplier: BENCH_SUPPLIER,
    currency: 'USD',
    amount: 1_250_000,
    fundBy: new Date(deadlines?.fundBy ?? now + HOUR).toISOString(),
    shipBy: new Date(deadlines?.shipBy ?? now + 24 * HOUR).toISOString(),
    inspectionWindow: 'PT1H',
    negotiationWindow: 'PT0S',
    arbitrationSla: 'P1D',
    quantity: { ordered: 1000, unit: 'kg', tolerancePct: 2 },
    quality: [
      { attribute: 'moisture', max: 12, unit: '%' },
      { attribute: 'grade', oneOf: ['A', 'B'] },
    ],
    ...(fees && { fees }),
  };
}

export const PAYMENT = { amount: 1_250_000, reference: 'wire-1' };
const conforming = { measurements: { moisture: 11.9, grade: 'B' }, receivedQuantity: 990, evidence: [] };
const contradicting = {
  measurements: { moisture: 14.5, grade: 'A' },
  receivedQuantity: 1000,
  evidence: [{ uri: 'https://inspect.example/r/1.pdf', description: 'lab report' }],
};
const split = { outcome: 'split', refundAmount: 500_000, arbitrator: 'bench-arbitrator', rationale: 'bench' };

/** One event of an order: its route over HTTP, and the Update the route sends. */
export interface Step {
  route: string;
  body: unknown;
  update: string;
  /** Who sends it; the marketplace when absent. */
  as?: keyof ApiKeys;
}

/** After creation, the happy path to a release, or a dispute to an arbitrator's split. */
export const stepsOf = (dispute: boolean): Step[] => [
  { route: 'payments', body: PAYMENT, update: recordPaymentUpdate.name },
  {
    route: 'shipment',
    body: { carrier: 'Maersk', trackingNumber: 'MSKU1234565' },
    update: recordShipmentUpdate.name,
  },
  { route: 'delivery', body: {}, update: recordDeliveryUpdate.name },
  {
    route: 'inspection',
    body: dispute ? contradicting : conforming,
    update: submitInspectionUpdate.name,
  },
  ...(dispute
    ? [{ route: 'arbitration', body: split, update: arbitrateUpdate.name, as: 'arbitrator' as const }]
    : []),
];
