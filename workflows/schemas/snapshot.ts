import { z } from 'zod';
import {
  ArbitrationDecisionSchema,
  CancelEventSchema,
  CLAIM_REASONS,
  PARTIES,
  PaymentEventSchema,
  REVERSAL_REASONS,
  ShipmentEventSchema,
} from './commands.js';
import { ContractSchema, TimestampSchema } from './contract.js';
import { EvidenceSchema, InspectionReportSchema } from './inspection-report.js';
import {
  CLOSE_REASONS,
  EXTENSION_DEADLINES,
  ORDER_OUTCOMES,
  ORDER_STATUSES,
  RETURN_CONDITIONS,
} from './statuses.js';

/**
 * The order snapshot, once: what `GET /v1/orders/:orderId`, every event route, every order event
 * and the `order` query carry. The workflow's types are inferred from it and the API's response
 * schema is this one (api/schemas/order-snapshot.ts names its parts for the OpenAPI document).
 * The workflow imports only the types: zod's machinery stays out of the sandbox.
 */

const Amount = z.number().int().describe('minor units');

export const ARBITRATION_CAUSES = [
  'escalated',
  'negotiation_lapsed',
  'no_negotiation_window',
  'return_contested',
  'return_not_delivered',
] as const;

export const OrderStatusSchema = z.enum(ORDER_STATUSES);
const Party = z.enum(PARTIES);

const ViolationSchema = z.object({
  attribute: z.string(),
  expected: z.string(),
  actual: z.union([z.string(), z.number(), z.null()]),
  unit: z.string().optional(),
});
export type Violation = z.output<typeof ViolationSchema>;

const QuantityCheckSchema = z.object({
  ordered: z.number(),
  received: z.number(),
  unit: z.string(),
  tolerancePct: z.number(),
  shortfall: z.number(),
  shortfallPct: z.number(),
  withinTolerance: z.boolean(),
});
export type QuantityCheck = z.output<typeof QuantityCheckSchema>;

const EvaluationSchema = z.object({
  conforms: z.boolean(),
  complete: z
    .boolean()
    .optional()
    .describe('every quality term measured; absent on reports evaluated before it existed'),
  violations: z.array(ViolationSchema),
  unmeasured: z
    .array(z.string())
    .describe('terms the report has no measurement for: they neither pass nor fail'),
  quantity: QuantityCheckSchema,
  suggestedRefund: Amount.describe(
    'the pro-rata refund of a quantity shortfall beyond tolerance, on the contract amount: floor(amount × shortfall / ordered); 0 without such a shortfall. The case file shows the arbitrator the same share of what escrow covers, which `arbitrate` can pay',
  ),
});
export type Evaluation = z.output<typeof EvaluationSchema>;

const ClaimSchema = z.object({
  reason: z.enum([...CLAIM_REASONS, 'not_delivered']),
  description: z.string(),
  requestedRefund: Amount.describe('fixed when filed: later payments do not change it'),
  evidence: z.array(EvidenceSchema),
  filedAt: TimestampSchema,
  source: z
    .enum(['buyer', 'inspection_report', 'delivery_deadline'])
    .describe('`buyer` for a filed claim; otherwise what opened it automatically'),
  status: z.enum(['open', 'accepted', 'settled', 'withdrawn', 'decided', 'superseded']),
});
/** The buyer's complaint (docs/spec.md#claims): filed, or opened by a report or a missed delivery. */
export type Claim = z.output<typeof ClaimSchema>;

export const StatementSchema = z.object({
  party: Party,
  text: z.string(),
  evidence: z.array(EvidenceSchema),
  at: TimestampSchema,
});
export type Statement = z.output<typeof StatementSchema>;

const RecordedPaymentSchema = PaymentEventSchema.extend({
  receivedAt: TimestampSchema,
  recordedAt: TimestampSchema,
  transactionId: z.string(),
});
export type RecordedPayment = z.output<typeof RecordedPaymentSchema>;

