import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { CLAIM_LABELS } from '../case-file/dispute.js';
import type { OrderActivities } from '../model/activities.js';
import { arbitrateUpdate } from '../model/messages.js';
import type { OrderSnapshot } from '../model/state.js';
import { formatAmount, type SettlementOutcome } from '../rules/money.js';
import { whyNoReturn } from '../rules/returns.js';
import { MAX_OFFERS } from '../schemas/caps.js';
import type { ArbitrationDecision, SettlementEvent } from '../schemas/commands.js';
import { durationMs } from '../schemas/duration.js';
import type { Decision, Order, UpdateHandlers } from './order.js';

const notifications = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', maximumAttempts: 20 },
});

const history = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  // The payout waits for it: a Temporal that keeps refusing the read costs the sender, not the money.
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/**
 * What a full refund asks before it settles (returns.ts answers): whether it waits for the goods
 * to come back, having moved the order to return_pending if so.
 */
export interface RefundGate {
  waitsForReturn(d: Decision, by: 'supplier' | 'arbitrator', returnGoods: boolean | undefined): boolean;
}

/**
 * Disputes: the negotiation between the parties that a claim opens (claims.ts), and the
 * arbitration that decides when they do not agree.
 */
export class Negotiation {
  /** Set by the workflow: a full refund after delivery asks it first (docs/spec.md#returns). */
  refunds?: RefundGate;

  constructor(private readonly order: Order) {
    // An open offer lapses when the negotiation ends without it: by escalation, the window, or a
    // late delivery that sends the order back to inspection. A decision leaves it as it was, also
    // one whose refund waits for the goods.
    order.onLeave((from, to) => {
      if (from === 'negotiation' && to !== 'settling' && to !== 'return_pending')
        supersedeOpenOffers(order.state);
    });
  }

  readonly updates = {
    arbitrate: {
      description:
        'Decide the dispute: paste ONE payload from the Decide section of the case file (User Metadata), with your id in "arbitrator" and why in "rationale". refundAmount is in minor units, for a split only.',
      validate: (d) => this.validateArbitration(d),
      handle: (d) => this.arbitrate(d),
    },
    settle: {
      description:
        'A move in the negotiation: { party, action }: offer { refundAmount } | accept_offer | escalate { reason? } by either party; supplier accept_claim { returnGoods? }; buyer withdraw_claim.',
      validate: (e) => this.validateSettle(e),
      handle: (e) => this.settle(e),
    },
  } satisfies Partial<UpdateHandlers>;

  /** `state.dispute` holds what is disputed already (claims.ts). */
  openDispute(kind: 'quality' | 'non_delivery'): void {
    const { order } = this;
    const { state, contract } = order;
    if (durationMs(contract.negotiationWindow) === 0) {
      this.openArbitration('negotiation window is PT0S', { cause: 'no_negotiation_window' });
      return;
    }
    state.deadlines.negotiationEndsAt = new Date(
      Date.now() + durationMs(contract.negotiationWindow),
    ).toISOString();
    order.moveTo('negotiation', `${kind} dispute; negotiation until ${state.deadlines.negotiationEndsAt}`);
  }

  validateSettle(event: SettlementEvent): void {
    const { order } = this;
    order.require(event.action);
    if (event.action === 'offer' && event.refundAmount > order.covered()) {
      order.invalid(
        `refundAmount ${event.refundAmount} exceeds what escrow covers of the order (${order.covered()})`,
      );
    }
    if (event.action === 'offer' && order.state.offers.length >= MAX_OFFERS) {
      order.invalid(`the order holds the most offers an order may have (${MAX_OFFERS})`);
    }
    if (event.action === 'accept_claim' && event.returnGoods === true) {
      if (this.claimRefund() < order.covered())
        order.invalid(
          'the claim asks for less than escrow covers: its refund is a split, which takes no return',
        );
      this.noReturnPossible();
    }
    if (event.action === 'accept_offer') {
      const offer = order.state.offers.find((o) => o.status === 'open');
      if (!offer) order.invalid('there is no open offer to accept');
      else if ((offer.party ?? 'supplier') === event.party) {
        order.invalid(`the open offer is the ${event.party}'s own: the other party accepts it`);
      }
    }
  }

