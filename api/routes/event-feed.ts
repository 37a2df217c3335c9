import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ROLES } from '../../config/api-keys.js';
import type { OrderEventStore } from '../../db/order-event-store.js';
import {
  EventFeedQuerySchema,
  EventFeedSchema,
  OrderEventsSchema,
  toFeedEventResponse,
  toOrderEventResponse,
} from '../schemas/event-feed.js';
import { OrderParamsSchema } from '../schemas/requests.js';
import { json, problems } from '../schemas/responses.js';
import type { TemporalOrders } from '../temporal-orders.js';
import { withTimeout } from '../upstream-errors.js';

export interface EventFeedRouteOptions {
  orders: TemporalOrders;
  events: OrderEventStore;
  timeoutMs: number;
}

/** The pull feed over the same events the webhooks deliver (for marketplaces that poll or lost some). */
export const eventFeedRoutes: FastifyPluginAsyncZod<EventFeedRouteOptions> = async (
  app,
  { orders, events, timeoutMs },
) => {
  app.get(
    '/events',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['events'],
        operationId: 'listEvents',
        summary: 'Order, supplier and credit line events in the order they were stored, from a cursor',
        description:
          'Start with no `after`, then pass the `cursor` of each answer as `after`. Events of one order, and of ' +
          'one supplier or line, come in their sequence. An order event has `orderId`, a supplier event `supplierId`, a ' +
          'credit line event `lineId`.',
        querystring: EventFeedQuerySchema,
        response: {
          200: json('A page of events', EventFeedSchema),
          ...problems(400, 401, 403, 429, 503),
        },
      },
    },
    async (request) => {
      const { after, limit } = request.query;
      const page = await withTimeout(events.feed(Number(after), limit), timeoutMs, 'postgres');
      const last = page.at(-1);
      return { events: page.map(toFeedEventResponse), cursor: last ? String(last.position) : after };
    },
  );

  app.get(
    '/orders/:orderId/events',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['events'],
        operationId: 'listOrderEvents',
        summary: "The order's events, in sequence",
        params: OrderParamsSchema,
        response: {
          200: json("The order's events", OrderEventsSchema),
          ...problems(400, 401, 403, 404, 429, 503),
        },
      },
    },
    async (request) => {
      const { orderId } = request.params;
      await orders.assertExists(orderId);
      const stored = await withTimeout(events.forOrder(orderId), timeoutMs, 'postgres');
      return { orderId, events: stored.map(toOrderEventResponse) };
    },
  );
};
