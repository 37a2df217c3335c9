import { z } from 'zod';
import {
  ArbitrationDecisionSchema,
  CancelEventSchema,
  PaymentEventSchema,
  ShipmentEventSchema,
} from '../../workflows/commands.js';
import { ContractInputSchema, MinorUnitsSchema, TimestampSchema } from '../../workflows/contract.js';
import { InspectionReportSchema } from '../../workflows/inspection-report.js';
import {
  CLOSE_REASONS,
  ORDER_OUTCOMES,
  ORDER_STATUSES,
  type OrderSnapshot,
} from '../../workflows/order-state.js';
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
      inspectionEndsAt: TimestampSchema.optional(),
      negotiationEndsAt: TimestampSchema.optional(),
      arbitrationDueAt: TimestampSchema.optional(),
    }),
    funded: Amount.describe('everything paid into escrow'),
    escrowBalance: Amount.describe('what escrow holds now: funded minus payouts'),
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
    dispute: z.object({ kind: z.enum(['quality', 'non_delivery']), openedAt: TimestampSchema }).optional(),
    offers: z.array(
      z.object({
        refundAmount: Amount,
        offeredAt: TimestampSchema,
        status: z.enum(['open', 'accepted', 'superseded']),
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
