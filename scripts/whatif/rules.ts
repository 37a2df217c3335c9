import { z } from 'zod';
import type { AssessmentThresholds } from '../../workflows/rules/program.js';
import type { Contract } from '../../workflows/schemas/contract.js';

/**
 * The rules file of `npm run whatif` (docs/whatif.md#the-rules-file): each rule replaces that term
 * in every order that has it.
 */

const Rate = z
  .number()
  .min(0)
  .max(1)
  .refine(
    (x) => Math.abs(x * 1000 - Math.round(x * 1000)) < 1e-6,
    'must have at most 3 decimals (e.g. 0.95)',
  );

const TermRuleSchema = z
  .strictObject({
    min: z.number().optional(),
    max: z.number().optional(),
    oneOf: z
      .array(z.union([z.string().max(256), z.number()]))
      .min(1)
      .max(100)
      .optional(),
  })
  .refine((t) => t.min !== undefined || t.max !== undefined || t.oneOf !== undefined, {
    message: 'a quality rule needs at least one of min, max, oneOf',
  })
  .refine((t) => t.min === undefined || t.max === undefined || t.min <= t.max, {
    message: 'min must not be above max',
  });

export const RulesSchema = z.strictObject({
  quality: z.record(z.string().trim().min(1).max(128), TermRuleSchema).optional(),
  quantityTolerancePct: z.number().min(0).max(100).optional(),
  commissionBps: z.number().int().min(0).max(5000).optional(),
  program: z
    .strictObject({
      onTimeShipmentRate: Rate.optional(),
      disputeRate: Rate.optional(),
      refundRatio: Rate.optional(),
    })
    .optional(),
});
export type Rules = z.output<typeof RulesSchema>;

/** The contract as the rules would have made it: only the terms it has are replaced. */
export function contractUnder(contract: Contract, rules: Rules): Contract {
  const quality = rules.quality;
  return {
    ...contract,
    quantity:
      rules.quantityTolerancePct === undefined
        ? contract.quantity
        : { ...contract.quantity, tolerancePct: rules.quantityTolerancePct },
    quality: quality
      ? contract.quality.map((term) => {
          const rule = quality[term.attribute];
          if (!rule) return term;
          const { min: _min, max: _max, oneOf: _oneOf, ...rest } = term;
          return { ...rest, ...rule };
        })
      : contract.quality,
  };
}

/** The program's thresholds with the rules' in place of the engine's. */
export function thresholdsUnder(current: AssessmentThresholds, rules: Rules): AssessmentThresholds {
  const p = rules.program ?? {};
  const thousandths = (x: number | undefined, fallback: number) =>
    x === undefined ? fallback : Math.round(x * 1000);
  return {
    minClosedOrders: current.minClosedOrders,
    minOnTimeShipmentRate: thousandths(p.onTimeShipmentRate, current.minOnTimeShipmentRate),
    maxDisputeRate: thousandths(p.disputeRate, current.maxDisputeRate),
    maxRefundRatio: thousandths(p.refundRatio, current.maxRefundRatio),
  };
}
