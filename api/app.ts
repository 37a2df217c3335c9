import { randomUUID } from 'node:crypto';
import helmet from '@fastify/helmet';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import rateLimit from '@fastify/rate-limit';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type pg from 'pg';
import type { ApiKey, Role } from '../config/api-keys.js';
import { type CreditSettings, DEFAULT_CREDIT_SETTINGS } from '../config/credit.js';
import {
  BODY_LIMIT_BYTES,
  DEFAULT_BADGE_RATE_LIMIT_PER_MINUTE,
  DEFAULT_METRICS_CACHE_SECONDS,
  DEFAULT_RATE_LIMITS_PER_MINUTE,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  MAX_PARAM_LENGTH,
} from '../config/limits.js';
import { DEFAULT_PAYMENT_METHODS } from '../config/payment-methods.js';
import { DEFAULT_PROGRAM_SETTINGS } from '../config/program.js';
import type { Tracing } from '../config/tracing.js';
import { IdempotencyRecords } from '../db/api-idempotency.js';
import { LedgerBooks } from '../db/ledger-books.js';
import { OrderEventStore } from '../db/order-event-store.js';
import { PostgresLedger } from '../db/postgres-ledger.js';
import { SupplierProgram } from '../db/supplier-program.js';
import { workflowIdFor } from '../workflows/model/messages.js';
import { generateEventKeyPair, publicKeyOf } from '../workflows/rules/event-signature.js';
import type { ProgramSettings } from '../workflows/rules/program.js';
import type { PaymentMethod } from '../workflows/schemas/commands.js';
import { TemporalCreditLines } from './credit-lines.js';
import { openApi } from './openapi.js';
import { PaymentIntake } from './payment-intake.js';
import { auth } from './plugins/auth.js';
import { metrics } from './plugins/metrics.js';
import { clientError, frameworkError, problemJson } from './plugins/problem-json.js';
import { badgeRoutes } from './routes/badge.js';
import { contractRoutes } from './routes/contracts.js';
import { creditLineRoutes } from './routes/credit-lines.js';
import { dossierRoutes } from './routes/dossier.js';
import { eventFeedRoutes } from './routes/event-feed.js';
import { healthRoutes } from './routes/health.js';
import { ledgerRoutes } from './routes/ledger.js';
import { orderEventRoutes } from './routes/order-commands.js';
import { orderRoutes } from './routes/orders.js';
import { supplierRoutes } from './routes/suppliers.js';
import { TemporalOrders } from './temporal-orders.js';

export interface AppDeps {
  temporal: Client;
  pool: pg.Pool;
  taskQueue: string;
  /** JSON request logs (production); none when absent. */
  logger?: FastifyBaseLogger;
  /** The keys that may call /v1 (see api-keys.ts); none means every /v1 request is a 401. */
  apiKeys: readonly ApiKey[];
  /** Requests per minute and API key: one figure for every role, or per role (defaults for the rest). */
  rateLimitPerMinute?: number | Partial<Record<Role, number>>;
  /** How long a request waits for Temporal or PostgreSQL before it answers 503. */
  upstreamTimeoutMs?: number;
  /** How long one set of order counts answers the scrapes of the metrics (`app.listenMetrics`). */
  metricsCacheSeconds?: number;
  /** A server span per request (the Temporal client's spans are its children); none without it. */
  tracing?: Tracing;
  /** The supplier program's settings (config/program.ts); the defaults when absent. */
  program?: ProgramSettings;
  /** Requests per minute per client address to the public badge. */
  badgeRateLimitPerMinute?: number;
  /**
   * The Ed25519 private key (hex) that signs case dossiers. `npm run api` requires it and `npm
   * start` keeps a development one; an app built without one (tools, tests) signs with a key of its own.
   */
  dossierSigningKey?: string;
  /** The credit lines' settings (config/credit.ts); the defaults when absent. */
  credit?: CreditSettings;
  /** The payment methods the program covers (config/payment-methods.ts); the default when absent. */
  paymentMethods?: readonly PaymentMethod[];
  /** The key the API's client signs Updates with: the API signs a draw's steps on the line with it too. */
  eventSigningKey?: string;
}

