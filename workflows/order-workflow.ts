import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { z } from 'zod';
import type { Activities } from '../activities/index.js';
import { caseFile } from './case-file.js';
import {
  ArbitrationDecisionSchema,
  CancelEventSchema,
  DeliveryEventSchema,
  PaymentEventSchema,
  SettlementEventSchema,
  ShipmentEventSchema,
} from './commands.js';
import { durationMs } from './duration.js';
import { InspectionReportSchema } from './inspection-report.js';
import { allows, COMMANDS, type Command, DEADLINES, isOpen, STATUS_EVENTS } from './lifecycle.js';
import {
  arbitrateUpdate,
  cancelUpdate,
  INVALID_EVENT,
  orderQuery,
  recordDeliveryUpdate,
  recordPaymentUpdate,
  recordShipmentUpdate,
  settleUpdate,
  submitInspectionUpdate,
  WRONG_STATE,
} from './messages.js';
import { type SettlementOutcome, settlementPlan } from './money.js';
import { type OrderEvent, type OrderEventType, orderEventId, WEBHOOK_RETRY } from './order-events.js';
import type {
  CloseReason,
  OpenStatus,
  OrderSnapshot,
  OrderStatus,
  OrderWorkflowInput,
  Payout,
} from './order-state.js';
import { evaluateQuality } from './quality.js';
import {
  ArbitrationDueAtKey,
  ArbitrationOverdueKey,
  BuyerIdKey,
  EscrowAmountKey,
  OrderOutcomeKey,
  OrderStatusKey,
  ShipByKey,
  SupplierIdKey,
} from './search-attributes.js';

const ledger = proxyActivities<Activities>({
  // A ledger movement takes milliseconds; a worker that died mid-movement is noticed soon.
  startToCloseTimeout: '10 seconds',
  // A ledger outage must not lose a payout: keep retrying until it comes back.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Webhook receivers may be down for a while: deliveries keep trying for 72 hours. */
const webhooks = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: WEBHOOK_RETRY.giveUpAfter,
  retry: {
    initialInterval: WEBHOOK_RETRY.initialIntervalMs,
    backoffCoefficient: WEBHOOK_RETRY.backoffCoefficient,
    maximumInterval: WEBHOOK_RETRY.maximumIntervalMs,
  },
});

const notifications = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', maximumAttempts: 20 },
});

interface Decision {
  outcome: SettlementOutcome;
  reason: CloseReason;
  refundAmount?: number;
  memo: string;
}

