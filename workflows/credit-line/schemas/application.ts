import { z } from 'zod';
import {
  DurationSchema,
  MinorUnitsSchema,
  ORDER_ID_PATTERN,
  TimestampSchema,
  TraderSchema,
} from '../../schemas/contract.js';

/**
 * A buyer's application for a credit line (docs/credit.md#applying): the body of
 * `POST /v1/credit-lines` and, normalised, the line workflow's input.
 */

export const LineIdSchema = z
  .string()
  .regex(ORDER_ID_PATTERN, 'must be 1-64 characters of [A-Za-z0-9._:-], starting with a letter or digit');

export const DOCUMENT_KINDS = ['bank_statement', 'financials', 'identity', 'other'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export const CreditDocumentSchema = z.strictObject({
  kind: z.enum(DOCUMENT_KINDS, `kind must be one of ${DOCUMENT_KINDS.map((k) => `"${k}"`).join(', ')}`),
  uri: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of the document in 64 lowercase hex digits'),
});
export type CreditDocument = z.output<typeof CreditDocumentSchema>;

export const DEFAULT_REPAYMENT_TERM = 'P60D';
export const DEFAULT_STATEMENT_PERIOD = 'P30D';

export const CreditApplicationSchema = z.strictObject({
  lineId: LineIdSchema,
  buyer: TraderSchema,
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
  requestedLimit: MinorUnitsSchema,
  business: z.strictObject({
    registrationNumber: z.string().trim().min(1, 'must not be empty').max(64),
    yearsTrading: z.number().int('must be whole years').min(0).max(500),
    annualRevenue: z
      .number()
      .int('must be an integer amount of minor units')
      .min(0)
      .max(Number.MAX_SAFE_INTEGER),
  }),
  documents: z
    .array(CreditDocumentSchema, { error: 'must be a list of { kind, uri, sha256 }' })
    .min(1, 'must hold at least one document')
    .max(20, 'must hold at most 20 documents'),
  terms: z
    .strictObject({
      repaymentTerm: DurationSchema.default(DEFAULT_REPAYMENT_TERM),
      statementPeriod: DurationSchema.default(DEFAULT_STATEMENT_PERIOD),
    })
    .default({ repaymentTerm: DEFAULT_REPAYMENT_TERM, statementPeriod: DEFAULT_STATEMENT_PERIOD }),
});
export type CreditApplicationInput = z.input<typeof CreditApplicationSchema>;
export type CreditApplication = z.output<typeof CreditApplicationSchema> & {
  /** When the engine accepted it: the start of the 60 s to a decision. */
  appliedAt: string;
};

export const AppliedAtSchema = TimestampSchema;
