import { z } from 'zod';
import { builtOnce } from './built-once.js';
import { MAX_DISPUTE_EVIDENCE, MAX_TEXT } from './caps.js';
import { MinorUnitsSchema, TimestampSchema } from './contract.js';
import { EvidenceSchema } from './inspection-report.js';
import { RETURN_CONDITIONS } from './statuses.js';

/**
 * Inbound commands from the marketplace (docs/spec.md#http-api: payment, shipment, …): the API's request
 * schemas and the Updates' arguments. What the engine sends out is in model/events.ts.
 */

/** How the buyer paid (docs/api.md#payment-methods): the covered ones are a setting of the API. */

export const PAYMENT_METHODS = ['tt', 'card', 'ach', 'sepa', 'lc', 'credit_line'] as const;

/** docs/spec.md#reversals: why the rail took a payment back. */
export const REVERSAL_REASONS = ['chargeback', 'recall', 'returned_payment'] as const;

export const PARTIES = ['buyer', 'supplier'] as const;

export const CLAIM_REASONS = ['quality', 'quantity', 'damaged', 'not_as_described', 'other'] as const;

// Built once per worker, not once per workflow: see built-once.ts.
export const {
  PaymentEventSchema,
  ReversalSchema,
  ReversalCommandSchema,
  PaymentRequestSchema,
  LineStepsSchema,
  RecordPaymentCommandSchema,
  ShipmentEventSchema,
  DeliveryEventSchema,
  SettlementEventSchema,
  ClaimEventSchema,
  AcceptanceEventSchema,
  StatementEventSchema,
  CancelEventSchema,
  ArbitrationDecisionSchema,
  ExtensionProposalSchema,
  ExtensionAnswerSchema,
  ExtensionAnswerCommandSchema,
  ReturnShipmentEventSchema,
  ReturnDeliveryEventSchema,
  ReturnReceiptEventSchema,
} = builtOnce('schemas/commands', () => {
  const PaymentEventSchema = z.strictObject({
    amount: MinorUnitsSchema,
    reference: z.string().trim().min(1, 'must not be empty').max(128),
    receivedAt: TimestampSchema.optional(),
    method: z
      .enum(PAYMENT_METHODS, `method must be one of ${PAYMENT_METHODS.map((m) => `"${m}"`).join(', ')}`)
      .default('tt'),
    creditLineId: z.string().trim().min(1, 'must not be empty').max(64).optional(),
  });

  const ReversalSchema = z.strictObject({
    amount: MinorUnitsSchema,
    reason: z.enum(
      REVERSAL_REASONS,
      `reason must be one of ${REVERSAL_REASONS.map((r) => `"${r}"`).join(', ')}`,
    ),
    reversedAt: TimestampSchema.optional(),
  });

  /** The reversal as the Update takes it: the route's payment reference with the body. */
  const ReversalCommandSchema = ReversalSchema.extend({
    reference: PaymentEventSchema.shape.reference,
  });

  /** The route's body: a draw names its line, and only a draw does. */
  const PaymentRequestSchema = PaymentEventSchema.check((ctx) => {
    const { method, creditLineId } = ctx.value;
    if (method === 'credit_line' && creditLineId === undefined) {
      ctx.issues.push({
        code: 'custom',
        path: ['creditLineId'],
        message: 'is required with method "credit_line": the line that pays',
        input: ctx.value,
      });
    }
    if (method !== 'credit_line' && creditLineId !== undefined) {
      ctx.issues.push({
        code: 'custom',
        path: ['creditLineId'],
        message: 'is only for method "credit_line"',
        input: ctx.value,
      });
    }
  });

  const EventSignatureSchema = z.strictObject({
    publicKey: z.string().regex(/^[0-9a-f]{64}$/),
    signature: z.string().regex(/^[0-9a-f]{128}$/),
  });

  /**
   * A draw's three steps on its credit line, signed by the API beforehand (docs/credit.md#draws-into-escrow):
   * only the API signs marketplace events, and the order's activities deliver these to the line.
   */
  const LineStepsSchema = z.strictObject({
    reserve: EventSignatureSchema,
    confirm: EventSignatureSchema,
    release: EventSignatureSchema,
  });

  /** The `recordPayment` Update's argument: the route's body, and a draw's signed steps the API adds. */
  const RecordPaymentCommandSchema = PaymentEventSchema.extend({
    lineSteps: LineStepsSchema.optional(),
  });

  const ShipmentEventSchema = z.strictObject({
    carrier: z.string().trim().min(1, 'must not be empty').max(128),
    trackingNumber: z.string().trim().min(1, 'must not be empty').max(128),
    shippedAt: TimestampSchema.optional(),
  });

  const DeliveryEventSchema = z.strictObject({
    deliveredAt: TimestampSchema.optional(),
  });

  const PartySchema = z.enum(PARTIES, 'party must be "buyer" or "supplier"');

  /** A dispute's evidence list: at most MAX_DISPUTE_EVIDENCE items per claim or statement (docs/spec.md#disputes). */
  const DisputeEvidenceSchema = z
    .array(EvidenceSchema, { error: 'must be a list of { uri, sha256?, description? }' })
    .max(MAX_DISPUTE_EVIDENCE, `must have at most ${MAX_DISPUTE_EVIDENCE} items`)
    .default([]);

  const SettlementEventSchema = z.discriminatedUnion('action', [
    z.strictObject({
      party: z.literal('supplier'),
      action: z.literal('accept_claim'),
      returnGoods: z
        .boolean('returnGoods must be true or false')
        .optional()
        .describe('false waives the return a full refund after delivery waits for (docs/spec.md#returns)'),
    }),
    z.strictObject({ party: PartySchema, action: z.literal('offer'), refundAmount: MinorUnitsSchema }),
    z.strictObject({ party: PartySchema, action: z.literal('accept_offer') }),
    z.strictObject({ party: z.literal('buyer'), action: z.literal('withdraw_claim') }),
    z.strictObject({
      party: PartySchema,
      action: z.literal('escalate'),
      reason: z.string().trim().min(1, 'must not be empty').max(1000).optional(),
    }),
  ]);

  const ClaimEventSchema = z.strictObject({
    reason: z.enum(CLAIM_REASONS, `reason must be one of ${CLAIM_REASONS.map((r) => `"${r}"`).join(', ')}`),
    description: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`),
    requestedRefund: MinorUnitsSchema,
    evidence: DisputeEvidenceSchema,
  });

  const AcceptanceEventSchema = z.strictObject({});

  const StatementEventSchema = z.strictObject({
    party: PartySchema,
    text: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`),
    evidence: DisputeEvidenceSchema,
  });

  const CancelEventSchema = z.strictObject({
    party: z.enum(PARTIES),
    reason: z.string().trim().min(1, 'must not be empty').max(1000),
  });

  const ArbitrationDecisionSchema = z.strictObject({
    outcome: z.enum(['refund', 'release', 'split'], 'outcome must be one of "refund", "release", "split"'),
    refundAmount: z.number().int('refundAmount must be an integer amount of minor units').optional(),
    arbitrator: z
      .string('arbitrator is required: who decides')
      .trim()
      .min(1, 'arbitrator must not be empty')
      .max(128),
    rationale: z
      .string('rationale is required: why this decision')
      .trim()
      .min(1, 'rationale must not be empty')
      .max(5000),
    returnGoods: z
      .boolean('returnGoods must be true or false')
      .optional()
      .describe(
        'for outcome "refund": whether the refund waits for the goods to come back; default true when the goods were delivered',
      ),
  });

  /**
   * docs/spec.md#extensions: which party may propose moving which deadline is part of the schema (400
   * otherwise).
   */
  const extensionProposal = <D extends string, P extends z.ZodType>(deadline: D, party: P) =>
    z.strictObject({
      party,
      deadline: z.literal(deadline),
      until: TimestampSchema,
      reason: z.string().trim().min(1, 'must not be empty').max(1000),
    });

  const onlyThe = (party: 'buyer' | 'supplier', deadline: string) =>
    z.literal(party, `only the ${party} proposes to move ${deadline}`);

  const ExtensionProposalSchema = z.discriminatedUnion(
    'deadline',
    [
      extensionProposal('shipBy', onlyThe('supplier', 'shipBy')),
      extensionProposal('deliverBy', onlyThe('supplier', 'deliverBy')),
      extensionProposal('inspection', onlyThe('buyer', 'the inspection window')),
      extensionProposal('negotiation', z.enum(['buyer', 'supplier'])),
    ],
    'deadline must be one of "shipBy", "deliverBy", "inspection", "negotiation"',
  );

  const ExtensionAnswerSchema = z.strictObject({
    party: z.enum(['buyer', 'supplier']),
    action: z.enum(['accept', 'reject'], 'action must be "accept" or "reject"'),
  });

  /** The answer as the Update takes it: the route's extensionId with the body. */
  const ExtensionAnswerCommandSchema = ExtensionAnswerSchema.extend({
    extensionId: z.string().min(1).max(64),
  });

  /** docs/spec.md#returns: the buyer ships the goods back, they arrive, the supplier says what came. */
  const ReturnShipmentEventSchema = ShipmentEventSchema;

  const ReturnDeliveryEventSchema = DeliveryEventSchema;

  const ReturnReceiptEventSchema = z.strictObject({
    condition: z.enum(
      RETURN_CONDITIONS,
      `condition must be one of ${RETURN_CONDITIONS.map((c) => `"${c}"`).join(', ')}`,
    ),
    evidence: z
      .array(EvidenceSchema, { error: 'evidence is required: a list of { uri, sha256?, description? }' })
      .max(MAX_DISPUTE_EVIDENCE, `must have at most ${MAX_DISPUTE_EVIDENCE} items`),
    note: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`)
      .optional(),
  });

  return {
    PaymentEventSchema,
    ReversalSchema,
    ReversalCommandSchema,
    PaymentRequestSchema,
    LineStepsSchema,
    RecordPaymentCommandSchema,
    ShipmentEventSchema,
    DeliveryEventSchema,
    SettlementEventSchema,
    ClaimEventSchema,
    AcceptanceEventSchema,
    StatementEventSchema,
    CancelEventSchema,
    ArbitrationDecisionSchema,
    ExtensionProposalSchema,
    ExtensionAnswerSchema,
    ExtensionAnswerCommandSchema,
    ReturnShipmentEventSchema,
    ReturnDeliveryEventSchema,
    ReturnReceiptEventSchema,
  };
});

export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export type PaymentEvent = z.output<typeof PaymentEventSchema>;

export type Reversal = z.output<typeof ReversalCommandSchema>;

export type LineSteps = z.output<typeof LineStepsSchema>;

export type RecordPaymentCommand = z.output<typeof RecordPaymentCommandSchema>;

export type ShipmentEvent = z.output<typeof ShipmentEventSchema>;

export type DeliveryEvent = z.output<typeof DeliveryEventSchema>;

export type Party = (typeof PARTIES)[number];

export type SettlementEvent = z.output<typeof SettlementEventSchema>;

export type ClaimReason = (typeof CLAIM_REASONS)[number];

export type ClaimEvent = z.output<typeof ClaimEventSchema>;

export type AcceptanceEvent = z.output<typeof AcceptanceEventSchema>;

export type StatementEvent = z.output<typeof StatementEventSchema>;

export type CancelEvent = z.output<typeof CancelEventSchema>;

export type ArbitrationDecision = z.output<typeof ArbitrationDecisionSchema>;

export type ExtensionProposal = z.output<typeof ExtensionProposalSchema>;

export type ExtensionAnswer = z.output<typeof ExtensionAnswerCommandSchema>;

export type ReturnShipmentEvent = ShipmentEvent;

export type ReturnDeliveryEvent = DeliveryEvent;

export type ReturnReceiptEvent = z.output<typeof ReturnReceiptEventSchema>;
