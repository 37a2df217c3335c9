import { formatTime } from '../case-file/format.js';
import type { Claim, OrderSnapshot } from '../model/state.js';
import { evaluateQuality } from '../rules/quality.js';
import { MAX_DISPUTE_EVIDENCE, MAX_EVIDENCE_ITEMS, MAX_TEXT } from '../schemas/caps.js';
import type { ClaimEvent, DeliveryEvent } from '../schemas/commands.js';
import { durationMs } from '../schemas/duration.js';
import type { InspectionReport } from '../schemas/inspection-report.js';
import type { Evaluation } from '../schemas/snapshot.js';
import type { Negotiation } from './negotiation.js';
import type { Order, UpdateHandlers } from './order.js';
import { evidenceCount } from './statements.js';

/**
 * The buyer's side of an inspection (docs/spec.md#claims): a claim that complains where a report measures,
 * an explicit acceptance, the automatic claims that a contradicting report or a missed delivery
 * opens, and a delivery that arrives after the non-delivery dispute began
 * (docs/spec.md#delivery-and-balance-deadlines).
 */
export class Claims {
  constructor(
    private readonly order: Order,
    private readonly negotiation: Negotiation,
  ) {}

  readonly updates = {
    submitInspection: {
      description:
        'The inspection report: { measurements, receivedQuantity, evidence, inspector?, notes? }. Conforming and complete releases; contradicting opens a dispute.',
      validate: () => this.order.require('submitInspection'),
      handle: (r) => this.submitInspection(r),
    },
    fileClaim: {
      description:
        'The buyer complains: { reason, description, requestedRefund, evidence }. Opens the dispute.',
      validate: (c) => this.validateClaim(c),
      handle: (c) => this.fileClaim(c),
    },
    acceptGoods: {
      description: 'The buyer accepts the goods: {}. Releases to the supplier.',
      validate: () => this.order.require('acceptGoods'),
      handle: () => this.accept(),
    },
  } satisfies Partial<UpdateHandlers>;

  /**
   * A report releases only when it conforms and measures every term; one that conforms but leaves
   * terms unmeasured is recorded and the window runs on; a violation opens the dispute.
   */
  submitInspection(report: InspectionReport): OrderSnapshot {
    const { order } = this;
    const { state } = order;
    state.inspection = { report, submittedAt: order.now() };
    const evaluation = evaluateQuality(order.contract, report);
    state.evaluation = evaluation;
    const incomplete = order.versions.claims && evaluation.conforms && !evaluation.complete;
    order.note(
      'inspection_report',
      !evaluation.conforms
        ? `${evaluation.violations.length} violation(s)`
        : incomplete
          ? `conforms, but not measured: ${evaluation.unmeasured.join(', ')}; inspection goes on`
          : 'conforms',
    );
    if (incomplete) order.publish();
    else if (evaluation.conforms) {
      order.decide({
        outcome: 'released',
        reason: 'buyer_accepted',
        memo: 'inspection report conforms to the contract',
      });
    } else if (order.versions.claims) this.fromReport(report, evaluation);
    else this.withoutClaim('quality');
    return state;
  }

  inspectionLapsed(): void {
    this.order.decide({
      outcome: 'released',
      reason: 'inspection_lapsed',
      memo: 'buyer silent through the inspection window',
    });
  }

  validateClaim(claim: ClaimEvent): void {
    const { order } = this;
    const open = order.state.dispute?.claim;
    if (open?.status === 'open') {
      order.conflict(
        `the order already has an open ${open.reason} claim (filed ${open.filedAt}); one claim at a time`,
      );
    }
    order.require('fileClaim');
    const endsAt = order.state.deadlines.inspectionEndsAt;
    if (endsAt && Date.now() >= Date.parse(endsAt)) {
      order.conflict(`the inspection window ended at ${endsAt}; a claim is filed during inspection`);
    }
    if (claim.requestedRefund > order.covered()) {
      order.invalid(
        `requestedRefund ${claim.requestedRefund} exceeds what escrow covers of the order (${order.covered()})`,
      );
    }
    if (evidenceCount(order.state) + claim.evidence.length > MAX_EVIDENCE_ITEMS) {
      order.invalid(`an order holds at most ${MAX_EVIDENCE_ITEMS} evidence items; this claim would pass it`);
    }
  }

  fileClaim(claim: ClaimEvent): OrderSnapshot {
    const { order } = this;
    this.open('quality', { ...claim, source: 'buyer' });
    return order.state;
  }

  accept(): OrderSnapshot {
    const { order } = this;
    order.note('acceptance', 'buyer accepts the goods');
    order.decide({ outcome: 'released', reason: 'buyer_accepted', memo: 'buyer accepted the goods' });
    return order.state;
  }

