import { z } from 'zod';
import type { LedgerEntry } from '../../db/postgres-ledger.js';
import { TimestampSchema } from '../../workflows/schemas/contract.js';
import { component } from './registry.js';

export const LedgerEntrySchema = component(
  'LedgerEntry',
  z.object({
    transactionId: z.string(),
    idempotencyKey: z.string().describe('business key of the movement, e.g. <orderId>:release'),
    kind: z.enum(['funding', 'refund', 'release']),
    amount: z.number().int().describe('minor units'),
    currency: z.string(),
    reference: z.string().nullable().describe('the payment reference, for funding'),
    memo: z.string().nullable(),
    createdAt: TimestampSchema,
    legs: z
      .array(z.object({ accountId: z.string(), amount: z.number().int() }))
      .describe('double entry: the amounts sum to zero'),
  }),
  'One transaction of the double-entry ledger',
);

export const LedgerSchema = z.object({ orderId: z.string(), entries: z.array(LedgerEntrySchema) });

export const toLedgerEntryResponse = (entry: LedgerEntry): z.output<typeof LedgerEntrySchema> => entry;
