import { z } from 'zod';
import { builtOnce } from './built-once.js';
import { parseDuration } from './duration.js';

/**
 * The sales contract of docs/spec.md#the-contract: the request body of `POST /v1/orders` and the workflow's
 * input.
 */

export const ORDER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

const MAX_INSPECTION_WINDOW_MS = 30 * 24 * 3600 * 1000;

/**
 * Without `deliverBy`, the delivery deadline is `shippedAt` plus this
 * (docs/spec.md#delivery-and-balance-deadlines).
 */
export const DEFAULT_TRANSIT_WINDOW = 'P60D';

/** docs/spec.md#returns: the buyer's time to ship the goods back, the supplier's to confirm them. */
export const DEFAULT_RETURN_WINDOW = 'P14D';

export const DEFAULT_RETURN_RECEIPT_WINDOW = 'P7D';

const MAX_RETURN_WINDOW_MS = 30 * 24 * 3600 * 1000;

// Built once per worker, not once per workflow: see built-once.ts.
export const {
  OrderIdSchema,
  MinorUnitsSchema,
  TimestampSchema,
  DurationSchema,
  TraderSchema,
  QualityTermSchema,
  QuantitySchema,
  ReturnsSchema,
  FeesSchema,
  ContractInputSchema,
  ContractSchema,
} = builtOnce('schemas/contract', () => {
  const OrderIdSchema = z
    .string()
    .regex(ORDER_ID_PATTERN, 'must be 1-64 characters of [A-Za-z0-9._:-], starting with a letter or digit');

  const MinorUnitsSchema = z
    .number()
    .int('must be an integer amount of minor units')
    .positive('must be greater than 0')
    .max(Number.MAX_SAFE_INTEGER, 'must be a safe integer');

  const TimestampSchema = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 timestamp' });

  const DurationSchema = z
    .string()
    .refine(
      (s) => parseDuration(s) !== undefined,
      'must be an ISO 8601 duration in W, D, H, M, S (e.g. P7D, PT36H)',
    );

  const TraderSchema = z.strictObject({
    id: z.string().trim().min(1, 'must not be empty').max(128),
    name: z.string().max(256).optional(),
  });

  const BoundValueSchema = z.union([z.string().max(256), z.number()]);

  const QualityTermSchema = z
    .strictObject({
      attribute: z.string().trim().min(1, 'must not be empty').max(128),
      min: z.number().optional(),
      max: z.number().optional(),
      oneOf: z.array(BoundValueSchema).min(1).max(100).optional(),
      unit: z.string().max(32).optional(),
      description: z.string().max(1000).optional(),
    })
    .refine((t) => t.min !== undefined || t.max !== undefined || t.oneOf !== undefined, {
      message: 'a quality term needs at least one of min, max, oneOf',
    });

  const QuantitySchema = z.strictObject({
    ordered: z.number().positive('must be greater than 0').max(1e12),
    unit: z.string().trim().min(1).max(32),
    tolerancePct: z.number().min(0).max(100).default(0),
  });

  const ReturnsSchema = z.strictObject({
    window: DurationSchema.default(DEFAULT_RETURN_WINDOW),
    receiptWindow: DurationSchema.default(DEFAULT_RETURN_RECEIPT_WINDOW),
  });

  /** docs/spec.md#commission: what the marketplace earns on what the supplier is paid. */
  const FeesSchema = z.strictObject({
    commissionBps: z
      .number()
      .int('must be an integer number of basis points')
      .min(0, 'must be at least 0')
      .max(5000, 'must be at most 5000 (50 %)'),
    minimum: z
      .number()
      .int('must be an integer amount of minor units')
      .min(0, 'must be at least 0')
      .max(Number.MAX_SAFE_INTEGER, 'must be a safe integer')
      .optional(),
  });

  const ContractInputSchema = z.strictObject({
    orderId: OrderIdSchema,
    buyer: TraderSchema,
    supplier: TraderSchema,
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
    amount: MinorUnitsSchema,
    deposit: MinorUnitsSchema.optional(),
    fundBy: TimestampSchema.optional(),
    shipBy: TimestampSchema,
    deliverBy: TimestampSchema.optional(),
    transitWindow: DurationSchema.default(DEFAULT_TRANSIT_WINDOW),
    balanceDueBy: TimestampSchema.optional(),
    inspectionWindow: DurationSchema.default('P7D'),
    negotiationWindow: DurationSchema.default('P3D'),
    arbitrationSla: DurationSchema.default('P5D'),
    quantity: QuantitySchema,
    quality: z.array(QualityTermSchema).max(100).default([]),
    // Defaults are resolved in normalizeContract: a body without `returns` fingerprints as it did
    // before the field existed, so an identical create of an older order is still answered as one.
    returns: ReturnsSchema.optional(),
    fees: FeesSchema.optional(),
  });

  /** A contract with every default resolved: what the workflow runs on, fixed at creation. */
  const ContractSchema = ContractInputSchema.extend({
    deposit: MinorUnitsSchema,
    fundBy: TimestampSchema,
    createdAt: TimestampSchema,
    transitWindow: DurationSchema.optional().describe(
      `absent on orders created before it existed: they get ${DEFAULT_TRANSIT_WINDOW}`,
    ),
    returns: ReturnsSchema.optional().describe(
      'absent on orders created before returns existed: a full refund of theirs takes no return',
    ),
  });

  return {
    OrderIdSchema,
    MinorUnitsSchema,
    TimestampSchema,
    DurationSchema,
    TraderSchema,
    QualityTermSchema,
    QuantitySchema,
    ReturnsSchema,
    FeesSchema,
    ContractInputSchema,
    ContractSchema,
  };
});