  settle(event: SettlementEvent): OrderSnapshot {
    const { order } = this;
    const { state } = order;
    const claim = state.dispute?.claim;
    switch (event.action) {
      case 'accept_claim': {
        const refund = this.claimRefund();
        if (claim) claim.status = 'accepted';
        const decision: Decision = {
          ...this.refundOf(refund),
          reason: 'claim_accepted',
          memo: `supplier accepted the ${claim ? `${CLAIM_LABELS[claim.reason]} ` : ''}claim: refund ${this.amount(refund)}`,
        };
        if (
          decision.outcome === 'refunded' &&
          this.refunds?.waitsForReturn(decision, 'supplier', event.returnGoods)
        )
          break;
        order.decide(decision);
        break;
      }
      case 'offer': {
        supersedeOpenOffers(state);
        const party = event.party;
        state.offers.push({
          party,
          refundAmount: event.refundAmount,
          offeredAt: order.now(),
          status: 'open',
        });
        order.note('offer', `${party} offers a refund of ${event.refundAmount} ${order.contract.currency}`);
        order.publish();
        order.emit('order.offer_made');
        break;
      }
      case 'accept_offer': {
        const offer = state.offers.find((o) => o.status === 'open');
        if (!offer) break;
        offer.status = 'accepted';
        if (claim) claim.status = 'settled';
        const by = offer.party ?? 'supplier';
        order.decide({
          ...(order.versions.claims
            ? this.refundOf(offer.refundAmount)
            : { outcome: 'split', refundAmount: offer.refundAmount }),
          reason: 'settlement_agreed',
          memo: `${event.party} accepted the ${by}'s offer of a refund of ${this.amount(offer.refundAmount)}`,
        });
        break;
      }
      case 'withdraw_claim':
        if (claim) claim.status = 'withdrawn';
        order.decide({ outcome: 'released', reason: 'claim_withdrawn', memo: 'buyer withdrew the claim' });
        break;
      case 'escalate':
        this.openArbitration(`escalated by the ${event.party}${event.reason ? `: ${event.reason}` : ''}`, {
          cause: 'escalated',
          escalatedBy: event.party,
          ...(event.reason !== undefined && { escalationReason: event.reason }),
        });
        break;
    }
    return state;
  }

  /** What accepting the claim refunds: its amount was fixed when filed; escrow may cover less of it now, never more is paid. */
  private claimRefund(): number {
    const { order } = this;
    return Math.min(order.state.dispute?.claim?.requestedRefund ?? order.covered(), order.covered());
  }

  private amount(minor: number): string {
    return formatAmount(minor, this.order.contract.currency);
  }

  /** A refund of everything escrow covers is `refunded`; anything less is a `split`. */
  private refundOf(refund: number): { outcome: SettlementOutcome; refundAmount?: number } {
    return refund >= this.order.covered()
      ? { outcome: 'refunded' }
      : { outcome: 'split', refundAmount: refund };
  }

  negotiationLapsed(): void {
    this.openArbitration('negotiation window passed', { cause: 'negotiation_lapsed' });
  }

  /** `how` is what the case file tells of the way the case came (state only: no command). */
  openArbitration(
    why: string,
    how: Pick<NonNullable<OrderSnapshot['arbitration']>, 'cause' | 'escalatedBy' | 'escalationReason'>,
  ): void {
    const { order } = this;
    const { state } = order;
    const dueAt = new Date(Date.now() + durationMs(order.contract.arbitrationSla)).toISOString();
    state.arbitration = { openedAt: order.now(), dueAt, overdue: false, ...how };
    state.deadlines.arbitrationDueAt = dueAt;
    order.moveTo('arbitration', `${why}; decision due by ${dueAt}`);
  }

  validateArbitration(d: ArbitrationDecision): void {
    const { order } = this;
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
    if (d.returnGoods !== undefined && d.outcome !== 'refund')
      order.invalid(`returnGoods is only for outcome "refund"; remove it for "${d.outcome}"`);
    if (d.returnGoods === true) this.noReturnPossible();
  }

  /** `returnGoods: true` where no return can be demanded is refused with the reason (422). */
  private noReturnPossible(): void {
    const why = whyNoReturn(this.order.state);
    if (why) this.order.invalid(`returnGoods cannot be true: ${why}`);
  }

  arbitrate(d: ArbitrationDecision): OrderSnapshot {
    const { order } = this;
    order.state.decision = { ...d, decidedAt: order.now() };
    const claim = order.state.dispute?.claim;
    if (claim?.status === 'open') claim.status = 'decided';
    order.note(
      'arbitration_decision',
      `${d.outcome}${d.refundAmount ? ` ${d.refundAmount}` : ''} by ${d.arbitrator}: ${d.rationale}`,
    );
    order.emit('order.arbitration_decided');
    const outcome: SettlementOutcome =
      d.outcome === 'refund' ? 'refunded' : d.outcome === 'release' ? 'released' : 'split';
    const decision: Decision = {
      outcome,
      reason: 'arbitration',
      refundAmount: d.refundAmount,
      memo: `arbitrator ${d.arbitrator} decided ${d.outcome}${d.refundAmount !== undefined ? ` with a refund of ${this.amount(d.refundAmount)}` : ''}: ${d.rationale}`,
    };
    if (outcome === 'refunded' && this.refunds?.waitsForReturn(decision, 'arbitrator', d.returnGoods))
      return order.state;
    order.decide(decision);
    return order.state;
  }

  /**
   * Who sent the decision, as Temporal recorded it with the accepted Update (the workflow cannot
   * see the caller): beside the decision in the case file, the snapshot and the ledger memo.
   */
  async recordSender(final: Decision): Promise<void> {
    const { decision } = this.order.state;
    if (!decision) return;
    try {
      const { sentBy } = await history.acceptedUpdateSender({ updateName: arbitrateUpdate.name });
      decision.sentBy = sentBy;
      final.memo += sentBy ? ` (sent by ${sentBy})` : ' (the sender declared no identity)';
    } catch (err) {
      log.warn('sender of the decision not read', { error: (err as Error).message });
      final.memo += ' (the sender could not be read)';
    }
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
    if (order.versions.overdueNoticeDetached()) {
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
