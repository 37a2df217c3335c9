import { z } from 'zod';
import { SUPPLIER_EVENT_TYPES } from '../../workflows/model/program.js';
import { ANY_CURRENCY, STATUS_REASONS, SUPPLIER_STATUSES } from '../../workflows/rules/program.js';
import { ORDER_ID_PATTERN, TimestampSchema } from '../../workflows/schemas/contract.js';
import { component } from './registry.js';
import { PageQueryFields } from './requests.js';

/** New ids follow the rule of order ids. */
const IdSchema = z
  .string()
  .regex(ORDER_ID_PATTERN, 'must be 1-64 characters of [A-Za-z0-9._:-], starting with a letter or digit');

const regions = new Intl.DisplayNames('en', { type: 'region', fallback: 'none' });
/** Codes the region names know that are not countries of ISO 3166-1. */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'ZZ', 'QO']);

export const CountrySchema = z
  .string()
  .refine(
    (c) => /^[A-Z]{2}$/.test(c) && !NOT_COUNTRIES.has(c) && regions.of(c) !== undefined,
    'must be an ISO 3166-1 alpha-2 country code such as DE',
  );

export const SupplierStatusSchema = z.enum(SUPPLIER_STATUSES);
const Rate = z
  .number()
  .min(0)
  .max(1)
  .nullable()
  .describe('0–1 with 3 decimals; null when nothing was measured');
const Amount = z.number().int().describe('minor units');

export const SupplierParamsSchema = z.strictObject({ supplierId: IdSchema });

export const SupplierInputSchema = component(
  'SupplierEnrolment',
  z.strictObject({
    name: z.string().trim().min(1, 'must not be empty').max(256),
    country: CountrySchema,
    enrolled: z.boolean(),
  }),
  'The supplier as the marketplace knows it, and whether it takes part in the program',
);

export const InquiryInputSchema = component(
  'InquiryReport',
  z.strictObject({
    inquiryId: IdSchema.describe(
      "the marketplace's id of the message; a later call with it adds respondedAt",
    ),
    receivedAt: TimestampSchema.describe('when the buyer sent it; fixed by the first call'),
    respondedAt: TimestampSchema.optional().describe('when the supplier answered; not before receivedAt'),
  }),
  "A buyer's message to the supplier outside an order, and when the supplier answered it",
);

export const InquirySchema = component(
  'Inquiry',
  z.object({
    supplierId: z.string(),
    inquiryId: z.string(),
    receivedAt: TimestampSchema,
    respondedAt: TimestampSchema.optional(),
    windowEndsAt: TimestampSchema.describe('an answer after this is not in time (PROGRAM_INQUIRY_WINDOW)'),
  }),
);

export const AssessmentInputSchema = z.strictObject({});

const Last12MonthsSchema = z.object({
  transactions: z.number().int().describe('orders closed released or split in the last 365 days'),
  value: z
    .array(z.object({ currency: z.string(), amount: Amount }))
    .describe('what those orders paid the supplier, per currency'),
  onTimeShipmentRate: Rate,
  disputeRate: Rate,
});

const ResponsivenessSchema = z.object({
  responseRate: Rate.describe('answered in time / measured, over PROGRAM_RESPONSIVENESS_WINDOW'),
  medianResponseTime: z
    .string()
    .nullable()
    .describe('ISO 8601 duration, over the answered moves; null when none was answered'),
  measured: z.number().int().describe('buyer moves answered or whose window has ended'),
});

const SupplierSummaryShape = {
  supplierId: z.string(),
  name: z.string(),
  country: z.string(),
  enrolled: z.boolean(),
  status: SupplierStatusSchema,
  statusReasons: z
    .array(z.enum(STATUS_REASONS))
    .describe(
      'the thresholds missed at the last assessment (too_few_orders: fewer closed orders than the minimum)',
    ),
  memberSince: TimestampSchema.nullable().describe('when it first enrolled'),
  assessedAt: TimestampSchema.nullable(),
};

export const SupplierSummarySchema = component(
  'SupplierSummary',
  z.object(SupplierSummaryShape),
  'The supplier as its events show it',
);

export const SupplierRecordSchema = component(
  'Supplier',
  z.object({
    ...SupplierSummaryShape,
    limits: z
      .array(
        z.object({
          currency: z
            .string()
            .describe(
              `ISO 4217, or \`${ANY_CURRENCY}\` for every currency not listed (its exposure is always 0)`,
            ),
          limit: Amount.describe('set by the last assessment'),
          exposure: Amount.describe("the amounts of the supplier's orders not yet closed"),
          available: Amount.describe('max(0, limit − exposure): the largest order the program protects now'),
        }),
      )
      .describe('each currency with a limit of its own or with exposure, then `*`'),
    metrics: z.object({
      assessmentWindow: z
        .object({
          window: z.string().describe('PROGRAM_ASSESSMENT_WINDOW'),
          closedOrders: z.number().int(),
          onTimeShipmentRate: Rate,
          disputeRate: Rate,
          refundRatio: Rate,
        })
        .describe('what the next assessment judges: the orders closed in the window'),
      last12Months: Last12MonthsSchema,
      responsiveness: ResponsivenessSchema,
    }),
  }),
  "A supplier's program record: status and limits as the last assessment set them, figures current to the moment",
);

export const SupplierListQuerySchema = z.strictObject({
  status: SupplierStatusSchema.optional(),
  ...PageQueryFields,
});

export const SupplierListSchema = z.object({
  suppliers: z.array(SupplierRecordSchema),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last page'),
});

export const SupplierProfileSchema = component(
  'SupplierProfile',
  z.object({
    supplierId: z.string(),
    name: z.string(),
    country: z.string(),
    status: SupplierStatusSchema,
    protected: z.boolean().describe('status is provisional or qualified: new orders are protected'),
    memberSince: TimestampSchema.nullable(),
    last12Months: Last12MonthsSchema,
    responsiveness: ResponsivenessSchema,
  }),
  'What a storefront shows of a supplier, current to the moment of the request',
);

export const SupplierEventSchema = component(
  'SupplierEvent',
  z.object({
    id: z.string().describe('stable: a redelivery carries the same id'),
    type: z.enum(SUPPLIER_EVENT_TYPES),
    supplierId: z.string(),
    sequence: z.number().int().describe('1, 2, 3, … per supplier'),
    occurredAt: TimestampSchema,
    cursor: z.string().describe('pass as `after` to read the events stored after this one'),
    data: z.object({
      supplier: SupplierSummarySchema.describe('the supplier after the change'),
      from: z
        .union([SupplierStatusSchema, z.number().int()])
        .optional()
        .describe('status_changed: the status before; limit_changed: the limit before'),
      to: z
        .union([SupplierStatusSchema, z.number().int()])
        .optional()
        .describe('status_changed: the status after; limit_changed: the limit after'),
      reasons: z.array(z.enum(STATUS_REASONS)).optional().describe('status_changed: the new statusReasons'),
      currency: z
        .string()
        .optional()
        .describe('limit_changed: ISO 4217, or `*` for every currency not named'),
    }),
  }),
  "Something that happened to a supplier's program record: the same body a webhook receives, plus its feed cursor",
);
