import { z } from 'zod';
import {
  isLineEvent,
  isSupplierEvent,
  type StoredFeedEvent,
  type StoredOrderEvent,
} from '../../db/order-event-store.js';
import { ORDER_EVENT_TYPES } from '../../workflows/model/events.js';
import { TimestampSchema } from '../../workflows/schemas/contract.js';
import { CreditLineEventSchema } from './credit-lines.js';
import { OrderSnapshotSchema, StatementSchema } from './order-snapshot.js';
import { component } from './registry.js';
import { SupplierEventSchema } from './suppliers.js';

export const OrderEventSchema = component(
  'OrderEvent',
  z.object({
    id: z.string().describe('stable: a redelivery or a replay of the event carries the same id'),
    type: z.enum(ORDER_EVENT_TYPES),
    orderId: z.string(),
    sequence: z.number().int().describe('1, 2, 3, … per order'),
    occurredAt: TimestampSchema,
    cursor: z.string().describe('pass as `after` to read the events stored after this one'),
    data: z.object({
      order: OrderSnapshotSchema,
      statement: StatementSchema.optional().describe('the statement of an `order.statement_added` event'),
    }),
  }),
  'Something that happened to an order; the same body a webhook receives, plus its feed cursor. ' +
    '`data.order` is the order after the event without `dispute.statements`: each statement is the ' +
    '`data.statement` of its own `order.statement_added` event.',
);

export const EventFeedQuerySchema = z.strictObject({
  after: z
    .string()
    .regex(/^\d{1,18}$/, 'must be a cursor of a previous page (or 0 for the beginning)')
    .default('0')
    .describe('the `cursor` of the last event read; 0 or absent for the beginning'),
  limit: z.coerce
    .number('must be a number')
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(500, 'must be at most 500')
    .default(100),
});

export const EventFeedSchema = z.object({
  events: z
    .array(z.union([OrderEventSchema, SupplierEventSchema, CreditLineEventSchema]))
    .describe(
      "orders' events (with `orderId`), suppliers' events (with `supplierId`) and credit lines' events (with `lineId`), in the order they were stored",
    ),
  cursor: z
    .string()
    .describe('where to continue: the cursor of the last event, or `after` when there was none'),
});

export const OrderEventsSchema = z.object({ orderId: z.string(), events: z.array(OrderEventSchema) });

export function toOrderEventResponse(event: StoredOrderEvent): z.output<typeof OrderEventSchema> {
  return {
    id: event.id,
    type: event.type,
    orderId: event.orderId,
    sequence: event.sequence,
    occurredAt: event.occurredAt,
    cursor: String(event.position),
    data: {
      order: event.snapshot,
      ...(event.statement ? { statement: event.statement } : {}),
    },
  };
}

export function toFeedEventResponse(
  event: StoredFeedEvent,
):
  | z.output<typeof OrderEventSchema>
  | z.output<typeof SupplierEventSchema>
  | z.output<typeof CreditLineEventSchema> {
  if (isLineEvent(event)) {
    const { id, type, lineId, sequence, occurredAt, data, position } = event;
    return { id, type, lineId, sequence, occurredAt, cursor: String(position), data };
  }
  if (!isSupplierEvent(event)) return toOrderEventResponse(event);
  const { id, type, supplierId, sequence, occurredAt, data, position } = event;
  return { id, type, supplierId, sequence, occurredAt, cursor: String(position), data };
}

export type OrderEventResponse = z.output<typeof OrderEventSchema>;
