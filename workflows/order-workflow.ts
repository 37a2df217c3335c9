import { allHandlersFinished, condition, log, setHandler } from '@temporalio/workflow';
import { Claims } from './handlers/claims.js';
import { Extensions } from './handlers/extensions.js';
import { Fulfilment } from './handlers/fulfilment.js';
import { Negotiation } from './handlers/negotiation.js';
import { type Decision, Order } from './handlers/order.js';
import { payOut } from './handlers/settlement.js';
import { Statements } from './handlers/statements.js';
import { isOpen } from './model/lifecycle.js';
import {
  acceptGoodsUpdate,
  addStatementUpdate,
  answerExtensionUpdate,
  arbitrateUpdate,
  cancelUpdate,
  fileClaimUpdate,
  orderQuery,
  proposeExtensionUpdate,
  recordDeliveryUpdate,
  recordPaymentUpdate,
  recordShipmentUpdate,
  reviewDeadlinesSignal,
  settleUpdate,
  submitInspectionUpdate,
} from './model/messages.js';
import type { OpenStatus, OrderSnapshot, OrderWorkflowInput } from './model/state.js';
import { OrderVersions } from './model/versions.js';
import { eventStream, answer as reply } from './stream/event-stream.js';

/**
 * One durable workflow per order (docs/spec.md#lifecycle): waits on deadline timers and on the marketplace's
 * events. The rules are in Order and its handlers; this function registers them, waits on the
 * deadline of each status (lifecycle.ts), then pays out and closes.
 */
export async function order(input: OrderWorkflowInput): Promise<OrderSnapshot> {
  // Each order keeps the rules and the history shape of the version that started it.
  const versions = new OrderVersions();
  const movingMoney = () => fulfilment.paymentsInFlight > 0 || order.payoutsInFlight > 0;
  const events = eventStream(input.contract.orderId, versions, movingMoney);
  const order = new Order(input, events, versions);
  const fulfilment = new Fulfilment(order);
  const negotiation = new Negotiation(order);
  const claims = new Claims(order, negotiation);
  const statements = new Statements(order);
  const extensions = new Extensions(order);
  order.start();
  void fulfilment.watchBalance();

  // Answers of the Updates a dispute takes leave its statements out (event-stream.ts).
  // The Web UI lists Updates in the order they are registered: the arbitrator's comes first.
  setHandler(arbitrateUpdate, (arg) => reply(negotiation.arbitrate(arg)), {
    description:
      'Decide the dispute with ONE JSON object: {"outcome":"refund"|"release"|"split","refundAmount":<minor units, split only>,"arbitrator":"<your id>","rationale":"<why>"}',
    validator: (arg) => negotiation.validateArbitration(arg),
  });
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
  // A delivery during a non-delivery dispute is a late one (docs/spec.md#delivery-and-balance-deadlines).
  const late = () => order.state.status === 'negotiation' || order.state.status === 'arbitration';
  setHandler(
    recordDeliveryUpdate,
    (arg) => reply(late() ? claims.recordLateDelivery(arg) : fulfilment.recordDelivery(arg)),
    {
      description:
        'The goods were delivered: { deliveredAt? }. Starts the inspection window, also after a non-delivery dispute began.',
      validator: (arg) => (late() ? claims.validateLateDelivery(arg) : fulfilment.validateDelivery(arg)),
    },
  );
  setHandler(submitInspectionUpdate, (arg) => reply(claims.submitInspection(arg)), {
    description:
      'The inspection report: { measurements, receivedQuantity, evidence, inspector?, notes? }. Conforming and complete releases; contradicting opens a dispute.',
    validator: (arg) => claims.validateInspection(arg),
  });
  setHandler(fileClaimUpdate, (arg) => reply(claims.fileClaim(arg)), {
    description:
      'The buyer complains: { reason, description, requestedRefund, evidence }. Opens the dispute.',
    validator: (arg) => claims.validateClaim(arg),
  });
  setHandler(acceptGoodsUpdate, (arg) => reply(claims.accept(arg)), {
    description: 'The buyer accepts the goods: {}. Releases to the supplier.',
    validator: (arg) => claims.validateAcceptance(arg),
  });
  setHandler(addStatementUpdate, (arg) => reply(statements.addStatement(arg)), {
    description: "A party's statement in the dispute: { party, text, evidence }.",
    validator: (arg) => statements.validateStatement(arg),
  });
  setHandler(settleUpdate, (arg) => reply(negotiation.settle(arg)), {
    description:
      'A move in the negotiation: { party, action }: offer { refundAmount } | accept_offer | escalate { reason? } by either party; supplier accept_claim; buyer withdraw_claim.',
    validator: (arg) => negotiation.validateSettle(arg),
  });
  setHandler(cancelUpdate, (arg) => fulfilment.cancel(arg), {
    description:
      'Cancel the order: { party, reason }. Either party before funding; only the supplier before shipment.',
    validator: (arg) => fulfilment.validateCancel(arg),
  });

  setHandler(proposeExtensionUpdate, (arg) => extensions.propose(arg), {
    description:
      'Propose a later deadline: { party, deadline: "shipBy"|"deliverBy"|"inspection"|"negotiation", until, reason }.',
    validator: (arg) => extensions.validatePropose(arg),
  });
  setHandler(answerExtensionUpdate, (arg) => extensions.answer(arg), {
    description:
      'The other party answers a proposed extension: { extensionId, party, action: "accept"|"reject" }.',
    validator: (arg) => extensions.validateAnswer(arg),
  });
  setHandler(reviewDeadlinesSignal, () => void order.deadlineMoves++);

  /**
   * What each status's deadline does when it passes (lifecycle.ts DEADLINES). Only a promise
   * returned is awaited: an extra await would move the next commands to a later microtask.
   */
  const deadlinePassed: Record<OpenStatus, () => Promise<void> | undefined> = {
    awaiting_funding: () => void fulfilment.fundByPassed(),
    awaiting_shipment: () => void fulfilment.shipByPassed(),
    in_transit: () => void claims.notDelivered(),
    inspection: () => void claims.inspectionLapsed(),
    negotiation: () => void negotiation.negotiationLapsed(),
    arbitration: () => negotiation.arbitrationOverdue(),
  };
  const until = (deadline: string) => Math.max(1, Date.parse(deadline) - Date.now());

  while (order.state.status !== 'settling') {
    const status = order.state.status;
    if (!isOpen(status)) throw new Error(`unexpected status ${status}`);
    const deadline = order.runningDeadline(status);
    // The timer is restarted when the deadline moves (an extension, a transit deadline given late).
    const moves = order.deadlineMoves;
    const changed = () => order.state.status !== status || order.deadlineMoves !== moves;
    if (deadline === undefined) await condition(changed);
    // A deadline moved in the same activation as its old timer fired: wait for the new one instead.
    else if (!(await condition(changed, until(deadline))) && order.deadlineMoves === moves) {
      // A payment that was accepted before fundBy may still be on its way to the ledger.
      if (status === 'awaiting_funding') await condition(() => fulfilment.paymentsInFlight === 0);
      const waiting = deadlinePassed[status]();
      if (waiting) await waiting;
    }
  }

  await condition(() => fulfilment.paymentsInFlight === 0);
  const final = order.decision as Decision;
  // Orders decided before 'decision-sender' were paid out without the sender in the memo.
  if (final.reason === 'arbitration' && versions.decisionSender()) await negotiation.recordSender(final);
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
