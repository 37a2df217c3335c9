import { log, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { ArbitrationDecisionSchema, SettlementEventSchema } from './commands.js';
import { durationMs } from './duration.js';
import { InspectionReportSchema } from './inspection-report.js';
import type { SettlementOutcome } from './money.js';
import type { Order } from './order.js';
import type { OrderSnapshot } from './order-state.js';
import { evaluateQuality } from './quality.js';

const notifications = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', maximumAttempts: 20 },
});

/**
 * Inspection and disputes: the inspection report and its window, the dispute it or a missed
 * delivery opens, the negotiation between the parties, and the arbitration that decides when
 * they do not agree.
 */
export class Negotiation {
  constructor(private readonly order: Order) {}

  validateInspection(arg: unknown): void {
    this.order.parse(InspectionReportSchema, arg);
    this.order.require('submitInspection');
  }

  submitInspection(arg: unknown): OrderSnapshot {
    const { order } = this;
    const { state } = order;
    const report = order.parse(InspectionReportSchema, arg);
    state.inspection = { report, submittedAt: order.now() };
    state.evaluation = evaluateQuality(order.contract, report);
    order.note(
      'inspection_report',
      state.evaluation.conforms ? 'conforms' : `${state.evaluation.violations.length} violation(s)`,
    );
    if (state.evaluation.conforms) {
      order.decide({
        outcome: 'released',
        reason: 'buyer_accepted',
        memo: 'inspection report conforms to the contract',
      });
    } else this.openDispute('quality');
    return state;
  }

  inspectionLapsed(): void {
    this.order.decide({
      outcome: 'released',
      reason: 'inspection_lapsed',
      memo: 'buyer silent through the inspection window',
    });
  }

  deliverByPassed(): void {
    this.order.note('not_delivered', `no delivery by ${this.order.state.deadlines.deliverBy}`);
    this.openDispute('non_delivery');
  }

  private openDispute(kind: 'quality' | 'non_delivery'): void {
    const { order } = this;
    const { state, contract } = order;
    state.dispute = { kind, openedAt: order.now() };
    if (durationMs(contract.negotiationWindow) === 0) {
      this.openArbitration('negotiation window is PT0S');
      return;
    }
    state.deadlines.negotiationEndsAt = new Date(
      Date.now() + durationMs(contract.negotiationWindow),
    ).toISOString();
    order.moveTo('negotiation', `${kind} dispute; negotiation until ${state.deadlines.negotiationEndsAt}`);
  }

  validateSettle(arg: unknown): void {
    const { order } = this;
    const event = order.parse(SettlementEventSchema, arg);
    order.require(event.action);
    if (event.action === 'offer' && event.refundAmount > order.covered()) {
      order.invalid(
        `refundAmount ${event.refundAmount} exceeds what escrow covers of the order (${order.covered()})`,
      );
    }
    if (event.action === 'accept_offer' && !order.state.offers.some((o) => o.status === 'open')) {
      order.invalid('there is no open offer to accept');
    }
  }

  settle(arg: unknown): OrderSnapshot {
    const { order } = this;
    const { state } = order;
    const event = order.parse(SettlementEventSchema, arg);
    switch (event.action) {
      case 'accept_claim':
        order.decide({ outcome: 'refunded', reason: 'claim_accepted', memo: 'supplier accepted the claim' });
        break;
      case 'offer':
        supersedeOpenOffers(state);
        state.offers.push({ refundAmount: event.refundAmount, offeredAt: order.now(), status: 'open' });
        order.note('offer', `supplier offers a refund of ${event.refundAmount} ${order.contract.currency}`);
        order.publish();
        order.emit('order.offer_made');
        break;
      case 'accept_offer': {
        const offer = state.offers.find((o) => o.status === 'open');
        if (!offer) break;
        offer.status = 'accepted';
        order.decide({
          outcome: 'split',
          reason: 'settlement_agreed',
          refundAmount: offer.refundAmount,
          memo: `buyer accepted the supplier's offer of ${offer.refundAmount}`,
        });
        break;
      }
      case 'withdraw_claim':
        order.decide({ outcome: 'released', reason: 'claim_withdrawn', memo: 'buyer withdrew the claim' });
        break;
    }
    return state;
  }

  negotiationLapsed(): void {
    this.openArbitration('negotiation window passed');
  }

  private openArbitration(why: string): void {
    const { order } = this;
    const { state } = order;
    const dueAt = new Date(Date.now() + durationMs(order.contract.arbitrationSla)).toISOString();
    state.arbitration = { openedAt: order.now(), dueAt, overdue: false };
    state.deadlines.arbitrationDueAt = dueAt;
    supersedeOpenOffers(state);
    order.moveTo('arbitration', `${why}; decision due by ${dueAt}`);
  }

  validateArbitration(arg: unknown): void {
    const { order } = this;
    const d = order.parse(ArbitrationDecisionSchema, arg);
    order.require('arbitrate');
    const max = order.covered();
    if (d.outcome === 'split') {
      if (d.refundAmount === undefined)
        order.invalid(`a split needs refundAmount: between 1 and ${max - 1} minor units`);
      else if (d.refundAmount <= 0 || d.refundAmount >= max) {
        order.invalid(
          `refundAmount ${d.refundAmount} is out of range for a split: between 1 and ${max - 1} minor units ` +
            `(escrow covers ${max} of the order); use outcome "refund" or "release" for all or nothing`,
        );
      }
    } else if (d.refundAmount !== undefined) {
      order.invalid(`refundAmount is only for outcome "split"; remove it for "${d.outcome}"`);
    }
  }

  arbitrate(arg: unknown): OrderSnapshot {
    const { order } = this;
    const d = order.parse(ArbitrationDecisionSchema, arg);
    order.state.decision = { ...d, decidedAt: order.now() };
    order.note(
      'arbitration_decision',
      `${d.outcome}${d.refundAmount ? ` ${d.refundAmount}` : ''} by ${d.arbitrator}: ${d.rationale}`,
    );
    order.emit('order.arbitration_decided');
    const outcome: SettlementOutcome =
      d.outcome === 'refund' ? 'refunded' : d.outcome === 'release' ? 'released' : 'split';
    order.decide({
      outcome,
      reason: 'arbitration',
      refundAmount: d.refundAmount,
      memo: `arbitration by ${d.arbitrator}: ${d.rationale}`,
    });
    return order.state;
  }

  /**
   * The arbitration SLA passed: flag the case and notify the arbitrators. Returns the notice for
   * orders that started before 'overdue-notice-detached', which still wait for it.
   */
  arbitrationOverdue(): Promise<void> | undefined {
    const { order } = this;
    const { state, contract } = order;
    if (state.arbitration) state.arbitration.overdue = true;
    order.note('arbitration_overdue', `no decision by ${state.arbitration?.dueAt}`);
    order.publish();
    order.emit('order.arbitration_overdue');
    const notice = notifications.notifyArbitrationOverdue({
      orderId: contract.orderId,
      workflowId: workflowInfo().workflowId,
      dueAt: state.arbitration?.dueAt ?? order.now(),
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
  }
}

function supersedeOpenOffers(state: OrderSnapshot): void {
  for (const o of state.offers) if (o.status === 'open') o.status = 'superseded';
}
