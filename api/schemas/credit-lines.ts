import { z } from 'zod';
import { CREDIT_LINE_EVENT_TYPES } from '../../workflows/credit-line/model/events.js';
import { CREDIT_LINE_STATUSES } from '../../workflows/credit-line/model/state.js';
import { BANDS, FACTORS } from '../../workflows/credit-line/rules/scorecard.js';
import {
  CreditApplicationSchema,
  CreditDocumentSchema,
  LineIdSchema,
} from '../../workflows/credit-line/schemas/application.js';
import { RepaymentSchema, VerificationSchema } from '../../workflows/credit-line/schemas/commands.js';
import { TimestampSchema } from '../../workflows/schemas/contract.js';
import { component } from './registry.js';

const Amount = z.number().int().describe('minor units');

export const CreditLineParamsSchema = z.strictObject({ lineId: LineIdSchema });

export const CreditApplicationInputSchema = component('CreditApplication', CreditApplicationSchema);
export const VerificationInputSchema = component('CreditVerification', VerificationSchema);
export const RepaymentInputSchema = component('CreditRepayment', RepaymentSchema);
export const CloseInputSchema = z.strictObject({});

const FactorSchema = z.object({
  factor: z.enum(FACTORS),
  value: z.number().nullable().describe('as the scorecard reads it; null: no record to measure'),
  points: z.number().int(),
  max: z.number().int(),
  weak: z.boolean().describe('below its good threshold: a reason of a decline'),
});

const ScorecardSchema = z.object({
  factors: z.array(FactorSchema),
  score: z.number().int(),
  maxScore: z.number().int(),
  result: z.union([
    z.object({ decision: z.literal('declined'), reasons: z.array(z.string()) }),
    z.object({
      decision: z.literal('approved_in_principle'),
      band: z.enum(BANDS.map((b) => b.band) as ['A', 'B', 'C']),
      offeredLimit: Amount,
      monthlyRateBps: z.number().int(),
    }),
  ]),
});

const DrawSchema = z.object({
  drawId: z.string().describe('`<orderId>:<reference>`: the business key of every step of the draw'),
  orderId: z.string(),
  reference: z.string(),
  amount: Amount,
  status: z.enum(['reserved', 'outstanding', 'repaid', 'released']),
  reservedAt: TimestampSchema,
  drawnAt: TimestampSchema.optional(),
  dueAt: TimestampSchema.optional(),
  repaid: Amount,
  overdue: z.boolean(),
});

const StatementSchema = z.object({
  number: z.number().int().describe('1, 2, 3 … per line'),
  from: TimestampSchema,
  to: TimestampSchema,
  opening: Amount,
  draws: Amount,
  repayments: Amount,
  interest: Amount,
  closing: Amount.describe('opening + draws − repayments + interest'),
});

export const CreditLineSchema = component(
  'CreditLine',
  z.object({
    lineId: z.string(),
    buyer: z.object({ id: z.string(), name: z.string().optional() }),
    country: z.string(),
    currency: z.string(),
    status: z.enum(CREDIT_LINE_STATUSES),
    requestedLimit: Amount,
    offeredLimit: Amount.nullable(),
    limit: Amount.describe('0 until an underwriter approved the line'),
    monthlyRateBps: z.number().int().nullable(),
    principal: Amount,
    interestDue: Amount,
    reserved: Amount.describe('held by draws in flight'),
    available: Amount.describe('limit − principal − reserved while active; 0 otherwise'),
    terms: z.object({ repaymentTerm: z.string(), statementPeriod: z.string() }),
    business: CreditApplicationSchema.shape.business,
    documents: z.array(CreditDocumentSchema),
    appliedAt: TimestampSchema,
    scoredAt: TimestampSchema.optional(),
    scorecard: ScorecardSchema.optional(),
    declineReasons: z.array(z.string()).optional(),
    verification: z
      .object({
        dueAt: TimestampSchema,
        overdue: z.boolean(),
        decidedAt: TimestampSchema.optional(),
        approve: z.boolean().optional(),
        limit: Amount.optional(),
        underwriter: z.string().optional(),
        notes: z.string().optional(),
        sentBy: z
          .string()
          .nullable()
          .optional()
          .describe('who sent the `verify` Update, as Temporal recorded it'),
      })
      .optional(),
    draws: z.array(DrawSchema).describe('open draws, and those closed in the current period'),
    statements: z.array(StatementSchema),
    timeline: z.array(z.object({ at: TimestampSchema, event: z.string(), detail: z.string().optional() })),
    closedAt: TimestampSchema.optional(),
  }),
);
export type CreditLineView = z.output<typeof CreditLineSchema>;

export const CreditLineEventSchema = component(
  'CreditLineEvent',
  z.object({
    id: z.string().describe('stable: a redelivery carries the same id'),
    type: z.enum(CREDIT_LINE_EVENT_TYPES),
    lineId: z.string(),
    sequence: z.number().int().describe('1, 2, 3, … per line'),
    occurredAt: TimestampSchema,
    cursor: z.string().describe('pass as `after` to read the events stored after this one'),
    data: z.object({
      line: z
        .object({
          lineId: z.string(),
          buyer: z.object({ id: z.string(), name: z.string().optional() }),
          currency: z.string(),
          status: z.enum(CREDIT_LINE_STATUSES),
          limit: Amount,
          monthlyRateBps: z.number().int().nullable(),
          principal: Amount,
          interestDue: Amount,
          reserved: Amount,
          available: Amount,
        })
        .describe('the line’s figures after the change'),
      detail: z
        .record(z.string(), z.unknown())
        .optional()
        .describe(
          'what the event is about: the draw, the repayment and its allocation, the statement, the reasons',
        ),
    }),
  }),
  'Something that happened to a credit line; the same body a webhook receives, plus its feed cursor.',
);
