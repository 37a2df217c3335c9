import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES } from '../../config/api-keys.js';
import type { OrderEventStore } from '../../db/order-event-store.js';
import type { PostgresLedger } from '../../db/postgres-ledger.js';
import { buildDossier } from '../dossier.js';
import { DOSSIER_DOMAIN } from '../dossier-chain.js';
import { dossierHtml } from '../dossier-html.js';
import { DossierKeySchema, DossierSchema } from '../schemas/dossier.js';
import { toOrderEventResponse } from '../schemas/event-feed.js';
import { OrderParamsSchema } from '../schemas/requests.js';
import { json, problems } from '../schemas/responses.js';
import type { TemporalOrders } from '../temporal-orders.js';
import { withTimeout } from '../upstream-errors.js';

export interface DossierRouteOptions {
  orders: TemporalOrders;
  events: OrderEventStore;
  ledger: PostgresLedger;
  /** The engine's dossier key pair (hex). */
  key: { secretKey: string; publicKey: string };
  timeoutMs: number;
}

/** The verifiable case dossier of an order and the key that signs it (docs/dossier.md). */
export const dossierRoutes: FastifyPluginAsyncZod<DossierRouteOptions> = async (
  app,
  { orders, events, ledger, key, timeoutMs },
) => {
  const postgres = <T>(query: Promise<T>) => withTimeout(query, timeoutMs, 'postgres');

  app.get(
    '/orders/:orderId/dossier',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['orders'],
        operationId: 'getOrderDossier',
        summary:
          "The order's case dossier: its events chained and signed, evidence, deadlines, decisions, money",
        description:
          'Every event of the order in sequence, each chained to the one before it by SHA-256 over its RFC 8785 ' +
          'canonical JSON, and the head signed with Ed25519 by the engine’s dossier key, so that anyone can check ' +
          'the record (docs/dossier.md). A closed order’s dossier is read from PostgreSQL alone. ' +
          '`Accept: text/html` answers a printable case report with an SVG timeline instead.',
        params: OrderParamsSchema,
        response: {
          200: {
            description: 'The dossier, or the case report for Accept: text/html',
            content: {
              'application/json': { schema: DossierSchema },
              'text/html': { schema: z.string().describe('the printable case report') },
            },
          },
          ...problems(400, 401, 403, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { orderId } = request.params;
      const closed = await postgres(events.finalSnapshot(orderId));
      // An open order may have stored no event yet: Temporal says whether it exists.
      if (!closed) await orders.assertExists(orderId);
      const [stored, entries] = await Promise.all([
        postgres(events.forOrder(orderId)),
        postgres(ledger.entries(orderId)),
      ]);
      const dossier = buildDossier(orderId, stored.map(toOrderEventResponse), entries, key);
      if (!request.headers.accept?.includes('text/html')) return dossier;
      const order = closed ?? (await orders.snapshot(orderId));
      return reply.type('text/html; charset=utf-8').send(dossierHtml(dossier, order));
    },
  );

  app.get(
    '/dossier-key',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['orders'],
        operationId: 'getDossierKey',
        summary: 'The public key that signs dossiers',
        response: { 200: json('The dossier key', DossierKeySchema), ...problems(401, 403, 429) },
      },
    },
    async () => ({ algorithm: 'Ed25519' as const, publicKey: key.publicKey, domain: DOSSIER_DOMAIN }),
  );
};