/**
 * The one Fastify app of `npm run api`, `npm start` and the tests; its metrics are served apart,
 * by `app.listenMetrics`.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const timeoutMs = deps.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
  const limits = rateLimits(deps.rateLimitPerMinute);
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
    // Unique across replicas, so that a requestId quoted from a problem finds one log line.
    genReqId: () => randomUUID(),
  });
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the answers; they are not enforced at runtime, because a mismatch
  // would turn an event the workflow has already applied into a 500. The compiler checks them
  // against the workflow's types instead: the snapshot's schema is the one the workflow's types come from.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // JSON only: anything else is a 415 rather than a string that fails the schema.
  app.removeContentTypeParser('text/plain');

  // Every log line about an order carries its order id and workflow id, the request's log included.
  app.addHook('preHandler', async (request, reply) => {
    const orderId =
      (request.params as { orderId?: unknown } | undefined)?.orderId ??
      (request.body as { orderId?: unknown } | undefined)?.orderId;
    if (typeof orderId === 'string') {
      const log = request.log.child({ orderId, workflowId: workflowIdFor(orderId) });
      request.log = log;
      reply.log = log;
    }
  });

  const events = new OrderEventStore(deps.pool);
  const program = new SupplierProgram(deps.pool, deps.program ?? DEFAULT_PROGRAM_SETTINGS);
  const orders = new TemporalOrders(deps.temporal, deps.taskQueue, timeoutMs, program, events, app.log);
  const lines = new TemporalCreditLines(
    deps.temporal,
    deps.taskQueue,
    timeoutMs,
    deps.credit ?? DEFAULT_CREDIT_SETTINGS,
  );
  // First: it sees only the routes and hooks registered after it.
  if (deps.tracing) await app.register(requestTracing(deps.tracing));
  await app.register(problemJson);
  await app.register(helmet);
  // Before every route: the generator sees only routes registered after it.
  await app.register(openApi);
  await app.register(metrics, {
    countOrders: () => orders.countByStatus(),
    countsMaxAgeMs: (deps.metricsCacheSeconds ?? DEFAULT_METRICS_CACHE_SECONDS) * 1000,
  });
  await app.register(healthRoutes, { temporal: deps.temporal, pool: deps.pool, timeoutMs });
  await app.register(
    async (v1) => {
      await v1.register(auth, { keys: deps.apiKeys });
      await v1.register(rateLimit, {
        max: (request) =>
          request.principal ? limits[request.principal.role] : Math.min(...Object.values(limits)),
        timeWindow: 60_000,
        // After authentication (onRequest), before the body is read.
        hook: 'preParsing',
        keyGenerator: (request) => request.principal?.keyId ?? request.ip,
      });
      await v1.register(orderRoutes, { orders });
      await v1.register(orderEventRoutes, {
        orders,
        payments: new PaymentIntake(
          deps.paymentMethods ?? DEFAULT_PAYMENT_METHODS,
          lines,
          deps.eventSigningKey,
        ),
      });
      await v1.register(contractRoutes, { orders });
      await v1.register(dossierRoutes, {
        orders,
        events,
        ledger: new PostgresLedger(deps.pool),
        key: deps.dossierSigningKey
          ? { secretKey: deps.dossierSigningKey, publicKey: publicKeyOf(deps.dossierSigningKey) }
          : generateEventKeyPair(),
        timeoutMs,
      });
      await v1.register(ledgerRoutes, {
        orders,
        ledger: new PostgresLedger(deps.pool),
        books: new LedgerBooks(deps.pool),
        timeoutMs,
      });
      await v1.register(eventFeedRoutes, { orders, events, timeoutMs });
      await v1.register(supplierRoutes, {
        program,
        idempotency: new IdempotencyRecords(deps.pool),
        temporal: deps.temporal,
        taskQueue: deps.taskQueue,
        timeoutMs,
      });
      await v1.register(creditLineRoutes, {
        lines,
        idempotency: new IdempotencyRecords(deps.pool),
        timeoutMs,
      });
    },
    { prefix: '/v1' },
  );
  // Public: storefronts embed the badge as an image, with no key.
  await app.register(badgeRoutes, {
    prefix: '/v1',
    program,
    timeoutMs,
    perMinute: deps.badgeRateLimitPerMinute ?? DEFAULT_BADGE_RATE_LIMIT_PER_MINUTE,
  });
  return app;
}

/** Probes, every few seconds from every replica: no trace of a request worth having. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz']);

/**
 * One server span per request, named by its route (`POST /v1/orders/:orderId/payments`), continuing
 * the caller's trace when it sent a `traceparent`. The hooks (authentication, rate limit, headers)
 * are not spans of their own: they take microseconds, and the handler's span holds the rest.
 */
function requestTracing(tracing: Tracing) {
  const instrumentation = new FastifyOtelInstrumentation({
    instrumentHooks: false,
    ignorePaths: ({ url }) => UNTRACED_PATHS.has(url.split('?')[0] ?? url),
    requestHook: (span, request) => {
      const route = request.routeOptions.url;
      span.updateName(route ? `${request.method} ${route}` : request.method);
    },
  });
  instrumentation.setTracerProvider(tracing.tracerProvider);
  return instrumentation.plugin();
}

function rateLimits(configured: AppDeps['rateLimitPerMinute']): Record<Role, number> {
  if (typeof configured === 'number') {
    return Object.fromEntries(
      Object.keys(DEFAULT_RATE_LIMITS_PER_MINUTE).map((role) => [role, configured]),
    ) as Record<Role, number>;
  }
  return { ...DEFAULT_RATE_LIMITS_PER_MINUTE, ...configured };
}
