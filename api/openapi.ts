import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { openApiWebhooks, WEBHOOK_PARAMETERS } from './openapi-webhooks.js';

// swagger-ui's own policy minus upgrade-insecure-requests, which would break the page on plain HTTP
// (npm start, or behind a TLS-terminating proxy that talks HTTP), plus inline styles, which
// swagger-ui injects at runtime. Scripts stay 'self' only.
const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; font-src 'self' https: data:; frame-ancestors 'self'; " +
  "img-src 'self' data: validator.swagger.io; object-src 'none'; script-src 'self'; " +
  "script-src-attr 'none'; style-src 'self' 'unsafe-inline' https:";

interface WithSchemas {
  components?: { schemas?: Record<string, unknown> };
}

/**
 * The zod provider emits an input and an output variant of every named schema; the docs keep the
 * ones some route refers to, so that a reader meets each schema once.
 */
function withoutUnusedSchemas<D extends object>(document: D): D {
  const { components } = document as WithSchemas;
  const schemas = components?.schemas ?? {};
  const refs = (node: unknown) =>
    [...JSON.stringify(node).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string);
  const used = new Set<string>();
  const pending = refs({ ...document, components: { ...components, schemas: {} } });
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (used.has(name)) continue;
    used.add(name);
    pending.push(...refs(schemas[name]));
  }
  return {
    ...document,
    components: {
      ...components,
      schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name))),
    },
  };
}

/** OpenAPI 3.1 generated from the routes' zod schemas: JSON at /docs/json, Swagger UI at /docs. */
export const openApi = fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Trade escrow API',
        version: '1',
        description:
          "Buyer protection for a B2B marketplace: the buyer's payment waits in escrow until the supplier has " +
          'lived up to the sales contract. Every order is a durable Temporal workflow. Errors are RFC 9457 ' +
          'problem details (application/problem+json).',
      },
      // Relative: a client (and Swagger UI) calls the replica it fetched the document from.
      servers: [{ url: '/', description: 'This API: the origin the document was fetched from' }],
      tags: [
        { name: 'orders', description: 'Create, read and list orders' },
        { name: 'order events', description: 'Events of an order; each one answers with the order after it' },
        {
          name: 'events',
          description: 'The feed of what happened to orders and suppliers: the events the webhooks deliver',
        },
        {
          name: 'suppliers',
          description: 'The supplier program: who is protected, for how much, and what storefronts show',
        },
        {
          name: 'ledger',
          description: 'The ledger for accounting: the export in commit order, balances, daily statements',
        },
        {
          name: 'credit lines',
          description:
            'e-Credit Line: a buyer applies, the scorecard decides, an underwriter verifies; draws, interest, repayments',
        },
        { name: 'operations', description: 'Health and readiness: no API key needed' },
        {
          name: 'webhooks',
          description:
            'What the engine POSTs to the marketplace (WEBHOOK_URLS) and to the arbitration desk ' +
            '(ARBITRATION_WEBHOOK_URL), signed per Standard Webhooks',
        },
      ],
      webhooks: openApiWebhooks(),
      components: {
        parameters: WEBHOOK_PARAMETERS,
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key of role marketplace, arbitrator or reader',
          },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (document) => withoutUnusedSchemas(jsonSchemaTransformObject(document)),
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    uiConfig: { deepLinking: true, displayRequestDuration: true },
  });
});
