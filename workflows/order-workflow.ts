import type { UpdateDefinition } from '@temporalio/common';
import { allHandlersFinished, condition, log, setHandler } from '@temporalio/workflow';
import { Claims } from './handlers/claims.js';
import { Extensions } from './handlers/extensions.js';
import { Fulfilment } from './handlers/fulfilment.js';
import { Negotiation } from './handlers/negotiation.js';
import { type Decision, Order, type UpdateHandler, type UpdateHandlers } from './handlers/order.js';
import { Returns } from './handlers/returns.js';
import { payOut } from './handlers/settlement.js';
import { Statements } from './handlers/statements.js';
import { allows, isOpen } from './model/lifecycle.js';
import {
  COMMAND_SCHEMAS,
  type CommandOf,
  type OrderAnswer,
  orderQuery,
  reviewDeadlinesSignal,
  UPDATE_NAMES,
  UPDATES,
  type UpdateName,
} from './model/messages.js';
import { type ClosedOrder, closedOrder, type OpenStatus, type OrderWorkflowInput } from './model/state.js';
import { OrderVersions } from './model/versions.js';
import { type EventStream, eventStream, answer as reply } from './stream/event-stream.js';

/**
 * Registers one Update from the command registry: the validator and the handler get the command as
 * its schema parsed it. Orders started since 'stored-answers' answer with their event's sequence
 * where they can (EventStream.answer). Older ones: a synchronous answer leaves the dispute's
 * statements out (event-stream.ts); a promise is returned as it is, since an extra await would
 * move the next commands to a later microtask, and their histories replay as recorded.
 */
function register<N extends UpdateName>(
  order: Order,
  events: EventStream,
  name: N,
  handler: UpdateHandler<N>,
): void {
  const parse = (arg: unknown) => order.parse(COMMAND_SCHEMAS[name], arg) as CommandOf<N>;
  // Clients still get a snapshot: api/stored-answers.ts reads a stored answer's from PostgreSQL.
  const update = UPDATES[name] as unknown as UpdateDefinition<OrderAnswer, [unknown]>;
  const stored = order.versions.storedAnswers;
  setHandler(
    update,
    (arg) => {
      const answer = handler.handle(parse(arg));
      if (stored) return answer instanceof Promise ? answer.then(events.answer) : events.answer(answer);
      return answer instanceof Promise ? answer : reply(answer);
    },
    { description: handler.description, validator: (arg) => handler.validate(parse(arg)) },
  );
}

/**
 * One durable workflow per order (docs/spec.md#lifecycle): waits on deadline timers and on the marketplace's
 * events. The rules are in Order and its handlers; this function registers them, waits on the
 * deadline of each status (lifecycle.ts), then pays out and closes.
 */
export async function order(input: OrderWorkflowInput): Promise<ClosedOrder> {
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
  const returns = new Returns(order, negotiation);
  negotiation.refunds = returns;
  order.start();
  void fulfilment.watchBalance();

  const handlers = {
    ...negotiation.updates,
    ...fulfilment.updates,
    ...claims.updates,
    ...statements.updates,
    ...extensions.updates,
    ...returns.updates,
    // During a non-delivery dispute a delivery is a late one (docs/spec.md#delivery-and-balance-deadlines).
    recordDelivery: {
      description:
        'The goods were delivered: { deliveredAt? }. Starts the inspection window, also after a non-delivery dispute began.',
      validate: (d) =>
        allows('lateDelivery', order.state.status)
          ? claims.validateLateDelivery(d)
          : fulfilment.validateDelivery(d),
      handle: (d) =>
        allows('lateDelivery', order.state.status)
          ? claims.recordLateDelivery(d)
          : fulfilment.recordDelivery(d),
    },
  } satisfies UpdateHandlers;
  for (const name of UPDATE_NAMES) register(order, events, name, handlers[name]);
  setHandler(orderQuery, () => order.state, {
    description: 'The order snapshot: status, money, evaluation, timeline.',
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
    return_pending: () => void returns.deadlinePassed(),
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
  // Orders decided before 'decision-sender' were paid out without the sender in the memo. A refund
  // an arbitrator decided that waited for a return names the sender too (no older order has one).
  const arbitrated = final.reason === 'arbitration' || order.state.return?.requested.by === 'arbitrator';
  if (arbitrated && versions.decisionSender()) await negotiation.recordSender(final);
  await payOut(order, final);
  order.state.outcome = final.outcome;
  order.state.reason = final.reason;
  order.state.closedAt = order.now();
  order.moveTo('closed', `${final.outcome}: ${final.reason}`);
  await events.drain();
  await condition(allHandlersFinished);
  log.info('order closed', { orderId: order.contract.orderId, outcome: final.outcome, reason: final.reason });
  return closedOrder(order.state, events.lastSequence());
}
