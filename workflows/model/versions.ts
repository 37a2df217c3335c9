import { patched } from '@temporalio/workflow';

/**
 * The versions of the order workflow (docs/development.md#versioning), each a `patched()` id: an
 * order keeps, for its whole life, the behaviour of the code that started it.
 *
 * Orders started since 'lean-history' record that one marker and have the behaviour of every
 * version before it. A marker costs two history events and a write to visibility (the SDK upserts
 * `TemporalChangeVersion` beside it), and a new order used to record five of them. Older orders ask
 * for each earlier version where and in the order they always did, so their histories replay
 * unchanged. A version added later is asked for on its own, also by lean orders.
 */
export class OrderVersions {
  /** Events are stored by a local activity, and the first workflow task upserts nothing. */
  readonly lean = patched('lean-history');
  /** Order events exist (docs/spec.md#order-events). */
  readonly events = this.lean || patched('order-events');
  /** A batch of events per activity. */
  readonly eventBatches = this.lean || (this.events && patched('event-batches'));
  /** The activity that stores a batch also delivers it. */
  readonly deliverWithStore = this.lean || (this.eventBatches && patched('deliver-with-store'));
  /**
   * The rules of docs/spec.md#claims. Orders started before them keep releasing on an incomplete
   * conforming report, open disputes without a claim, and keep their overdue flag once decided.
   */
  readonly claims = this.lean || patched('dispute-claims');
  /**
   * An Update whose event is stored before it completes answers with the event's sequence, and the
   * client reads the snapshot from PostgreSQL (api/stored-answers.ts): history no longer keeps a
   * copy of the order per answer. Asked here, at the workflow's start and on its own after
   * 'lean-history', never in a handler: a marker asked later, or only on some paths, would be
   * recorded at another point than a replay asks for it.
   */
  readonly storedAnswers = patched('stored-answers');

  // Asked for where the behaviour changes: older orders recorded these markers there, if at all.

  /** A shipped order without `deliverBy` gets a transit deadline. */
  transitDeadline(): boolean {
    return this.lean || patched('transit-deadline');
  }

  /** A cancellation reads `balanceDueBy` on the workflow clock. */
  balanceDueByClock(): boolean {
    return this.lean || patched('balance-due-by-clock');
  }

  /** The arbitrator's identity is read from history before the payout. */
  decisionSender(): boolean {
    return this.lean || patched('decision-sender');
  }

  /**
   * A full refund decided after delivery waits for the goods to come back (docs/spec.md#returns).
   * Asked where such a refund is decided, and only there: an order decided before it settles as it
   * did (docs/development.md#versioning).
   */
  returnsBeforeRefund(): boolean {
    return patched('returns-before-refund');
  }

  /** The overdue notice to arbitrators is not awaited. */
  overdueNoticeDetached(): boolean {
    return this.lean || patched('overdue-notice-detached');
  }

  /**
   * A refund of an order paid by credit line repays the line first (docs/credit.md#refunds).
   * Asked for only by orders that hold such a payment, which no order before it could: it is
   * asked for on its own, also by lean orders.
   */
  financedPayments(): boolean {
    return patched('financed-payments');
  }
}