/** One durable workflow per order (SPEC §3): waits on deadline timers and on the marketplace's events. */
export async function order(input: OrderWorkflowInput): Promise<OrderSnapshot> {
  const { contract } = input;
  const now = () => new Date(Date.now()).toISOString();
  const state: OrderSnapshot = {
    orderId: contract.orderId,
    status: 'awaiting_funding',
    contract,
    deadlines: { fundBy: contract.fundBy, shipBy: contract.shipBy, deliverBy: contract.deliverBy },
    funded: 0,
    escrowBalance: 0,
    payments: [],
    offers: [],
    payouts: [],
    timeline: [{ at: contract.createdAt, event: 'created' }],
  };
  let decision: Decision | undefined;
  // Orders started before order events existed replay without them.
  const eventsEnabled = patched('order-events');
  const events = eventStream(contract.orderId, eventsEnabled);
  let paymentsInFlight = 0;
  const pendingReferences = new Set<string>();

  const note = (event: string, detail?: string) => {
    state.timeline.push(detail === undefined ? { at: now(), event } : { at: now(), event, detail });
  };
  const publish = () => {
    upsertSearchAttributes([
      { key: OrderStatusKey, value: state.status },
      { key: EscrowAmountKey, value: state.escrowBalance },
      ...(state.outcome ? [{ key: OrderOutcomeKey, value: state.outcome }] : []),
      ...(state.arbitration
        ? [
            { key: ArbitrationDueAtKey, value: new Date(state.arbitration.dueAt) },
            { key: ArbitrationOverdueKey, value: state.arbitration.overdue },
          ]
        : []),
    ]);
    setCurrentDetails(caseFile(state));
  };
  const emit = (type: OrderEventType) => events.emit(type, now(), state);
  const moveTo = (status: OrderStatus, detail?: string) => {
    state.status = status;
    note(status, detail);
    publish();
    const type = status === 'closed' ? (`order.${state.outcome}` as OrderEventType) : STATUS_EVENTS[status];
    if (type) emit(type);
  };
  const decide = (d: Decision) => {
    decision = d;
    moveTo('settling', `${d.outcome}: ${d.reason}`);
  };
  const covered = () => Math.min(state.funded, contract.amount);

  const wrongState = (action: string, allowed: readonly OrderStatus[]): never => {
    throw ApplicationFailure.create({
      type: WRONG_STATE,
      nonRetryable: true,
      message: `cannot ${action} while the order is ${state.status}; allowed in: ${allowed.join(', ')}`,
      details: [{ status: state.status }],
    });
  };
  /** Refuses a command that the lifecycle table does not allow in the current status. */
  const requireStatus = (command: Command) => {
    const rule = COMMANDS[command];
    if (!allows(command, state.status)) wrongState(rule.refusal, [...rule.allowedIn]);
  };
  const invalid = (message: string): never => {
    throw ApplicationFailure.create({ type: INVALID_EVENT, nonRetryable: true, message });
  };
  const parse = <S extends z.ZodType>(schema: S, arg: unknown): z.output<S> => {
    const result = schema.safeParse(arg);
    if (!result.success) {
      invalid(result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    }
    return (result as { data: z.output<S> }).data;
  };
  const notInFuture = (field: string, at: string | undefined) => {
    if (at !== undefined && Date.parse(at) > Date.now()) invalid(`${field} ${at} is in the future`);
  };

  upsertSearchAttributes([
    { key: BuyerIdKey, value: contract.buyer.id },
    { key: SupplierIdKey, value: contract.supplier.id },
    { key: ShipByKey, value: new Date(contract.shipBy) },
  ]);
  publish();
  emit('order.created');

  setHandler(orderQuery, () => state, {
    description: 'The order snapshot: status, money, evaluation, timeline.',
  });

  setHandler(
    recordPaymentUpdate,
    async (arg) => {
      const payment = parse(PaymentEventSchema, arg);
      const existing = state.payments.find((p) => p.reference === payment.reference);
      if (existing || pendingReferences.has(payment.reference)) {
        await condition(() => !pendingReferences.has(payment.reference));
        return state;
      }
      pendingReferences.add(payment.reference);
      paymentsInFlight++;
      try {
        const receivedAt = payment.receivedAt ? new Date(payment.receivedAt).toISOString() : now();
        const tx = await ledger.creditEscrow({
          idempotencyKey: `${contract.orderId}:payment:${payment.reference}`,
          orderId: contract.orderId,
          buyerId: contract.buyer.id,
          supplierId: contract.supplier.id,
          currency: contract.currency,
          amount: payment.amount,
          reference: payment.reference,
          memo: `payment ${payment.reference} from buyer ${contract.buyer.id}`,
        });
        state.payments.push({ ...payment, receivedAt, recordedAt: now(), transactionId: tx.transactionId });
        state.funded += payment.amount;
        state.escrowBalance += payment.amount;
        note('payment', `${payment.amount} ${contract.currency} (${payment.reference})`);
        emit('order.payment_received');
        if (state.status === 'awaiting_funding' && state.funded >= contract.deposit) {
          state.fundedAt = now();
          moveTo('awaiting_shipment', 'deposit reached');
        } else publish();
      } finally {
        pendingReferences.delete(payment.reference);
        paymentsInFlight--;
      }
      return state;
    },
    {
      description:
        'A payment into escrow: { amount, reference, receivedAt? }. A repeated reference is a no-op.',
      validator: (arg) => {
        const payment = parse(PaymentEventSchema, arg);
        const existing = state.payments.find((p) => p.reference === payment.reference);
        if (existing && existing.amount !== payment.amount) {
          invalid(
            `payment reference ${payment.reference} was already recorded with amount ${existing.amount}`,
          );
        }
        if (existing) return;
        requireStatus('recordPayment');
        notInFuture('receivedAt', payment.receivedAt);
      },
    },
  );

  setHandler(
    recordShipmentUpdate,
    (arg) => {
      const shipment = parse(ShipmentEventSchema, arg);
      state.shipment = { ...shipment, shippedAt: new Date(shipment.shippedAt ?? now()).toISOString() };
      moveTo('in_transit', `${shipment.carrier} ${shipment.trackingNumber}`);
      return state;
    },
    {
      description: 'The supplier shipped: { carrier, trackingNumber, shippedAt? }.',
      validator: (arg) => {
        const shipment = parse(ShipmentEventSchema, arg);
        requireStatus('recordShipment');
        notInFuture('shippedAt', shipment.shippedAt);
        const shippedAt = shipment.shippedAt ? Date.parse(shipment.shippedAt) : Date.now();
        if (shippedAt > Date.parse(contract.shipBy))
          invalid(`shippedAt is after the ship-by deadline ${contract.shipBy}`);
      },
    },
  );

  setHandler(
    recordDeliveryUpdate,
    (arg) => {
      const delivery = parse(DeliveryEventSchema, arg);
      const deliveredAt = new Date(delivery.deliveredAt ?? now()).toISOString();
      state.delivery = { deliveredAt };
      state.deadlines.inspectionEndsAt = new Date(
        Date.parse(deliveredAt) + durationMs(contract.inspectionWindow),
      ).toISOString();
      moveTo('inspection', `inspection window until ${state.deadlines.inspectionEndsAt}`);
      return state;
    },
    {
      description: 'The goods were delivered: { deliveredAt? }. Starts the inspection window.',
      validator: (arg) => {
        const delivery = parse(DeliveryEventSchema, arg);
        requireStatus('recordDelivery');
        notInFuture('deliveredAt', delivery.deliveredAt);
        if (
          delivery.deliveredAt &&
          state.shipment &&
          Date.parse(delivery.deliveredAt) < Date.parse(state.shipment.shippedAt)
        ) {
          invalid(`deliveredAt is before shippedAt ${state.shipment.shippedAt}`);
        }
      },
    },
  );

  const openDispute = (kind: 'quality' | 'non_delivery') => {
    state.dispute = { kind, openedAt: now() };
    if (durationMs(contract.negotiationWindow) === 0) {
      openArbitration('negotiation window is PT0S');
      return;
    }
    state.deadlines.negotiationEndsAt = new Date(
      Date.now() + durationMs(contract.negotiationWindow),
    ).toISOString();
    moveTo('negotiation', `${kind} dispute; negotiation until ${state.deadlines.negotiationEndsAt}`);
  };
  const openArbitration = (why: string) => {
    const dueAt = new Date(Date.now() + durationMs(contract.arbitrationSla)).toISOString();
    state.arbitration = { openedAt: now(), dueAt, overdue: false };
    state.deadlines.arbitrationDueAt = dueAt;
    state.offers.forEach((o) => {
      if (o.status === 'open') o.status = 'superseded';
    });
    moveTo('arbitration', `${why}; decision due by ${dueAt}`);
  };

  setHandler(
    submitInspectionUpdate,
    (arg) => {
      const report = parse(InspectionReportSchema, arg);
      state.inspection = { report, submittedAt: now() };
      state.evaluation = evaluateQuality(contract, report);
      note(
        'inspection_report',
        state.evaluation.conforms ? 'conforms' : `${state.evaluation.violations.length} violation(s)`,
      );
      if (state.evaluation.conforms) {
        decide({
          outcome: 'released',
          reason: 'buyer_accepted',
          memo: 'inspection report conforms to the contract',
        });
      } else openDispute('quality');
      return state;
    },
    {
      description:
        'The inspection report: { measurements, receivedQuantity, evidence, inspector?, notes? }. Conforming releases; contradicting opens a dispute.',
      validator: (arg) => {
        parse(InspectionReportSchema, arg);
        requireStatus('submitInspection');
      },
    },
  );

  setHandler(
    settleUpdate,
    (arg) => {
      const event = parse(SettlementEventSchema, arg);
      switch (event.action) {
        case 'accept_claim':
          decide({ outcome: 'refunded', reason: 'claim_accepted', memo: 'supplier accepted the claim' });
          break;
        case 'offer':
          state.offers.forEach((o) => {
            if (o.status === 'open') o.status = 'superseded';
          });
          state.offers.push({ refundAmount: event.refundAmount, offeredAt: now(), status: 'open' });
          note('offer', `supplier offers a refund of ${event.refundAmount} ${contract.currency}`);
          publish();
          emit('order.offer_made');
          break;
        case 'accept_offer': {
          const offer = state.offers.find((o) => o.status === 'open');
          if (!offer) break;
          offer.status = 'accepted';
          decide({
            outcome: 'split',
            reason: 'settlement_agreed',
            refundAmount: offer.refundAmount,
            memo: `buyer accepted the supplier's offer of ${offer.refundAmount}`,
          });
          break;
        }
        case 'withdraw_claim':
          decide({ outcome: 'released', reason: 'claim_withdrawn', memo: 'buyer withdrew the claim' });
          break;
      }
      return state;
    },
    {
      description:
        'A move in the negotiation: supplier accept_claim | offer { refundAmount }; buyer accept_offer | withdraw_claim.',
      validator: (arg) => {
        const event = parse(SettlementEventSchema, arg);
        requireStatus(event.action);
        if (event.action === 'offer' && event.refundAmount > covered()) {
          invalid(
            `refundAmount ${event.refundAmount} exceeds what escrow covers of the order (${covered()})`,
          );
        }
        if (event.action === 'accept_offer' && !state.offers.some((o) => o.status === 'open')) {
          invalid('there is no open offer to accept');
        }
      },
    },
  );

  setHandler(
    cancelUpdate,
    (arg) => {
      const cancel = parse(CancelEventSchema, arg);
      state.cancellation = { ...cancel, at: now() };
      const reason: CloseReason = cancel.party === 'buyer' ? 'buyer_cancelled' : 'supplier_cancelled';
      if (state.status === 'awaiting_funding') {
        decide({ outcome: 'cancelled', reason, memo: `${cancel.party} cancelled: ${cancel.reason}` });
      } else {
        decide({ outcome: 'refunded', reason, memo: `supplier cancelled: ${cancel.reason}` });
      }
      return state;
    },
    {
      description:
        'Cancel the order: { party, reason }. Either party before funding; only the supplier before shipment.',
      validator: (arg) => {
        const cancel = parse(CancelEventSchema, arg);
        requireStatus(cancel.party === 'buyer' ? 'cancelAsBuyer' : 'cancelAsSupplier');
      },
    },
  );

  setHandler(
    arbitrateUpdate,
    (arg) => {
      const d = parse(ArbitrationDecisionSchema, arg);
      state.decision = { ...d, decidedAt: now() };
      note(
        'arbitration_decision',
        `${d.outcome}${d.refundAmount ? ` ${d.refundAmount}` : ''} by ${d.arbitrator}: ${d.rationale}`,
      );
      emit('order.arbitration_decided');
      const outcome: SettlementOutcome =
        d.outcome === 'refund' ? 'refunded' : d.outcome === 'release' ? 'released' : 'split';
      decide({
        outcome,
        reason: 'arbitration',
        refundAmount: d.refundAmount,
        memo: `arbitration by ${d.arbitrator}: ${d.rationale}`,
      });
      return state;
    },
    {
      description:
        'Decide the dispute with ONE JSON object: {"outcome":"refund"|"release"|"split","refundAmount":<minor units, split only>,"arbitrator":"<your id>","rationale":"<why>"}',
      validator: (arg) => {
        const d = parse(ArbitrationDecisionSchema, arg);
        requireStatus('arbitrate');
        const max = covered();
        if (d.outcome === 'split') {
          if (d.refundAmount === undefined)
            invalid(`a split needs refundAmount: between 1 and ${max - 1} minor units`);
          else if (d.refundAmount <= 0 || d.refundAmount >= max) {
            invalid(
              `refundAmount ${d.refundAmount} is out of range for a split: between 1 and ${max - 1} minor units ` +
                `(escrow covers ${max} of the order); use outcome "refund" or "release" for all or nothing`,
            );
          }
        } else if (d.refundAmount !== undefined) {
          invalid(`refundAmount is only for outcome "split"; remove it for "${d.outcome}"`);
        }
      },
    },
  );

  const until = (deadline: string) => Math.max(1, Date.parse(deadline) - Date.now());
  /** The timer of the current status (DEADLINES); none while it has no deadline or once it fired. */
  const runningDeadline = (status: OpenStatus): string | undefined => {
    if (status === 'arbitration' && state.arbitration?.overdue) return undefined;
    return state.deadlines[DEADLINES[status].deadline];
  };
  /** What each status's deadline does when it passes; a promise returned is waited for. */
  const deadlinePassed: Record<OpenStatus, () => Promise<unknown> | undefined> = {
    awaiting_funding() {
      if (state.status === 'awaiting_funding') {
        decide({
          outcome: 'cancelled',
          reason: 'unfunded',
          memo: `deposit not reached by ${contract.fundBy}`,
        });
      }
      return undefined;
    },
    awaiting_shipment() {
      decide({ outcome: 'refunded', reason: 'late_shipment', memo: `not shipped by ${contract.shipBy}` });
      return undefined;
    },
    in_transit() {
      note('not_delivered', `no delivery by ${contract.deliverBy}`);
      openDispute('non_delivery');
      return undefined;
    },
    inspection() {
      decide({
        outcome: 'released',
        reason: 'inspection_lapsed',
        memo: 'buyer silent through the inspection window',
      });
      return undefined;
    },
    negotiation() {
      openArbitration('negotiation window passed');
      return undefined;
    },
    arbitration() {
      if (state.arbitration) state.arbitration.overdue = true;
      note('arbitration_overdue', `no decision by ${state.arbitration?.dueAt}`);
      publish();
      emit('order.arbitration_overdue');
      const notice = notifications.notifyArbitrationOverdue({
        orderId: contract.orderId,
        workflowId: workflowInfo().workflowId,
        dueAt: state.arbitration?.dueAt ?? now(),
      });
      // A notifier that is down must neither hold up a decision nor fail the order.
      if (patched('overdue-notice-detached')) {
        notice.catch((err: Error) =>
          log.warn('arbitration overdue notice not delivered', {
            orderId: contract.orderId,
            error: err.message,
          }),
        );
        return undefined;
      }
      return notice;
    },
  };

  while (state.status !== 'settling') {
    const status = state.status;
    if (!isOpen(status)) throw new Error(`unexpected status ${status}`);
    const deadline = runningDeadline(status);
    const left = () => state.status !== status;
    if (deadline === undefined) await condition(left);
    else if (!(await condition(left, until(deadline)))) {
      // A payment that was accepted before fundBy may still be on its way to the ledger.
      if (status === 'awaiting_funding') await condition(() => paymentsInFlight === 0);
      const waiting = deadlinePassed[status]();
      if (waiting) await waiting;
    }
  }

  await condition(() => paymentsInFlight === 0);
  const final = decision as Decision;
  await settle(final);
  state.outcome = final.outcome;
  state.reason = final.reason;
  state.closedAt = now();
  moveTo('closed', `${final.outcome}: ${final.reason}`);
  await events.drain();
  await condition(allHandlersFinished);
  log.info('order closed', { orderId: contract.orderId, outcome: final.outcome, reason: final.reason });
  return state;

  async function settle(d: Decision): Promise<void> {
    const plan = settlementPlan(d.outcome, state.funded, contract.amount, d.refundAmount);
    const movement = (kind: Payout['kind'], amount: number) => ({
      // Keys derive from the order and the step only: a Reset or a retry must find the first result.
      idempotencyKey: `${contract.orderId}:${kind === 'excess_refund' ? 'excess-refund' : kind}`,
      orderId: contract.orderId,
      buyerId: contract.buyer.id,
      supplierId: contract.supplier.id,
      currency: contract.currency,
      amount,
      memo:
        kind === 'excess_refund' ? `funded beyond the order amount (${d.reason})` : `${d.reason}: ${d.memo}`,
    });
    const pay = async (kind: Payout['kind'], amount: number) => {
      if (amount <= 0) return;
      const m = movement(kind, amount);
      const tx = kind === 'release' ? await ledger.releaseToSupplier(m) : await ledger.refundBuyer(m);
      state.payouts.push({
        kind,
        amount,
        idempotencyKey: m.idempotencyKey,
        transactionId: tx.transactionId,
        at: now(),
      });
      state.escrowBalance -= amount;
      note(kind, `${amount} ${contract.currency}`);
      emit('order.payout');
    };
    await pay('refund', plan.refund);
    await pay('release', plan.release);
    await pay('excess_refund', plan.excessRefund);
  }
}

/**
 * Stores each event in PostgreSQL as it happens and delivers them to the webhooks one after the
 * other, so that a receiver sees an order's events in sequence even when it was down for hours.
 * Storing runs ahead of delivery: the pull feed never waits for a slow receiver.
 */
function eventStream(orderId: string, enabled: boolean) {
  let sequence = 0;
  let closing = false;
  let storing = false;
  const toStore: OrderEvent[] = [];
  const toDeliver: string[] = [];

  const storeLoop = async () => {
    for (;;) {
      await condition(() => toStore.length > 0 || closing);
      const event = toStore.shift();
      if (!event) return;
      storing = true;
      await webhooks.recordOrderEvent(event);
      storing = false;
      toDeliver.push(event.id);
    }
  };
  const deliverLoop = async () => {
    for (;;) {
      await condition(() => toDeliver.length > 0 || (closing && toStore.length === 0 && !storing));
      const eventId = toDeliver.shift();
      if (!eventId) return;
      try {
        await webhooks.deliverOrderEvent({ eventId });
      } catch (err) {
        if (isCancellation(err)) throw err;
        // After 72 hours the event stays in the pull feed and the delivery log; the next events go on.
        log.error('webhook delivery abandoned', { orderId, eventId, error: (err as Error).message });
      }
    }
  };
  const loops = enabled ? [storeLoop(), deliverLoop()] : [];

  return {
    emit(type: OrderEventType, occurredAt: string, snapshot: OrderSnapshot) {
      if (!enabled) return;
      sequence++;
      toStore.push({
        id: orderEventId(orderId, sequence),
        orderId,
        sequence,
        type,
        occurredAt,
        // A copy: the state goes on changing while the event waits to be stored.
        snapshot: JSON.parse(JSON.stringify(snapshot)),
      });
    },
    async drain() {
      closing = true;
      await Promise.all(loops);
    },
  };
}
