import { z } from 'zod';
import { ORDER_OUTCOMES } from '../../workflows/model/state.js';
import { TimestampSchema } from '../../workflows/schemas/contract.js';
import type { OrderListItem } from '../temporal-orders.js';
import { OrderStatusSchema } from './order-snapshot.js';
import { component } from './registry.js';

export const OrderListItemSchema = component(
  'OrderListItem',
  z.object({
    orderId: z.string(),
    status: OrderStatusSchema,
    outcome: z.enum(ORDER_OUTCOMES).optional(),
    buyerId: z.string(),
    supplierId: z.string(),
    shipBy: TimestampSchema.optional(),
    escrowAmount: z.number().int().optional().describe('what escrow holds, minor units'),
    arbitrationDueAt: TimestampSchema.optional(),
    arbitrationOverdue: z.boolean().optional(),
    createdAt: TimestampSchema,
    closedAt: TimestampSchema.optional(),
  }),
  'An order as Temporal visibility indexes it (the search attributes); GET /v1/orders/{orderId} has everything',
);

export const OrderListSchema = z.object({
  orders: z.array(OrderListItemSchema),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last page'),
});

export const toListItemResponse = (item: OrderListItem): z.output<typeof OrderListItemSchema> => item;
