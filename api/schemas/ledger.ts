import { z } from 'zod';
import type { LedgerEntry } from '../../db/postgres-ledger.js';
import { TimestampSchema } from '../../workflows/schemas/contract.js';
import { component } from './registry.js';

export const LedgerEntrySchema = component(
  'LedgerEntry',
  z.object({
    transactionId: z.string(),
    idempotencyKey: z.string().describe('business key of the movement, e.g. <orderId>:release'),
    kind: z.enum(['funding', 'refund', 'release', 'reversal']),
    amount: z.number().int().describe('minor units'),
    currency: z.string(),
    reference: z.string().nullable().describe('the payment reference, for funding and its reversals'),
    memo: z.string().nullable(),
    createdAt: TimestampSchema,
    legs: z
      .array(z.object({ accountId: z.string(), amount: z.number().int() }))
      .describe(
        'double entry: the amounts sum to zero; a release with a commission has a third leg, to `fees:<currency>`',
      ),
  }),
  'One transaction of the double-entry ledger',
);

export const LedgerSchema = z.object({ orderId: z.string(), entries: z.array(LedgerEntrySchema) });

export const toLedgerEntryResponse = (entry: LedgerEntry): z.output<typeof LedgerEntrySchema> => entry;

const cursorOf = (what: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,4096}$/, 'must be a nextCursor of a previous page')
    .describe(`nextCursor of the previous page of ${what}`)
    .optional();

const limitOf = (fallback: number) =>
  z.coerce
    .number('must be a number')
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000')
    .default(fallback);

export const LedgerExportQuerySchema = z.strictObject({
  from: TimestampSchema.optional().describe('only transactions created at or after this instant'),
  to: TimestampSchema.optional().describe('only transactions created before this instant'),
  after: z
    .string()
    .regex(/^\d{1,15}$/, 'must be the cursor of a previous page (or 0 for the beginning)')
    .default('0')
    .describe(
      'the `cursor` of the previous page: the position of the last transaction read; 0 for the beginning',
    ),
  limit: limitOf(100).describe('transactions per page (1–1000); a CSV row is one entry of one'),
});

export const ExportedTransactionSchema = component(
  'ExportedTransaction',
  z.object({
    position: z
      .number()
      .int()
      .describe(
        'place in commit order: 1, 2, 3, … without gaps; a transaction commits after every lower one',
      ),
    transactionId: z.string(),
    createdAt: TimestampSchema.describe("the transaction's time, which places it in a day's statement"),
    kind: z
      .string()
      .describe('`funding`, `refund`, `release` today; a reader must expect kinds it does not know'),
    orderId: z.string(),
    amount: z.number().int().describe('minor units, positive: what the transaction moves'),
    currency: z.string(),
    idempotencyKey: z.string().describe('business key of the movement, e.g. <orderId>:release'),
    reference: z.string().nullable().describe('the payment reference, for funding'),
    method: z.string().nullable().describe("the payment's method where the ledger knows it; null today"),
    memo: z.string().nullable(),
    entries: z
      .array(
        z.object({
          entryId: z.string(),
          account: z.string(),
          amount: z.number().int().describe('minor units added to the account; the entries sum to zero'),
        }),
      )
      .describe('double entry, in entry order'),
  }),
  'One committed transaction of the ledger with its entries',
);

export const LedgerExportSchema = z.object({
  transactions: z.array(ExportedTransactionSchema),
  cursor: z
    .string()
    .describe(
      'pass as `after` for the transactions committed after these (the same `after` when there were none)',
    ),
});

export const LEDGER_CSV_COLUMNS = [
  'transactionId',
  'createdAt',
  'kind',
  'orderId',
  'account',
  'amount',
  'currency',
  'idempotencyKey',
  'reference',
  'method',
] as const;

export const LedgerCsvSchema = z
  .string()
  .describe(`RFC 4180, a header row then one row per entry: ${LEDGER_CSV_COLUMNS.join(', ')}`);

export const BalancesQuerySchema = z.strictObject({
  asOf: TimestampSchema.optional().describe('the instant; now when absent (the answer says which)'),
  cursor: cursorOf('balances'),
  limit: limitOf(100),
});

export const BalancesSchema = z.object({
  asOf: TimestampSchema,
  balances: z.array(
    z.object({
      account: z.string(),
      currency: z.string(),
      balance: z.number().int().describe('minor units: the sum of its entries created at or before asOf'),
    }),
  ),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page (it keeps asOf)'),
});

export const StatementParamsSchema = z.strictObject({
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
    .refine((d) => {
      const midnight = new Date(`${d}T00:00:00Z`);
      return !Number.isNaN(midnight.getTime()) && midnight.toISOString().startsWith(d);
    }, 'must be a date of the calendar')
    .describe('the UTC day'),
});

export const StatementQuerySchema = z.strictObject({ cursor: cursorOf('accounts'), limit: limitOf(1000) });

export const LedgerStatementSchema = component(
  'LedgerStatement',
  z.object({
    date: z.string().describe('the UTC day, YYYY-MM-DD'),
    previousHash: z.string().describe("the day before's hash; 64 zeros for the first statement"),
    hash: z
      .string()
      .describe("SHA-256 (hex) over the day's canonical entries and previousHash (docs/ledger.md)"),
    transactions: z.number().int(),
    entries: z.number().int(),
    closedAt: TimestampSchema,
    accounts: z
      .array(
        z.object({
          account: z.string(),
          currency: z.string(),
          closingBalance: z.number().int().describe("minor units at the day's end"),
          entries: z.number().int().describe("the day's entries on the account"),
          sum: z.number().int().describe("the sum of the day's entries on the account"),
        }),
      )
      .describe('every account that moved in the day or holds a balance at its end, in account order'),
    nextCursor: z.string().nullable().describe('pass as `cursor` for the next page of accounts'),
  }),
  "A UTC day's closing: per account figures and the chained SHA-256",
);
