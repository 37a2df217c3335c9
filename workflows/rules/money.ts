import type { OrderOutcome } from '../schemas/statuses.js';

/** Settlement arithmetic of docs/spec.md#lifecycle, in integer minor units. */

/** How an order ends is how its money is paid out. */
export type SettlementOutcome = OrderOutcome;

/**
 * What escrow covers of the order amount, `min(funded, amount)`: the most a refund of a claim, an
 * offer or a split can be, and all a release pays.
 */
export function covered(order: { funded: number; contract: { amount: number } }): number {
  return Math.min(order.funded, order.contract.amount);
}

export interface SettlementPlan {
  /** Refund of the claim (or of everything, on a refund or cancellation). */
  refund: number;
  release: number;
  /** Whatever was funded beyond the order amount: always the buyer's. */
  excessRefund: number;
}

/**
 * A release pays the supplier what escrow covers of the amount; a refund returns everything
 * funded; a split refunds `refundAmount` and releases the rest of what escrow covers.
 */
export function settlementPlan(
  outcome: SettlementOutcome,
  funded: number,
  amount: number,
  refundAmount = 0,
): SettlementPlan {
  const held = covered({ funded, contract: { amount } });
  const excess = funded - held;
  switch (outcome) {
    case 'refunded':
    case 'cancelled':
      return { refund: held, release: 0, excessRefund: excess };
    case 'released':
      return { refund: 0, release: held, excessRefund: excess };
    case 'split': {
      const refund = Math.min(Math.max(refundAmount, 0), held);
      return { refund, release: held - refund, excessRefund: excess };
    }
  }
}

/** ISO 4217 minor-unit exponents that differ from 2. */
const EXPONENTS: Record<string, number> = {
  BHD: 3,
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  IQD: 3,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  PYG: 0,
  RWF: 0,
  TND: 3,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
};

export function minorUnitExponent(currency: string): number {
  return EXPONENTS[currency] ?? 2;
}

/** `formatMoney(1250000, 'USD')` is `USD 12,500.00`, built from integers only. */
export function formatMoney(minor: number, currency: string): string {
  const exponent = minorUnitExponent(currency);
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : '';
  return `${currency} ${sign}${whole}${fraction}`;
}

/**
 * `formatAmount(62500, 'USD')` is `USD 625.00 (62500)`: the amount a person reads beside the minor
 * units that `refundAmount` and the ledger take, so that no one converts by hand.
 */
export function formatAmount(minor: number, currency: string): string {
  return `${formatMoney(minor, currency)} (${minor})`;
}

/** A marketplace commission on what the supplier is paid: basis points, with an optional floor. */
export interface Commission {
  commissionBps: number;
  minimum?: number;
}

/**
 * The commission on a release or the released part of a split:
 * `min(released, max(minimum, floor(released × commissionBps / 10000)))`, in integers (the product
 * can pass 2^53, so it is taken in BigInt). No commission, no fee; refunds carry none.
 */
export function commissionFee(released: number, commission?: Commission): number {
  if (!commission || released <= 0) return 0;
  const share = Number((BigInt(released) * BigInt(commission.commissionBps)) / 10000n);
  return Math.min(released, Math.max(commission.minimum ?? 0, share));
}
