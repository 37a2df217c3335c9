import { formatTime } from '../case-file/format.js';
import type { OrderSnapshot, Return } from '../model/state.js';
import { returnWindows, whyNoReturn } from '../rules/returns.js';
import { MAX_EVIDENCE_ITEMS } from '../schemas/caps.js';
import type { ReturnDeliveryEvent, ReturnReceiptEvent, ReturnShipmentEvent } from '../schemas/commands.js';
import { DEFAULT_TRANSIT_WINDOW } from '../schemas/contract.js';
import { durationMs } from '../schemas/duration.js';
import type { Negotiation, RefundGate } from './negotiation.js';
import type { Decision, Order, UpdateHandlers } from './order.js';
import { evidenceCount } from './statements.js';

/**
 * Returns before a refund (docs/spec.md#returns): a full refund decided after delivery waits in
 * `return_pending` for the goods to come back, through three deadlines in turn: the buyer ships
 * them within `returns.window`, they arrive within the order's transit window, and the supplier
 * says what came within `returns.receiptWindow`. Only `as_sent` refunds; anything else goes back
 * to arbitration, where the refund then settles without a second return.
 */
export class Returns implements RefundGate {
  constructor(
    private readonly order: Order,
    private readonly negotiation: Negotiation,
  ) {}

  readonly updates = {
    recordReturnShipment: {
      description: 'The buyer shipped the goods back: { carrier, trackingNumber, shippedAt? }.',
      validate: (s) => this.validateShipment(s),
      handle: (s) => this.recordShipment(s),
    },
    recordReturnDelivery: {
      description: 'The returned goods reached the supplier: { deliveredAt? }. Starts the receipt window.',
      validate: (d) => this.validateDelivery(d),
      handle: (d) => this.recordDelivery(d),
    },
    recordReturnReceipt: {
      description:
        'The supplier says what came back: { condition, evidence, note? }. as_sent refunds; any other condition goes to arbitration.',
      validate: (r) => this.validateReceipt(r),
      handle: (r) => this.recordReceipt(r),
    },
  } satisfies Partial<UpdateHandlers>;

  /**
   * A full refund waits for the goods unless they were waived (`returnGoods: false`) or none can
   * come back. The version is asked last, only where a return would be demanded: an order decided
   * before 'returns-before-refund' replays its decision as it was made.
   */
  waitsForReturn(d: Decision, by: Return['requested']['by'], returnGoods: boolean | undefined): boolean {
    if (returnGoods === false || whyNoReturn(this.order.state) !== undefined) return false;
    if (!this.order.versions.returnsBeforeRefund()) return false;
    const { order } = this;
    const { state, contract } = order;
    const window = returnWindows(contract).window;
    const shipBy = new Date(Date.now() + durationMs(window)).toISOString();
    state.return = {
      requested: {
        at: order.now(),
        by,
        reason: d.reason === 'arbitration' ? 'arbitration' : 'claim_accepted',
        memo: d.memo,
      },
      deadlines: { shipBy },
    };
    state.deadlines.returnDueAt = shipBy;
    order.moveTo('return_pending', `refund waits for the goods: ship them back by ${shipBy} (${window})`);
    return true;
  }

  private get ret(): Return {
    const ret = this.order.state.return;
    if (!ret) throw new Error('no return is pending');
    return ret;
  }

  validateShipment(shipment: ReturnShipmentEvent): void {
    const { order } = this;
    order.require('recordReturnShipment');
    const { shipment: shipped, deadlines } = this.ret;
    if (shipped) {
      order.conflict(
        `the return was already shipped (${shipped.carrier} ${shipped.trackingNumber}, ${shipped.shippedAt})`,
      );
    }
    order.notInFuture('shippedAt', shipment.shippedAt);
    const shippedAt = shipment.shippedAt ? Date.parse(shipment.shippedAt) : Date.now();
    const deliveredAt = order.state.delivery?.deliveredAt;
    if (deliveredAt && shippedAt < Date.parse(deliveredAt))
      order.invalid(`shippedAt is before the goods were delivered (${deliveredAt})`);
    if (shippedAt > Date.parse(deadlines.shipBy))
      order.invalid(`shippedAt is after the return's ship-by deadline ${deadlines.shipBy}`);
  }