export type Returns = z.output<typeof ReturnsSchema>;

export type Fees = z.output<typeof FeesSchema>;

export type ContractInput = z.input<typeof ContractInputSchema>;

export type ParsedContractInput = z.output<typeof ContractInputSchema>;

export type QualityTerm = z.output<typeof QualityTermSchema>;

/** The buyer or the supplier as the contract names them; a `Party` (commands.ts) is the role. */
export type Trader = z.output<typeof TraderSchema>;

export type Contract = z.output<typeof ContractSchema>;

export const DEFAULT_FUNDING_WINDOW = 'P20D';

export interface ContractProblem {
  path: string;
  message: string;
}

/**
 * Rules that span fields (docs/spec.md#the-contract) and so cannot be a property of one field's schema: a
 * contract that breaks one contradicts itself (HTTP 422), as opposed to a malformed one (HTTP 400).
 */
export function contractProblems(input: ParsedContractInput, now: Date): ContractProblem[] {
  const problems: ContractProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (input.buyer.id === input.supplier.id)
    add('supplier.id', 'buyer and supplier must be different parties');
  if (input.deposit !== undefined && input.deposit > input.amount)
    add('deposit', 'deposit must not exceed amount');
  const fundBy = input.fundBy
    ? Date.parse(input.fundBy)
    : now.getTime() + (parseDuration(DEFAULT_FUNDING_WINDOW) ?? 0);
  const shipBy = Date.parse(input.shipBy);
  if (fundBy <= now.getTime()) add('fundBy', 'fundBy must be in the future');
  if (shipBy <= fundBy) add('shipBy', `shipBy must be after fundBy (${new Date(fundBy).toISOString()})`);
  if (input.deliverBy !== undefined && Date.parse(input.deliverBy) <= shipBy) {
    add('deliverBy', 'deliverBy must be after shipBy');
  }
  if (parseDuration(input.transitWindow) === 0)
    add('transitWindow', 'transitWindow must be longer than PT0S');
  if (input.balanceDueBy !== undefined) {
    if ((input.deposit ?? input.amount) >= input.amount)
      add('balanceDueBy', 'balanceDueBy is only for a deposit below amount');
    else if (Date.parse(input.balanceDueBy) <= fundBy)
      add('balanceDueBy', `balanceDueBy must be after fundBy (${new Date(fundBy).toISOString()})`);
  }
  if ((parseDuration(input.inspectionWindow) ?? 0) > MAX_INSPECTION_WINDOW_MS) {
    add('inspectionWindow', 'inspectionWindow must be at most P30D');
  }
  for (const field of ['window', 'receiptWindow'] as const) {
    if (!input.returns) break;
    const ms = parseDuration(input.returns[field]) ?? 0;
    if (ms === 0) add(`returns.${field}`, `returns.${field} must be longer than PT0S`);
    else if (ms > MAX_RETURN_WINDOW_MS) add(`returns.${field}`, `returns.${field} must be at most P30D`);
  }
  const seen = new Set<string>();
  input.quality.forEach((term, i) => {
    if (term.min !== undefined && term.max !== undefined && term.min > term.max) {
      add(`quality.${i}`, `min ${term.min} is above max ${term.max} for ${term.attribute}`);
    }
    if (seen.has(term.attribute)) add(`quality.${i}.attribute`, `attribute ${term.attribute} appears twice`);
    seen.add(term.attribute);
  });
  return problems;
}

/** Resolves defaults; call only on an input without problems. */
export function normalizeContract(input: ParsedContractInput, now: Date): Contract {
  const createdAt = now.toISOString();
  return {
    ...input,
    deposit: input.deposit ?? input.amount,
    fundBy: input.fundBy
      ? new Date(input.fundBy).toISOString()
      : new Date(now.getTime() + (parseDuration(DEFAULT_FUNDING_WINDOW) ?? 0)).toISOString(),
    shipBy: new Date(input.shipBy).toISOString(),
    deliverBy: input.deliverBy ? new Date(input.deliverBy).toISOString() : undefined,
    balanceDueBy: input.balanceDueBy ? new Date(input.balanceDueBy).toISOString() : undefined,
    returns: input.returns ?? { window: DEFAULT_RETURN_WINDOW, receiptWindow: DEFAULT_RETURN_RECEIPT_WINDOW },
    createdAt,
  };
}