const RecordedReversalSchema = z.object({
  reference: z.string().describe('the payment it takes back'),
  amount: Amount,
  reason: z.enum(REVERSAL_REASONS),
  reversedAt: TimestampSchema,
  recordedAt: TimestampSchema,
  idempotencyKey: z
    .string()
    .describe('`<orderId>:reversal:<reference>:<n>`, n counting the reversals of that payment'),
  transactionId: z.string(),
});
export type RecordedReversal = z.output<typeof RecordedReversalSchema>;

const OfferSchema = z.object({
  party: Party.optional().describe('who made it; absent on offers made before buyers could offer'),
  refundAmount: Amount,
  offeredAt: TimestampSchema,
  status: z.enum(['open', 'accepted', 'superseded']),
});
export type Offer = z.output<typeof OfferSchema>;

/** `line_refund`: a refund of a financed order that repays its draw, escrow → `lender:<lineId>`. */
export const PAYOUT_KINDS = ['refund', 'release', 'excess_refund', 'line_refund'] as const;
const PayoutSchema = z.object({
  kind: z.enum(PAYOUT_KINDS),
  amount: Amount.describe('what left escrow; on a release, before the commission'),
  fee: Amount.optional().describe(
    'on a release of an order with `fees`: the commission paid to `fees:<currency>` out of `amount` in the same ledger transaction; the supplier got `amount − fee`',
  ),
  idempotencyKey: z.string(),
  transactionId: z.string(),
  at: TimestampSchema,
});
export type Payout = z.output<typeof PayoutSchema>;

const TimelineEntrySchema = z.object({
  at: TimestampSchema,
  event: z.string(),
  detail: z.string().optional(),
});
export type TimelineEntry = z.output<typeof TimelineEntrySchema>;

const DeadlinesSchema = z.object({
  fundBy: TimestampSchema,
  shipBy: TimestampSchema,
  deliverBy: TimestampSchema.optional(),
  balanceDueBy: TimestampSchema.optional(),
  inspectionEndsAt: TimestampSchema.optional(),
  negotiationEndsAt: TimestampSchema.optional(),
  arbitrationDueAt: TimestampSchema.optional(),
  returnDueAt: TimestampSchema.optional().describe(
    'in return_pending, the return deadline running now: shipment, then delivery, then receipt (`return.deadlines`)',
  ),
});
export type Deadlines = z.output<typeof DeadlinesSchema>;

const ExtensionSchema = z.object({
  extensionId: z.string(),
  party: Party,
  deadline: z.enum(EXTENSION_DEADLINES),
  until: TimestampSchema,
  reason: z.string(),
  status: z.enum(['proposed', 'accepted', 'rejected', 'expired']),
  proposedAt: TimestampSchema,
  from: TimestampSchema.describe('the deadline in force when proposed'),
  answeredAt: TimestampSchema.optional(),
});
/** A later deadline one party proposed and the other answers (docs/spec.md#extensions). */
export type Extension = z.output<typeof ExtensionSchema>;

const DisputeSchema = z.object({
  kind: z.enum(['quality', 'non_delivery']),
  openedAt: TimestampSchema,
  claim: ClaimSchema.optional().describe('absent only on disputes opened before claims existed'),
  earlierClaims: z
    .array(ClaimSchema)
    .optional()
    .describe('claims of earlier disputes, superseded by a late delivery'),
  statements: z
    .array(StatementSchema)
    .optional()
    .describe('in time order; left out of the copies of the order in events'),
  lateDelivery: z
    .object({ deliveredAt: TimestampSchema, reportedAt: TimestampSchema })
    .optional()
    .describe('a delivery reported while the non-delivery dispute was in arbitration'),
});
export type Dispute = z.output<typeof DisputeSchema>;