  /** A report with a violation: the claim is for everything escrow covers, the evaluation its description. */
  fromReport(report: InspectionReport, evaluation: Evaluation): void {
    const onlyQuantity = evaluation.violations.every((v) => v.attribute === 'quantity');
    const description = evaluation.violations
      .map((v) => `${v.attribute}: expected ${v.expected}, found ${v.actual ?? 'no readable value'}`)
      .join('; ');
    this.open('quality', {
      reason: onlyQuantity ? 'quantity' : 'quality',
      description: `Inspection report: ${description}`.slice(0, MAX_TEXT),
      requestedRefund: this.order.covered(),
      evidence: report.evidence.slice(0, MAX_DISPUTE_EVIDENCE),
      source: 'inspection_report',
    });
  }

  /** deliverBy passed: a non-delivery dispute, with its automatic claim on orders that have claims. */
  notDelivered(): void {
    const { order } = this;
    order.note('not_delivered', `no delivery by ${order.state.deadlines.deliverBy}`);
    if (!order.versions.claims) {
      this.withoutClaim('non_delivery');
      return;
    }
    this.open('non_delivery', {
      reason: 'not_delivered',
      description: `Not delivered by ${formatTime(order.state.deadlines.deliverBy ?? order.now())}, the delivery deadline`,
      requestedRefund: order.covered(),
      evidence: [],
      source: 'delivery_deadline',
    });
  }

  /** Orders started before claims open their disputes without one. */
  private withoutClaim(kind: 'quality' | 'non_delivery'): void {
    this.order.state.dispute = { kind, openedAt: this.order.now() };
    this.negotiation.openDispute(kind);
  }

  private open(
    kind: 'quality' | 'non_delivery',
    claim: Omit<ClaimEvent, 'reason'> & Pick<Claim, 'reason' | 'source'>,
  ) {
    const { order } = this;
    const filed: Claim = { ...claim, filedAt: order.now(), status: 'open' };
    const earlier = order.state.dispute;
    order.state.dispute = {
      kind,
      openedAt: filed.filedAt,
      claim: filed,
      ...(earlier?.claim ? { earlierClaims: [...(earlier.earlierClaims ?? []), earlier.claim] } : {}),
      statements: earlier?.statements ?? [],
    };
    order.note(
      'claim',
      `${filed.reason}: refund of ${filed.requestedRefund} ${order.contract.currency} requested`,
    );
    this.negotiation.openDispute(kind);
    order.emit('order.claim_filed');
  }

  /** docs/spec.md#delivery-and-balance-deadlines: only a non-delivery dispute takes a delivery, once. */
  validateLateDelivery(delivery: DeliveryEvent): void {
    const { order } = this;
    order.require('lateDelivery');
    const { dispute } = order.state;
    if (dispute?.kind !== 'non_delivery') {
      order.conflict(
        `cannot record a delivery during a ${dispute?.kind ?? 'quality'} dispute: the goods were delivered`,
      );
    } else if (dispute.lateDelivery) {
      order.conflict(
        `the late delivery was already recorded (delivered ${dispute.lateDelivery.deliveredAt})`,
      );
    }
    order.notInFuture('deliveredAt', delivery.deliveredAt);
    const shippedAt = order.state.shipment?.shippedAt;
    if (delivery.deliveredAt && shippedAt && Date.parse(delivery.deliveredAt) < Date.parse(shippedAt)) {
      order.invalid(`deliveredAt is before shippedAt ${shippedAt}`);
    }
  }

  /** In negotiation the delivery supersedes the claim and the buyer inspects; in arbitration it is evidence. */
  recordLateDelivery(delivery: DeliveryEvent): OrderSnapshot {
    const { order } = this;
    const { state } = order;
    const deliveredAt = new Date(delivery.deliveredAt ?? order.now()).toISOString();
    const dispute = state.dispute;
    if (!dispute) return state;
    if (state.status === 'arbitration') {
      dispute.lateDelivery = { deliveredAt, reportedAt: order.now() };
      order.note('late_delivery', `delivered ${deliveredAt}, recorded for the arbitrator`);
      order.publish();
      order.emit('order.delivered');
      return state;
    }
    if (dispute.claim) dispute.claim.status = 'superseded';
    state.delivery = { deliveredAt };
    const from = Math.max(Date.parse(deliveredAt), Date.now());
    state.deadlines.inspectionEndsAt = new Date(
      from + durationMs(order.contract.inspectionWindow),
    ).toISOString();
    order.moveTo(
      'inspection',
      `late delivery supersedes the not_delivered claim; inspection window until ${state.deadlines.inspectionEndsAt}`,
    );
    return state;
  }
}
