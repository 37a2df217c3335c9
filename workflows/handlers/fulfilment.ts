import { condition } from '@temporalio/workflow';
import { isOpen } from '../model/lifecycle.js';
import { UNKNOWN_PAYMENT } from '../model/messages.js';
import type { CloseReason, OrderSnapshot } from '../model/state.js';
import { formatAmount } from '../rules/money.js';
import { MAX_PAYMENTS } from '../schemas/caps.js';
import type {
  CancelEvent,
  DeliveryEvent,
  RecordPaymentCommand,
  Reversal,
  ShipmentEvent,
} from '../schemas/commands.js';
import { durationMs } from '../schemas/duration.js';
import { fundByDraw } from './draws.js';
import { type Order, refuse, type UpdateHandlers } from './order.js';
import { creditEscrow, reverseFunding } from './settlement.js';

/**
 * The order going as planned: payments, shipment, delivery, cancellation before shipment, and
 * the fundBy and shipBy deadlines. Each `validate…` runs before its Update is accepted (see
 * Order.require), its handler after.
 */
export class Fulfilment {
  /** Payments accepted but not yet in the ledger: the order does not settle while there are any. */
  paymentsInFlight = 0;
  /**
   * Amounts of the payments accepted but still on their way to the ledger, by reference: the
   * validator must see them, or a concurrent repeat of a reference with another amount would pass
   * as a no-op instead of being refused like a sequential one.
   */
  private readonly pendingReferences = new Map<string, number>();
  /** Reversals accepted and still on their way to the ledger, by payment reference: their amounts. */
  private readonly pendingReversals = new Map<string, number[]>();
  /** Reversals started per payment reference: the `n` of each one's ledger key. */
  private readonly reversalsStarted = new Map<string, number>();

  readonly updates = {
    recordPayment: {
      description:
        'A payment into escrow: { amount, reference, receivedAt?, method?, creditLineId? }. A repeated reference is a no-op.',
      validate: (p) => this.validatePayment(p),
      handle: (p) => this.recordPayment(p),
    },
    recordShipment: {
      description: 'The supplier shipped: { carrier, trackingNumber, shippedAt? }.',
      validate: (s) => this.validateShipment(s),
      handle: (s) => this.recordShipment(s),
    },
    cancel: {
      description:
        'Cancel the order: { party, reason }. Either party before funding; only the supplier before shipment.',
      validate: (c) => this.validateCancel(c),
      handle: (c) => this.cancel(c),
    },
    reversePayment: {
      description:
        'The rail took a payment back: { reference, amount, reason: "chargeback"|"recall"|"returned_payment", reversedAt? }.',
      validate: (r) => this.validateReversal(r),
      handle: (r) => this.reversePayment(r),
    },
  } satisfies Partial<UpdateHandlers>;

  constructor(private readonly order: Order) {}

  validatePayment(payment: RecordPaymentCommand): void {
    const { order } = this;
    const existing =
      order.state.payments.find((p) => p.reference === payment.reference)?.amount ??
      this.pendingReferences.get(payment.reference);
    if (existing !== undefined && existing !== payment.amount) {
      order.invalid(`payment reference ${payment.reference} was already recorded with amount ${existing}`);
    }
    if (existing !== undefined) return;
    order.require('recordPayment');
    if (order.state.payments.length + this.pendingReferences.size >= MAX_PAYMENTS) {
      order.invalid(`the order holds the most payments an order may have (${MAX_PAYMENTS})`);
    }
    order.notInFuture('receivedAt', payment.receivedAt);
    if ((payment.method === 'credit_line') !== (payment.lineSteps !== undefined && !!payment.creditLineId)) {
      order.invalid('a credit_line payment names its creditLineId and carries its line steps; no other does');
    }
  }

  async recordPayment(command: RecordPaymentCommand): Promise<OrderSnapshot> {
    // The line steps are the API's signatures for the line, not part of the payment.
    const { lineSteps: _lineSteps, ...payment } = command;
    const { order } = this;
    const { state, contract } = order;
    const existing = state.payments.find((p) => p.reference === payment.reference);
    if (existing || this.pendingReferences.has(payment.reference)) {
      await condition(() => !this.pendingReferences.has(payment.reference));
      return state;
    }
    this.pendingReferences.set(payment.reference, payment.amount);
    this.paymentsInFlight++;
    try {
      const receivedAt = payment.receivedAt ? new Date(payment.receivedAt).toISOString() : order.now();
      const tx =
        command.method === 'credit_line'
          ? await fundByDraw(order, command, () => creditEscrow(order, payment))
          : await creditEscrow(order, payment);
      state.payments.push({
        ...payment,
        receivedAt,
        recordedAt: order.now(),
        transactionId: tx.transactionId,
      });
      state.funded += payment.amount;
      state.escrowBalance += payment.amount;
      state.outstanding = Math.max(0, contract.amount - state.funded);
      if (state.balanceOverdue && state.outstanding === 0) {
        state.balanceOverdue = false;
        order.note('balance_paid', `paid after ${state.deadlines.balanceDueBy}`);
      }
      order.note('payment', `${payment.amount} ${contract.currency} (${payment.reference})`);
      order.emit('order.payment_received');
      if (state.status === 'awaiting_funding' && state.funded >= contract.deposit) {
        state.fundedAt = order.now();
        order.moveTo('awaiting_shipment', 'deposit reached');
      } else order.publish();
    } finally {
      this.pendingReferences.delete(payment.reference);
      this.paymentsInFlight--;
    }
    return state;
  }

