import type { PaymentMethod } from '../schemas/commands.js';
import type { OrderEvent } from './events.js';

/**
 * The side effects the order workflow schedules, declared here where the workflow needs them:
 * `activities/` implements this interface (`createActivities`), the workflow names it in
 * `proxyActivities`, and no code of a higher folder enters the workflow bundle. The method names
 * are the activity types recorded in running orders' histories: never rename one.
 */
export interface OrderActivities {
  creditEscrow(movement: Movement): Promise<MovementResult>;
  refundBuyer(movement: Movement): Promise<MovementResult>;
  releaseToSupplier(movement: Movement): Promise<MovementResult>;
  /** Takes a reversed payment out of escrow, back to the buyer (ledger kind `reversal`). */
  reverseFunding(movement: Movement): Promise<MovementResult>;
  notifyArbitrationOverdue(notice: ArbitrationOverdueNotice): Promise<void>;
  /**
   * Who sent the order's accepted Update of that name, as Temporal recorded it; null when the
   * caller declared no identity (orders started since 'decision-sender').
   */
  acceptedUpdateSender(input: { updateName: string }): Promise<{ sentBy: string | null }>;
  recordOrderEvent(event: OrderEvent): Promise<{ id: string; position: number }>;
  recordOrderEvents(input: { events: OrderEvent[] }): Promise<{ stored: number }>;
  /**
   * Stores the batch, then tries once to deliver it in sequence: `delivered` counts the events
   * acknowledged before the first one that was not (orders started since 'deliver-with-store').
   * With `budgetMs` (a local activity), delivery stops once that long has passed.
   */
  recordAndDeliverOrderEvents(input: {
    events: OrderEvent[];
    budgetMs?: number;
  }): Promise<{ stored: number; delivered: number }>;
  /** In sequence, stopping at the first event an endpoint has not acknowledged. */
  deliverOrderEvents(input: { eventIds: string[] }): Promise<{ delivered: number }>;
  /** Orders started before 'event-batches' deliver one event per activity. */
  deliverOrderEvent(input: { eventId: string }): Promise<{ delivered: string[] }>;
  /**
   * A draw's steps on its credit line (docs/credit.md#draws-into-escrow), each the line's Update
   * the API signed beforehand, sent under the draw's business key: safe to repeat.
   */
  reserveLineDraw(step: LineDrawStep): Promise<LineReservation>;
  confirmLineDraw(step: LineDrawStep): Promise<void>;
  releaseLineDraw(step: LineDrawStep): Promise<void>;
  /** What the draw still owes the line: 0 once repaid (docs/credit.md#refunds). */
  lineDrawOutstanding(draw: LineDraw): Promise<{ outstanding: number }>;
  /** Tells the line that the ledger moved a refund of the draw to it; the line reads the amount from the ledger. */
  notifyLineRefund(draw: LineDraw): Promise<void>;
}

export interface LineDraw {
  lineId: string;
  orderId: string;
  reference: string;
}

/** One step of a draw: the line, the order's buyer and currency it must lend to, the draw, the API's signature. */
export interface LineDrawStep {
  lineId: string;
  buyerId: string;
  currency: string;
  draw: { orderId: string; reference: string; amount: number };
  signature: { publicKey: string; signature: string };
}

/** The line held the amount, or refused it with what it can lend. */
export type LineReservation =
  | { reserved: true }
  | { reserved: false; message: string; available: number; lineStatus: string };

/** One movement of money in the payments system (`db/payments-gateway.ts`). */
export interface Movement {
  /** Derived from the order and the step only, never from run ids or attempts. */
  idempotencyKey: string;
  orderId: string;
  buyerId: string;
  supplierId: string;
  currency: string;
  /** Integer minor units, > 0. */
  amount: number;
  memo: string;
  reference?: string;
  /**
   * On a release, the marketplace's commission out of `amount` (docs/ledger.md#fees): the supplier
   * gets `amount − fee`, `fees:<currency>` gets `fee`, in the same transaction. Absent without one.
   */
  fee?: number;
  /** A payment's method, which the ledger records (docs/ledger.md). */
  method?: PaymentMethod;
  /**
   * A financed order's line (docs/credit.md#draws-into-escrow): its funding comes from
   * `lender:<lineId>`, its refund to the line goes back there.
   */
  lenderLineId?: string;
}

export interface MovementResult {
  transactionId: string;
  idempotencyKey: string;
  amount: number;
  /** True when the key had been used before and this is the first result again. */
  replayed: boolean;
}

/** What the arbitration desk is told when an order's arbitration SLA passed. */
export interface ArbitrationOverdueNotice {
  orderId: string;
  workflowId: string;
  dueAt: string;
}
