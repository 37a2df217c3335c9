import { z } from 'zod';
import {
  CLOSE_REASONS,
  EXTENSION_DEADLINES,
  ORDER_OUTCOMES,
  ORDER_STATUSES,
  type OrderSnapshot,
} from '../../workflows/model/state.js';
import {
  ArbitrationDecisionSchema,
  CancelEventSchema,
  CLAIM_REASONS,
  ExtensionAnswerSchema,
  PARTIES,
  PaymentEventSchema,
  ShipmentEventSchema,
} from '../../workflows/schemas/commands.js';
import {
  ContractInputSchema,
  DurationSchema,
  MinorUnitsSchema,
  TimestampSchema,
} from '../../workflows/schemas/contract.js';
import { EvidenceSchema, InspectionReportSchema } from '../../workflows/schemas/inspection-report.js';
import { component } from './registry.js';

/**
 * The documentation of the workflow's `order` query result. Answers are serialized as the
 * workflow produced them; `toSnapshotResponse` makes the compiler check that this schema still
 * describes `OrderSnapshot`.
 */

const Amount = z.number().int().describe('minor units');

export const OrderStatusSchema = component('OrderStatus', z.enum(ORDER_STATUSES));

export const ContractSchema = component(
  'Contract',
  ContractInputSchema.extend({
    deposit: MinorUnitsSchema,
    fundBy: TimestampSchema,
    createdAt: TimestampSchema,
    transitWindow: DurationSchema.optional().describe('absent on orders created before it: P60D'),
  }),
  'The contract as the order runs on it: every default resolved at creation',
);

const Violation = z.object({
  attribute: z.string(),
  expected: z.string(),
  actual: z.union([z.string(), z.number(), z.null()]),
  unit: z.string().optional(),
});

const Evaluation = z.object({
  conforms: z.boolean(),
  complete: z
    .boolean()
    .optional()
    .describe('every quality term measured; absent on reports evaluated before it existed'),
  violations: z.array(Violation),
  unmeasured: z.array(z.string()),
  quantity: z.object({
    ordered: z.number(),
    received: z.number(),
    unit: z.string(),
    tolerancePct: z.number(),
    shortfall: z.number(),
    shortfallPct: z.number(),
    withinTolerance: z.boolean(),
  }),
  suggestedRefund: Amount,
});

const Party = z.enum(PARTIES);

const Claim = z.object({
  reason: z.enum([...CLAIM_REASONS, 'not_delivered']),
  description: z.string(),
  requestedRefund: Amount.describe('fixed when filed'),
  evidence: z.array(EvidenceSchema),
  filedAt: TimestampSchema,
  source: z
    .enum(['buyer', 'inspection_report', 'delivery_deadline'])
    .describe('`buyer` for a filed claim; otherwise what opened it automatically'),
  status: z.enum(['open', 'accepted', 'settled', 'withdrawn', 'decided', 'superseded']),
});

export const StatementSchema = component(
  'Statement',
  z.object({ party: Party, text: z.string(), evidence: z.array(EvidenceSchema), at: TimestampSchema }),
  "A party's statement in a dispute",
);

export const OrderSnapshotSchema = component(
  'OrderSnapshot',
  z.object({
    orderId: z.string(),
    status: OrderStatusSchema,
    outcome: z.enum(ORDER_OUTCOMES).optional(),
    reason: z.enum(CLOSE_REASONS).optional(),
    contract: ContractSchema,
    deadlines: z.object({
      fundBy: TimestampSchema,
      shipBy: TimestampSchema,
      deliverBy: TimestampSchema.optional(),
      balanceDueBy: TimestampSchema.optional(),
      inspectionEndsAt: TimestampSchema.optional(),
      negotiationEndsAt: TimestampSchema.optional(),
      arbitrationDueAt: TimestampSchema.optional(),
    }),
    funded: Amount.describe('everything paid into escrow'),
    escrowBalance: Amount.describe('what escrow holds now: funded minus payouts'),
    outstanding: Amount.describe('what the buyer still owes: max(0, amount − funded)'),
    balanceOverdue: z.boolean().optional().describe('balanceDueBy passed with something outstanding'),
    fundedAt: TimestampSchema.optional(),
    payments: z.array(
      PaymentEventSchema.extend({
        receivedAt: TimestampSchema,
        recordedAt: TimestampSchema,
        transactionId: z.string(),
      }),
    ),
    shipment: ShipmentEventSchema.extend({ shippedAt: TimestampSchema }).optional(),
    delivery: z.object({ deliveredAt: TimestampSchema }).optional(),
    inspection: z.object({ report: InspectionReportSchema, submittedAt: TimestampSchema }).optional(),
    evaluation: Evaluation.optional(),
    dispute: z
      .object({
        kind: z.enum(['quality', 'non_delivery']),
        openedAt: TimestampSchema,
        claim: Claim.optional().describe('absent only on disputes opened before claims existed'),
        earlierClaims: z
          .array(Claim)
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
      })
      .optional(),
    offers: z.array(
      z.object({
        party: Party.optional().describe('who made it; absent on offers made before buyers could offer'),
        refundAmount: Amount,
        offeredAt: TimestampSchema,
        status: z.enum(['open', 'accepted', 'superseded']),
      }),
    ),
    extensions: z.array(
      z.object({
        extensionId: z.string(),
        party: ExtensionAnswerSchema.shape.party,
        deadline: z.enum(EXTENSION_DEADLINES),
        until: TimestampSchema,
        reason: z.string(),
        status: z.enum(['proposed', 'accepted', 'rejected', 'expired']),
        proposedAt: TimestampSchema,
        from: TimestampSchema.describe('the deadline in force when proposed'),
        answeredAt: TimestampSchema.optional(),
      }),
    ),
    arbitration: z
      .object({ openedAt: TimestampSchema, dueAt: TimestampSchema, overdue: z.boolean() })
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
    payouts: z.array(
      z.object({
        kind: z.enum(['refund', 'release', 'excess_refund']),
        amount: Amount,
        idempotencyKey: z.string(),
        transactionId: z.string(),
        at: TimestampSchema,
      }),
    ),
    timeline: z.array(z.object({ at: TimestampSchema, event: z.string(), detail: z.string().optional() })),
    closedAt: TimestampSchema.optional(),
  }),
  'The order: status, money, evaluation, offers, decision, payouts, timeline',
);

export type OrderSnapshotResponse = z.output<typeof OrderSnapshotSchema>;

export const toSnapshotResponse = (snapshot: OrderSnapshot): OrderSnapshotResponse => snapshot;