  validateReversal(r: Reversal): void {
    const { order } = this;
    order.require('reversePayment');
    const payment = order.state.payments.find((p) => p.reference === r.reference);
    if (!payment) {
      if (this.pendingReferences.has(r.reference)) {
        order.conflict(`payment ${r.reference} is still being recorded; send the reversal again once it is`);
      }
      refuse(UNKNOWN_PAYMENT, `no payment ${r.reference} on this order`);
    }
    if (payment.method === 'credit_line') {
      // No rail stands behind a draw: the lender's money leaves escrow only by a refund, to the line.
      order.invalid(
        `payment ${r.reference} is a draw on the buyer's credit line, which no rail takes back; a refund of the order repays the line`,
      );
    }
    const left = payment.amount - this.reversedOf(r.reference);
    if (r.amount > left) {
      order.invalid(
        `a reversal takes back at most the payment's amount in all: ${formatAmount(left, order.contract.currency)} of payment ${r.reference} (${payment.amount}) is left to reverse`,
      );
    }
    order.notInFuture('reversedAt', r.reversedAt);
  }

  /** What was reversed of a payment, counting the reversals still on their way to the ledger. */
  private reversedOf(reference: string): number {
    const recorded = (this.order.state.reversals ?? [])
      .filter((r) => r.reference === reference)
      .reduce((sum, r) => sum + r.amount, 0);
    return recorded + (this.pendingReversals.get(reference) ?? []).reduce((sum, a) => sum + a, 0);
  }

  /**
   * docs/spec.md#reversals. Counted with the payments in flight, so that the order settles only
   * once the reversal is in the ledger, and on what escrow then holds: a settlement never pays out
   * what the rail took back.
   */
  async reversePayment(r: Reversal): Promise<OrderSnapshot> {
    const { order } = this;
    const { state, contract } = order;
    const n = (this.reversalsStarted.get(r.reference) ?? 0) + 1;
    this.reversalsStarted.set(r.reference, n);
    const pending = this.pendingReversals.get(r.reference) ?? [];
    pending.push(r.amount);
    this.pendingReversals.set(r.reference, pending);
    this.paymentsInFlight++;
    try {
      const tx = await reverseFunding(order, r, n);
      state.reversals = [
        ...(state.reversals ?? []),
        {
          reference: r.reference,
          amount: r.amount,
          reason: r.reason,
          reversedAt: r.reversedAt ? new Date(r.reversedAt).toISOString() : order.now(),
          recordedAt: order.now(),
          idempotencyKey: tx.idempotencyKey,
          transactionId: tx.transactionId,
        },
      ];
      state.funded -= r.amount;
      state.escrowBalance -= r.amount;
      state.outstanding = Math.max(0, contract.amount - state.funded);
      order.note('payment_reversed', `${r.amount} ${contract.currency} of ${r.reference} (${r.reason})`);
      order.emit('order.payment_reversed');
      if (state.status === 'awaiting_shipment' && state.funded < contract.deposit) {
        order.decide({
          outcome: 'cancelled',
          reason: 'payment_reversed',
          memo: `${r.reason} of payment ${r.reference} left ${formatAmount(state.funded, contract.currency)} in escrow, below the deposit`,
        });
      } else order.publish();
    } finally {
      pending.splice(pending.indexOf(r.amount), 1);
      if (pending.length === 0) this.pendingReversals.delete(r.reference);
      this.paymentsInFlight--;
    }
    return state;
  }

  validateShipment(shipment: ShipmentEvent): void {
    const { order } = this;
    order.require('recordShipment');
    order.notInFuture('shippedAt', shipment.shippedAt);
    const shippedAt = shipment.shippedAt ? Date.parse(shipment.shippedAt) : Date.now();
    const { shipBy } = order.state.deadlines;
    if (shippedAt > Date.parse(shipBy)) order.invalid(`shippedAt is after the ship-by deadline ${shipBy}`);
  }

