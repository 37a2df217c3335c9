import { z } from 'zod';
import { builtOnce } from '../../schemas/built-once.js';
import { MinorUnitsSchema } from '../../schemas/contract.js';

/**
 * The line's commands (docs/credit.md): the API's request bodies and the Updates' arguments, one
 * object each (the Web UI sends a single payload).
 */

// Built once per worker, not once per workflow: see built-once.ts.
export const {
  VerificationSchema,
  ReferenceSchema,
  RepaymentSchema,
  DrawReservationSchema,
  DrawStepSchema,
  DrawRefundSchema,
  CloseLineSchema,
} = builtOnce('credit-line/schemas/commands', () => {
  const Text = (name: string, why: string, max: number) =>
    z
      .string(`${name} is required: ${why}`)
      .trim()
      .min(1, `${name} must not be empty`)
      .max(max, `${name} must be at most ${max} characters`);

  const VerificationSchema = z.strictObject({
    approve: z.boolean('approve is required: true approves the line, false declines it'),
    limit: z.number().int('limit must be an integer amount of minor units').optional(),
    underwriter: Text('underwriter', 'who verified the documents', 128),
    notes: Text('notes', 'what the documents showed', 4000),
  });

  const ReferenceSchema = z.string().trim().min(1, 'must not be empty').max(128);

  const RepaymentSchema = z.strictObject({ amount: MinorUnitsSchema, reference: ReferenceSchema });

  /**
   * A draw's business key is the order's payment: `<orderId>:<reference>`. Each step of the saga
   * (docs/credit.md#draws) names it, so that a step repeated after a crash finds its first answer.
   */
  const DrawReservationSchema = z.strictObject({
    orderId: z.string().min(1).max(64),
    reference: ReferenceSchema,
    amount: MinorUnitsSchema,
  });

  const DrawStepSchema = z.strictObject({
    orderId: z.string().min(1).max(64),
    reference: ReferenceSchema,
  });

  /** A refund of a financed order that went to the line (escrow → lender): it repays that draw. */
  const DrawRefundSchema = z.strictObject({
    orderId: z.string().min(1).max(64),
    reference: ReferenceSchema,
    amount: MinorUnitsSchema,
  });

  const CloseLineSchema = z.strictObject({});

  return {
    VerificationSchema,
    ReferenceSchema,
    RepaymentSchema,
    DrawReservationSchema,
    DrawStepSchema,
    DrawRefundSchema,
    CloseLineSchema,
  };
});

export type Verification = z.output<typeof VerificationSchema>;

export type Repayment = z.output<typeof RepaymentSchema>;

export type DrawReservation = z.output<typeof DrawReservationSchema>;

export type DrawStep = z.output<typeof DrawStepSchema>;

export type DrawRefund = z.output<typeof DrawRefundSchema>;
