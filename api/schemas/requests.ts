import { z } from 'zod';
import { ORDER_STATUSES } from '../../workflows/model/state.js';
import { OrderIdSchema } from '../../workflows/schemas/contract.js';

export const OrderParamsSchema = z.strictObject({ orderId: OrderIdSchema });
export const ExtensionParamsSchema = OrderParamsSchema.extend({ extensionId: z.string().min(1).max(64) });
export const PaymentParamsSchema = OrderParamsSchema.extend({
  reference: z.string().trim().min(1, 'must not be empty').max(128).describe('the payment’s `reference`'),
});

export const IdempotencyHeadersSchema = z.looseObject({
  'idempotency-key': z
    .string()
    .regex(/^[\x20-\x7E]{1,255}$/, 'must be 1-255 printable ASCII characters')
    .describe(
      'Makes a retry safe: a request with a key this route already answered for the order gets the same answer ' +
        'and changes nothing; the same key with another body is a 422 (/problems/idempotency-key-reused)',
    )
    .optional(),
});

/** `limit` and `cursor` of a list answered in pages of at most 100, as every such list of the API is. */
export const PageQueryFields = {
  limit: z.coerce
    .number('must be a number')
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(100, 'must be at most 100')
    .default(20),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,4096}$/, 'must be a nextCursor of a previous page')
    .describe('nextCursor of the previous page')
    .optional(),
};

export const OrderListQuerySchema = z.strictObject({
  status: z.enum(ORDER_STATUSES).optional(),
  buyerId: z.string().trim().min(1).max(128).optional(),
  supplierId: z.string().trim().min(1).max(128).optional(),
  ...PageQueryFields,
});
