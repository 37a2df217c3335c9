import { z } from 'zod';
import { InspectionReportSchema } from '../../workflows/schemas/inspection-report.js';
import { OrderSnapshotSchema } from '../../workflows/schemas/snapshot.js';
import { CLOSE_REASONS, ORDER_OUTCOMES } from '../../workflows/schemas/statuses.js';
import { ProblemSchema } from './problem.js';
import { component } from './registry.js';

/** Sample reports a check simulates at most (docs/api.md#contract-check). */
export const MAX_SAMPLE_REPORTS = 20;

export const ContractCheckRequestSchema = z.strictObject({
  contract: z
    .record(z.string(), z.unknown())
    .describe(
      'The body a `POST /v1/orders` would send (a ContractInput). It is checked as the create checks it: ' +
        'what the create would refuse is in `problems`, not a 400 of this request',
    ),
  reports: z
    .array(InspectionReportSchema)
    .max(MAX_SAMPLE_REPORTS, `must have at most ${MAX_SAMPLE_REPORTS} reports`)
    .optional()
    .describe('sample inspection reports (the body of `POST /v1/orders/:orderId/inspection`) to simulate'),
});

export const WARNING_CODES = [
  'no_quality_terms',
  'unfailable_term',
  'zero_quantity_tolerance',
  'no_deliver_by',
  'short_inspection_window',
  'low_deposit',
  'high_fees',
] as const;

const WarningSchema = z.object({
  code: z.enum(WARNING_CODES),
  path: z.string().describe('the contract field it is about, dotted like a problem’s `errors[].path`'),
  message: z.string(),
});
export type ContractWarning = z.output<typeof WarningSchema>;

const Amount = z.number().int().describe('minor units');

const SettlementSchema = z.object({
  outcome: z.enum(ORDER_OUTCOMES),
  reason: z.enum(CLOSE_REASONS),
  refund: Amount,
  release: Amount,
  excessRefund: Amount,
  fee: Amount.describe('the marketplace commission on the release'),
  paid: z
    .object({ buyer: Amount, supplier: Amount, fees: Amount })
    .describe('what each party, and the fee account, is paid'),
});

const SimulationSchema = z.object({
  report: z.number().int().describe('index of the sample report'),
  evaluation: OrderSnapshotSchema.shape.evaluation.unwrap(),
  status: z
    .enum(['settling', 'inspection', 'negotiation', 'arbitration'])
    .describe(
      'where the report takes an order in inspection: settling (it releases), inspection (conforms but a term is unmeasured), or the dispute',
    ),
  claim: z
    .object({ reason: z.enum(['quality', 'quantity']), requestedRefund: Amount })
    .optional()
    .describe('the automatic claim a violation opens'),
  suggestedRefund: Amount.describe("the evaluation's pro-rata refund of a quantity shortfall"),
  settlement: SettlementSchema.describe(
    'how the order settles that way, funded in full: released (at the window’s end, for an incomplete report); a dispute at the rubric’s refund — a split at the pro-rata refund of a shortfall, a refund for a quality violation',
  ),
});

export const ContractCheckSchema = component(
  'ContractCheck',
  z.object({
    valid: z.boolean().describe('`POST /v1/orders` with this contract would create the order now'),
    problems: z
      .array(ProblemSchema.omit({ instance: true, requestId: true }))
      .describe(
        'the problem documents the create would answer: its 400 (schema), else its 422s (contradictions, then not-protected)',
      ),
    warnings: z.array(WarningSchema),
    simulations: z.array(SimulationSchema),
  }),
  'What a create of the contract would refuse, the risks of its terms, and what each sample report would lead to; nothing is created or reserved',
);
export type ContractCheck = z.output<typeof ContractCheckSchema>;