  recordShipment(shipment: ReturnShipmentEvent): OrderSnapshot {
    const { order } = this;
    const { state, contract } = order;
    const ret = this.ret;
    const shippedAt = new Date(shipment.shippedAt ?? order.now()).toISOString();
    ret.shipment = { ...shipment, shippedAt };
    const transit = contract.transitWindow ?? DEFAULT_TRANSIT_WINDOW;
    ret.deadlines.deliverBy = new Date(Date.parse(shippedAt) + durationMs(transit)).toISOString();
    this.runUntil(ret.deadlines.deliverBy);
    order.note(
      'return_shipment',
      `${shipment.carrier} ${shipment.trackingNumber}; deliver by ${ret.deadlines.deliverBy} (transit window ${transit})`,
    );
    order.publish();
    order.emit('order.return_shipped');
    return state;
  }

  validateDelivery(delivery: ReturnDeliveryEvent): void {
    const { order } = this;
    order.require('recordReturnDelivery');
    const { shipment, delivery: delivered } = this.ret;
    if (!shipment) order.conflict('the return has not been shipped: its delivery follows its shipment');
    else if (delivered) order.conflict(`the return was already delivered (${delivered.deliveredAt})`);
    else {
      order.notInFuture('deliveredAt', delivery.deliveredAt);
      if (delivery.deliveredAt && Date.parse(delivery.deliveredAt) < Date.parse(shipment.shippedAt))
        order.invalid(`deliveredAt is before the return's shippedAt ${shipment.shippedAt}`);
    }
  }

  recordDelivery(delivery: ReturnDeliveryEvent): OrderSnapshot {
    const { order } = this;
    const { state, contract } = order;
    const ret = this.ret;
    const deliveredAt = new Date(delivery.deliveredAt ?? order.now()).toISOString();
    ret.delivery = { deliveredAt };
    const window = returnWindows(contract).receiptWindow;
    ret.deadlines.receiptBy = new Date(Date.parse(deliveredAt) + durationMs(window)).toISOString();
    this.runUntil(ret.deadlines.receiptBy);
    order.note(
      'return_delivery',
      `the supplier confirms what came back by ${ret.deadlines.receiptBy} (${window})`,
    );
    order.publish();
    order.emit('order.return_delivered');
    return state;
  }

  validateReceipt(receipt: ReturnReceiptEvent): void {
    const { order } = this;
    order.require('recordReturnReceipt');
    if (!this.ret.delivery) {
      order.conflict(
        "the return has not been delivered: the supplier confirms what came back after the return's delivery",
      );
    }
    if (evidenceCount(order.state) + receipt.evidence.length > MAX_EVIDENCE_ITEMS) {
      order.invalid(
        `an order holds at most ${MAX_EVIDENCE_ITEMS} evidence items; this receipt would pass it`,
      );
    }
  }

  recordReceipt(receipt: ReturnReceiptEvent): OrderSnapshot {
    const { order } = this;
    const { state } = order;
    const ret = this.ret;
    ret.receipt = { ...receipt, receivedAt: order.now() };
    order.note('return_receipt', `${receipt.condition}${receipt.note ? `: ${receipt.note}` : ''}`);
    order.emit('order.return_received');
    if (receipt.condition === 'as_sent') {
      order.decide({
        outcome: 'refunded',
        reason: 'returned',
        memo: `${ret.requested.memo}; the goods came back as sent`,
      });
    } else this.reopen(`the supplier received the return: ${receipt.condition}`, 'return_contested');
    return state;
  }

  /** The running return deadline passed: the one of the step the return has reached. */
  deadlinePassed(): void {
    const { order } = this;
    const ret = this.ret;
    if (!ret.shipment) {
      order.decide({
        outcome: 'released',
        reason: 'return_not_shipped',
        memo: `the goods were not shipped back by ${formatTime(ret.deadlines.shipBy)}, so the refund decided lapsed (${ret.requested.memo})`,
      });
    } else if (!ret.delivery) {
      order.note('return_not_delivered', `no delivery of the return by ${ret.deadlines.deliverBy}`);
      this.reopen(`the return was not delivered by ${ret.deadlines.deliverBy}`, 'return_not_delivered');
    } else {
      order.decide({
        outcome: 'refunded',
        reason: 'return_receipt_lapsed',
        memo: `${ret.requested.memo}; the supplier did not confirm the returned goods by ${formatTime(ret.deadlines.receiptBy ?? order.now())}`,
      });
    }
  }

  /** A new deadline of the same status: the timer loop waits for it instead. */
  private runUntil(deadline: string): void {
    this.order.state.deadlines.returnDueAt = deadline;
    this.order.deadlineMoves++;
  }

  /** Back to an arbitrator, who now decides without a return; the decision that asked for it stays on file. */
  private reopen(why: string, cause: 'return_contested' | 'return_not_delivered'): void {
    const { state } = this.order;
    if (state.decision) {
      this.ret.requested.decision = state.decision;
      delete state.decision;
    }
    this.negotiation.openArbitration(why, { cause });
  }
}