const ReturnSchema = z.object({
  requested: z.object({
    at: TimestampSchema,
    by: z
      .enum(['supplier', 'arbitrator'])
      .describe('the supplier accepted the claim, or an arbitrator decided'),
    reason: z.enum(['claim_accepted', 'arbitration']).describe('the refund’s reason, had it not waited'),
    memo: z.string().describe('the refund as decided'),
    decision: ArbitrationDecisionSchema.extend({ decidedAt: TimestampSchema })
      .optional()
      .describe(
        'the arbitrator’s decision that asked for the return, once a contested return reopened the case',
      ),
  }),
  shipment: ShipmentEventSchema.extend({ shippedAt: TimestampSchema }).optional(),
  delivery: z.object({ deliveredAt: TimestampSchema }).optional(),
  receipt: z
    .object({
      condition: z.enum(RETURN_CONDITIONS),
      evidence: z.array(EvidenceSchema),
      note: z.string().optional(),
      receivedAt: TimestampSchema,
    })
    .optional(),
  deadlines: z.object({
    shipBy: TimestampSchema.describe('the requested time plus `returns.window`'),
    deliverBy: TimestampSchema.optional().describe('the return’s shipment plus the order’s transit window'),
    receiptBy: TimestampSchema.optional().describe('the return’s delivery plus `returns.receiptWindow`'),
  }),
});
/** The goods on their way back before a full refund (docs/spec.md#returns). */
export type Return = z.output<typeof ReturnSchema>;

export const OrderSnapshotSchema = z.object({
  orderId: z.string(),
  status: OrderStatusSchema,
  outcome: z.enum(ORDER_OUTCOMES).optional(),
  reason: z.enum(CLOSE_REASONS).optional(),
  contract: ContractSchema,
  deadlines: DeadlinesSchema.describe('the deadlines in force: the contract’s, moved by accepted extensions'),
  funded: Amount.describe('everything paid into escrow, less what was reversed'),
  escrowBalance: Amount.describe('what escrow holds now: funded minus payouts'),
  outstanding: Amount.describe('what the buyer still owes: max(0, amount − funded)'),
  balanceOverdue: z.boolean().optional().describe('balanceDueBy passed with something outstanding'),
  fundedAt: TimestampSchema.optional(),
  payments: z.array(RecordedPaymentSchema),
  reversals: z
    .array(RecordedReversalSchema)
    .optional()
    .describe('payments the rail took back, in the order recorded; absent until the first'),
  shipment: ShipmentEventSchema.extend({ shippedAt: TimestampSchema }).optional(),
  delivery: z.object({ deliveredAt: TimestampSchema }).optional(),
  inspection: z.object({ report: InspectionReportSchema, submittedAt: TimestampSchema }).optional(),
  evaluation: EvaluationSchema.optional(),
  dispute: DisputeSchema.optional(),
  offers: z.array(OfferSchema),
  extensions: z.array(ExtensionSchema),
  arbitration: z
    .object({
      openedAt: TimestampSchema,
      dueAt: TimestampSchema,
      overdue: z.boolean(),
      cause: z
        .enum(ARBITRATION_CAUSES)
        .optional()
        .describe(
          'how the case reached arbitration: a party escalated, the negotiation window passed, or the contract has none (negotiationWindow PT0S)',
        ),
      escalatedBy: Party.optional().describe('the party that escalated'),
      escalationReason: z.string().optional().describe('the reason the party gave, if any'),
    })
    .optional(),
  decision: ArbitrationDecisionSchema.extend({
    decidedAt: TimestampSchema,
    sentBy: z
      .string()
      .nullable()
      .optional()
      .describe(
        'The caller identity Temporal recorded with the accepted decision, when the caller gave one; `arbitrator` is what the arbitrator typed',
      ),
  }).optional(),
  cancellation: CancelEventSchema.extend({ at: TimestampSchema }).optional(),
  return: ReturnSchema.optional().describe(
    'a full refund after delivery waiting for the goods (docs/spec.md#returns)',
  ),
  payouts: z.array(PayoutSchema),
  timeline: z.array(TimelineEntrySchema),
  closedAt: TimestampSchema.optional(),
});
export type OrderSnapshot = z.output<typeof OrderSnapshotSchema>;
