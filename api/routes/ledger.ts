import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ROLES } from '../../config/api-keys.js';
import type { PostgresLedger } from '../../db/postgres-ledger.js';
import { LedgerSchema, toLedgerEntryResponse } from '../schemas/ledger.js';
import { OrderParamsSchema } from '../schemas/requests.js';
import { json, problems } from '../schemas/responses.js';
import type { TemporalOrders } from '../temporal-orders.js';
import { withTimeout } from '../upstream-errors.js';

export interface LedgerRouteOptions {
  orders: TemporalOrders;
  ledger: PostgresLedger;
  timeoutMs: number;
}

/** The order's movements in the PostgreSQL ledger, the payments system of record (docs/spec.md#money). */
export const ledgerRoutes: FastifyPluginAsyncZod<LedgerRouteOptions> = async (
  app,
  { orders, ledger, timeoutMs },
) => {
  app.get(
    '/orders/:orderId/ledger',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['orders'],
        operationId: 'getOrderLedger',
        summary: "The order's ledger entries, oldest first",
        params: OrderParamsSchema,
        response: {
          200: json('The ledger entries', LedgerSchema),
          ...problems(400, 401, 403, 404, 429, 503),
        },
      },
    },
    async (request) => {
      const { orderId } = request.params;
      // An order that never received money has no entries; one that does not exist is a 404.
      await orders.assertExists(orderId);
      const entries = await withTimeout(ledger.entries(orderId), timeoutMs, 'postgres');
      return { orderId, entries: entries.map(toLedgerEntryResponse) };
    },
  );
};
