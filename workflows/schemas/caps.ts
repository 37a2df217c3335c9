/**
 * What one order may hold (docs/spec.md#size-caps), far below Temporal's 2 MB per payload and
 * 50 MB per history: an event past a cap is refused (422) and changes nothing. The schemas, the
 * validators and the API's route descriptions read them from here.
 */

/** Characters of a claim's description or a statement's text. */
export const MAX_TEXT = 4000;
/** Evidence items of one claim or one statement. */
export const MAX_DISPUTE_EVIDENCE = 20;
export const MAX_STATEMENTS = 100;
/** Evidence items of the order's claims and statements together. */
export const MAX_EVIDENCE_ITEMS = 200;
export const MAX_STATEMENT_TEXT_BYTES = 64 * 1024;
/** All extensions of a step together end at most this long after the deadline first set for it. */
export const EXTENSION_CAP_DAYS = 90;
/** Payments of distinct references (a B2B order is often paid in parts). */
export const MAX_PAYMENTS = 100;
/** Offers of both parties in the negotiations of the order. */
export const MAX_OFFERS = 50;
/** Extension proposals of the order, answered or not. */
export const MAX_EXTENSIONS = 20;
/**
 * Entries of the timeline: an event that would add one past it is refused. It bounds the one event
 * without a cap of its own (a conforming report that leaves a term unmeasured keeps the order in
 * inspection), and every Update's answer, which carries the timeline. Deadlines and the close still
 * add their few, so no order is kept from ending.
 */
export const MAX_TIMELINE_ENTRIES = 250;
