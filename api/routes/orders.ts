import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ROLES } from '../../config/api-keys.js';
import { ContractInputSchema } from '../../workflows/schemas/contract.js';
import { OrderListSchema, toListItemResponse } from '../schemas/order-list.js';
import { OrderSnapshotSchema } from '../schemas/order-snapshot.js';
import { OrderListQuerySchema, OrderParamsSchema } from '../schemas/requests.js';
import { json, problems } from '../schemas/responses.js';
import type { TemporalOrders } from '../temporal-orders.js';

/** Creating, reading and listing orders. */
export const orderRoutes: FastifyPluginAsyncZod<{ orders: TemporalOrders }> = async (app, { orders }) => {
  app.post(
    '/orders',
    {
      config: { roles: ['marketplace'] },
      schema: {
        tags: ['orders'],
        operationId: 'createOrder',
        summary: 'Create an order and start its workflow',
        description:
          'Answers 201 with the new order, or 200 with the existing one when the same body was sent before. ' +
          'The same order id with another body is a 409: an order id names one order forever. A new order is ' +
          'created only when the supplier program protects it: the supplier is enrolled, `provisional` or ' +
          '`qualified`, and the amount fits in its available coverage in the currency (else 422 ' +
          '`/problems/not-protected` with `supplierStatus, currency, limit, exposure, available`; nothing is ' +
          'started or reserved). The amount counts in the supplier’s exposure until the order closes.',
        body: ContractInputSchema,
        response: {
          200: json('The order existed already, created with this very body', OrderSnapshotSchema),
          201: json('The order was created', OrderSnapshotSchema),
          ...problems(
            400,
            401,
            403,
            409,
            413,
            415,
            [422, 'The contract contradicts itself, or the supplier program does not protect the order'],
            429,
            503,
          ),
        },
      },
    },
    async (request, reply) => {
      const { created, snapshot } = await orders.create(request.body, new Date());
      if (created) {
        reply
          .code(201)
          .header('location', `${request.routeOptions.url}/${encodeURIComponent(snapshot.orderId)}`);
      }
      return snapshot;
    },
  );

  app.get(
    '/orders/:orderId',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['orders'],
        operationId: 'getOrder',
        summary:
          'The order: status, outcome, contract, deadlines, money, evaluation, offers, decision, timeline',
        params: OrderParamsSchema,
        response: { 200: json('The order', OrderSnapshotSchema), ...problems(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => orders.snapshot(request.params.orderId),
  );

  app.get(
    '/orders',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['orders'],
        operationId: 'listOrders',
        summary: 'List orders, newest first',
        description:
          'From Temporal visibility, which is eventually consistent: an order shows up, and its status ' +
          'changes, about a second after the fact.',
        querystring: OrderListQuerySchema,
        response: { 200: json('A page of orders', OrderListSchema), ...problems(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const page = await orders.list(filter, limit, cursor);
      return { orders: page.orders.map(toListItemResponse), nextCursor: page.nextCursor };
    },
  );
};
