import { allHandlersFinished, condition, log, patched, setHandler } from '@temporalio/workflow';
import { eventStream } from './event-stream.js';
import { Fulfilment } from './fulfilment.js';
import { isOpen } from './lifecycle.js';
import {
  arbitrateUpdate,
  cancelUpdate,
  orderQuery,
  recordDeliveryUpdate,
  recordPaymentUpdate,
  recordShipmentUpdate,
  settleUpdate,
  submitInspectionUpdate,
} from './messages.js';
import { Negotiation } from './negotiation.js';
import { type Decision, Order } from './order.js';
import type { OpenStatus, OrderSnapshot, OrderWorkflowInput } from './order-state.js';
import { payOut } from './settlement.js';

/**
 * One durable workflow per order (SPEC §3): waits on deadline timers and on the marketplace's
 * events. The rules are in Order and its handlers; this function registers them, waits on the
 * deadline of each status (lifecycle.ts), then pays out and closes.
 */
export async function order(input: OrderWorkflowInput): Promise<OrderSnapshot> {
  // Orders started before order events existed replay without them.
  const events = eventStream(input.contract.orderId, patched('order-events'));
  const order = new Order(input, events);
  const fulfilment = new Fulfilment(order);
  const negotiation = new Negotiation(order);
  order.start();

  setHandler(orderQuery, () => order.state, {
    description: 'The order snapshot: status, money, evaluation, timeline.',
  });
  setHandler(recordPaymentUpdate, (arg) => fulfilment.recordPayment(arg), {
    description:
      'A payment into escrow: { amount, reference, receivedAt? }. A repeated reference is a no-op.',
    validator: (arg) => fulfilment.validatePayment(arg),
  });
  setHandler(recordShipmentUpdate, (arg) => fulfilment.recordShipment(arg), {
    description: 'The supplier shipped: { carrier, trackingNumber, shippedAt? }.',
    validator: (arg) => fulfilment.validateShipment(arg),
  });
  setHandler(recordDeliveryUpdate, (arg) => fulfilment.recordDelivery(arg), {
    description: 'The goods were delivered: { deliveredAt? }. Starts the inspection window.',
    validator: (arg) => fulfilment.validateDelivery(arg),
  });
  setHandler(submitInspectionUpdate, (arg) => negotiation.submitInspection(arg), {
    description:
      'The inspection report: { measurements, receivedQuantity, evidence, inspector?, notes? }. Conforming releases; contradicting opens a dispute.',
    validator: (arg) => negotiation.validateInspection(arg),
  });
  setHandler(settleUpdate, (arg) => negotiation.settle(arg), {
    description:
      'A move in the negotiation: supplier accept_claim | offer { refundAmount }; buyer accept_offer | withdraw_claim.',
    validator: (arg) => negotiation.validateSettle(arg),
  });
  setHandler(cancelUpdate, (arg) => fulfilment.cancel(arg), {
    description:
      'Cancel the order: { party, reason }. Either party before funding; only the supplier before shipment.',
    validator: (arg) => fulfilment.validateCancel(arg),
  });
  setHandler(arbitrateUpdate, (arg) => negotiation.arbitrate(arg), {
    description:
      'Decide the dispute with ONE JSON object: {"outcome":"refund"|"release"|"split","refundAmount":<minor units, split only>,"arbitrator":"<your id>","rationale":"<why>"}',
    validator: (arg) => negotiation.validateArbitration(arg),
  });

  /**
   * What each status's deadline does when it passes (lifecycle.ts DEADLINES). Only a promise
   * returned is awaited: an extra await would move the next commands to a later microtask.
   */
  const deadlinePassed: Record<OpenStatus, () => Promise<void> | undefined> = {
    awaiting_funding: () => void fulfilment.fundByPassed(),
    awaiting_shipment: () => void fulfilment.shipByPassed(),
    in_transit: () => void negotiation.deliverByPassed(),
    inspection: () => void negotiation.inspectionLapsed(),
    negotiation: () => void negotiation.negotiationLapsed(),
    arbitration: () => negotiation.arbitrationOverdue(),
  };
  const until = (deadline: string) => Math.max(1, Date.parse(deadline) - Date.now());

  while (order.state.status !== 'settling') {
    const status = order.state.status;
    if (!isOpen(status)) throw new Error(`unexpected status ${status}`);
    const deadline = order.runningDeadline(status);
    const left = () => order.state.status !== status;
    if (deadline === undefined) await condition(left);
    else if (!(await condition(left, until(deadline)))) {
      // A payment that was accepted before fundBy may still be on its way to the ledger.
      if (status === 'awaiting_funding') await condition(() => fulfilment.paymentsInFlight === 0);
      const waiting = deadlinePassed[status]();
      if (waiting) await waiting;
    }
  }

  await condition(() => fulfilment.paymentsInFlight === 0);
  const final = order.decision as Decision;
  await payOut(order, final);
  order.state.outcome = final.outcome;
  order.state.reason = final.reason;
  order.state.closedAt = order.now();
  order.moveTo('closed', `${final.outcome}: ${final.reason}`);
  await events.drain();
  await condition(allHandlersFinished);
  log.info('order closed', { orderId: order.contract.orderId, outcome: final.outcome, reason: final.reason });
  return order.state;
}
