import { Client, Connection } from '@temporalio/client';
import { parseApiKeys } from '../config/api-keys.js';
import { creditSettings } from '../config/credit.js';
import {
  dossierSigningKey,
  eventSigningKey,
  loadConfigOrExit,
  orExit,
  rateLimitsPerMinute,
  temporalConnectionSettings,
} from '../config/env.js';
import { createLogger } from '../config/logging.js';
import { coveredMethods } from '../config/payment-methods.js';
import { programSettings } from '../config/program.js';
import { startTokenSourceOrExit } from '../config/temporal-token.js';
import { tracingFromConfig } from '../config/tracing.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { publicKeyOf } from '../workflows/rules/event-signature.js';
import { buildApp } from './app.js';
import { apiClientInterceptors } from './temporal-client.js';

/** `npm run api`: one stateless API replica; run as many behind a load balancer as needed. */
const config = loadConfigOrExit(process.env, [
  { name: 'API_KEYS', hint: 'required: comma-separated role:key entries (docs/api.md#api-keys-and-roles)' },
]);
const signingKey = orExit(() => eventSigningKey(config));
const dossierKey = orExit(() => dossierSigningKey(config));
const logger = createLogger('escrow-api', config.LOG_LEVEL);
const tracing = tracingFromConfig(config, 'escrow-api');
const { oidc, ...settings } = orExit(() => temporalConnectionSettings(config));
// First: a process that cannot authenticate to Temporal should not start anything else.
const tokens = oidc && (await startTokenSourceOrExit(oidc, logger));
const pool = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
await migrate(pool);
// Every call reads the current token: a renewed one is used from the next call on.
const connection = await Connection.connect({
  ...settings,
  ...(tokens && { apiKey: () => tokens.current() }),
});
const temporal = new Client({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  interceptors: { workflow: apiClientInterceptors(signingKey, tracing) },
});
const app = await buildApp({
  temporal,
  pool,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  logger,
  apiKeys: parseApiKeys(config.API_KEYS ?? ''),
  rateLimitPerMinute: rateLimitsPerMinute(config),
  upstreamTimeoutMs: config.API_UPSTREAM_TIMEOUT_MS,
  metricsCacheSeconds: config.API_METRICS_CACHE_SECONDS,
  tracing,
  program: programSettings(config),
  credit: creditSettings(config),
  paymentMethods: coveredMethods(config.PAYMENT_METHODS_COVERED),
  eventSigningKey: signingKey,
  badgeRateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE_BADGE,
  dossierSigningKey: dossierKey,
});
await app.listen({ port: config.API_PORT, host: config.API_HOST });
logger.info(
  { dossierPublicKey: publicKeyOf(dossierKey) },
  `dossiers are signed by ${publicKeyOf(dossierKey)}`,
);
if (config.API_METRICS_PORT) {
  const url = await app.listenMetrics({ port: config.API_METRICS_PORT, host: config.API_HOST });
  logger.info({ url: `${url}/metrics` }, 'metrics listening');
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // `on`, not `once`: a repeated signal (a supervisor and a relay both sending it) must not kill
  // the process while it drains the requests in flight.
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    // A keep-alive connection that finishes its request after close() began would otherwise hold
    // the drain open for Fastify's 72 s keepAliveTimeout, past any stop grace period.
    const closeIdle = setInterval(() => app.server.closeIdleConnections(), 250);
    await app.close();
    clearInterval(closeIdle);
    await pool.end();
    await connection.close();
    tokens?.stop();
    await tracing?.shutdown();
    // The SDK's gRPC retry timers of calls that already gave up can outlive them by seconds and
    // would throw on the closed channel: exit now that every request has been answered.
    process.exit(0);
  });
}