  recordShipment(shipment: ShipmentEvent): OrderSnapshot {
    const { order } = this;
    order.state.shipment = {
      ...shipment,
      shippedAt: new Date(shipment.shippedAt ?? order.now()).toISOString(),
    };
    order.setTransitDeadline();
    order.moveTo('in_transit', `${shipment.carrier} ${shipment.trackingNumber}`);
    return order.state;
  }

  validateDelivery(delivery: DeliveryEvent): void {
    const { order } = this;
    order.require('recordDelivery');
    order.notInFuture('deliveredAt', delivery.deliveredAt);
    const shipment = order.state.shipment;
    if (
      delivery.deliveredAt &&
      shipment &&
      Date.parse(delivery.deliveredAt) < Date.parse(shipment.shippedAt)
    ) {
      order.invalid(`deliveredAt is before shippedAt ${shipment.shippedAt}`);
    }
  }

  recordDelivery(delivery: DeliveryEvent): OrderSnapshot {
    const { order } = this;
    const { state } = order;
    const deliveredAt = new Date(delivery.deliveredAt ?? order.now()).toISOString();
    state.delivery = { deliveredAt };
    state.deadlines.inspectionEndsAt = new Date(
      Date.parse(deliveredAt) + durationMs(order.contract.inspectionWindow),
    ).toISOString();
    order.moveTo('inspection', `inspection window until ${state.deadlines.inspectionEndsAt}`);
    return state;
  }

  validateCancel(cancel: CancelEvent): void {
    this.order.require(cancel.party === 'buyer' ? 'cancelAsBuyer' : 'cancelAsSupplier');
  }

  cancel(cancel: CancelEvent): OrderSnapshot {
    const { order } = this;
    order.state.cancellation = { ...cancel, at: order.now() };
    const reason: CloseReason = cancel.party === 'buyer' ? 'buyer_cancelled' : 'supplier_cancelled';
    if (order.state.status === 'awaiting_funding') {
      order.decide({ outcome: 'cancelled', reason, memo: `${cancel.party} cancelled: ${cancel.reason}` });
    } else if (order.state.balanceOverdue || this.balanceFellDue()) {
      if (!order.state.balanceOverdue) this.markBalanceOverdue();
      order.decide({
        outcome: 'refunded',
        reason: 'balance_unpaid',
        memo: `balance of ${formatAmount(order.state.outstanding, order.contract.currency)} unpaid by ${order.state.deadlines.balanceDueBy}: ${cancel.reason}`,
      });
    } else {
      order.decide({ outcome: 'refunded', reason, memo: `supplier cancelled: ${cancel.reason}` });
    }
    return order.state;
  }

  /**
   * Runs beside the status timers from the start (docs/spec.md#delivery-and-balance-deadlines): when
   * balanceDueBy passes with the order still open and not paid in full, the balance is overdue and the
   * supplier may cancel.
   */
  async watchBalance(): Promise<void> {
    const { state, contract } = this.order;
    const due = contract.balanceDueBy;
    if (!due) return;
    const paidOrOver = () => state.outstanding === 0 || !isOpen(state.status);
    if (await condition(paidOrOver, Math.max(1, Date.parse(due) - Date.now()))) return;
    // A cancellation in the same workflow task may have found the balance overdue first.
    if (!state.balanceOverdue) this.markBalanceOverdue();
  }

  /**
   * Whether balanceDueBy has passed on the workflow's clock with the balance unpaid, even if its
   * timer has not been handled yet: when a worker gets the timer and a cancellation in one
   * workflow task (after a restart, or a task that timed out), the SDK runs the Update first.
   * Orders whose history predates this check keep the reason they were given.
   */
  private balanceFellDue(): boolean {
    const { state, contract } = this.order;
    const due = contract.balanceDueBy;
    if (!due || state.outstanding === 0 || Date.now() < Date.parse(due)) return false;
    return this.order.versions.balanceDueByClock();
  }

  private markBalanceOverdue(): void {
    const { order } = this;
    const { state, contract } = order;
    state.balanceOverdue = true;
    order.note(
      'balance_overdue',
      `${state.outstanding} ${contract.currency} not paid by ${contract.balanceDueBy}`,
    );
    order.publish();
    order.emit('order.balance_overdue');
  }

  /** fundBy passed and no payment is still on its way to the ledger. */
  fundByPassed(): void {
    const { order } = this;
    if (order.state.status !== 'awaiting_funding') return;
    order.decide({
      outcome: 'cancelled',
      reason: 'unfunded',
      memo: `deposit not reached by ${order.contract.fundBy}`,
    });
  }

  shipByPassed(): void {
    const { order } = this;
    order.decide({
      outcome: 'refunded',
      reason: 'late_shipment',
      memo: `not shipped by ${order.state.deadlines.shipBy}`,
    });
  }
}
