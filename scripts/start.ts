import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { webhookNotifier } from '../activities/webhook-notifier.js';
import { buildApp } from '../api/app.js';
import { parseApiKeys } from '../config/api-keys.js';
import { loadConfig } from '../config/env.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { createOrderWorker } from '../worker/order-worker.js';
import { installWorkerLogging } from '../worker/runtime-logging.js';
import { ensureSearchAttributes } from '../worker/search-attributes.js';
import { apiKeysSpec, loadOrCreateDevApiKeys } from './dev-api-keys.js';
import { type DevPostgres, startDevPostgres } from './dev-postgres.js';
import { type DevTemporal, startDevTemporal } from './dev-temporal-server.js';

/**
 * `npm start`: the whole engine on one machine. A Temporal dev server (state in .data/), an
 * embedded PostgreSQL, the worker and the API, unless TEMPORAL_ADDRESS / DATABASE_URL point
 * at real ones.
 */
const dataDir = join(process.cwd(), '.data');
mkdirSync(dataDir, { recursive: true });
// The embedded PostgreSQL runs as an unprivileged user when we are root.
chmodSync(dataDir, 0o755);
const log = (line: string) => console.log(line);
installWorkerLogging('WARN');
const stops: (() => Promise<void>)[] = [];

const externalTemporal = process.env.TEMPORAL_ADDRESS;
let temporal: DevTemporal | undefined;
if (!externalTemporal) {
  log('[start] starting the Temporal dev server (state in .data/temporal.sqlite)');
  temporal = await startDevTemporal({
    dbFilename: join(dataDir, 'temporal.sqlite'),
    port: Number(process.env.TEMPORAL_PORT ?? 7233),
    uiPort: Number(process.env.TEMPORAL_UI_PORT ?? 8233),
    log,
  });
  stops.unshift(temporal.stop);
}
const temporalAddress = externalTemporal ?? (temporal as DevTemporal).address;

let postgres: DevPostgres | undefined;
if (!process.env.DATABASE_URL) {
  log('[start] starting the embedded PostgreSQL (data in .data/postgres)');
  postgres = await startDevPostgres({
    dir: join(dataDir, 'postgres'),
    port: Number(process.env.PGPORT ?? 54329),
    log,
  });
  stops.unshift(postgres.stop);
}
const config = loadConfig({
  ...process.env,
  TEMPORAL_ADDRESS: temporalAddress,
  DATABASE_URL: process.env.DATABASE_URL ?? (postgres as DevPostgres).databaseUrl,
});

const pool = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
stops.unshift(() => pool.end());
const applied = await migrate(pool);
if (applied.length > 0) log(`[start] applied migrations: ${applied.join(', ')}`);

const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
stops.unshift(() => connection.close());
if (externalTemporal) await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
const temporalClient = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });

const nativeConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
stops.unshift(() => nativeConnection.close());
const worker = await createOrderWorker({
  connection: nativeConnection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  pool,
  notifier: config.ARBITRATION_WEBHOOK_URL
    ? webhookNotifier({ url: config.ARBITRATION_WEBHOOK_URL })
    : undefined,
  webhooks: { urls: config.WEBHOOK_URLS, secret: config.WEBHOOK_SECRET ?? '' },
});
const workerDone = worker.run();
stops.unshift(async () => {
  // The SDK's own SIGINT/SIGTERM handler may have begun the shutdown already.
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await workerDone;
});

// API_KEYS, when set, replaces the development keys.
const devKeysFile = join(dataDir, 'dev-api-keys.json');
const devKeys = config.API_KEYS ? undefined : loadOrCreateDevApiKeys(devKeysFile, log);
const app = await buildApp({
  temporal: temporalClient,
  pool,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  apiKeys: parseApiKeys(devKeys ? apiKeysSpec(devKeys) : (config.API_KEYS ?? '')),
  rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
  upstreamTimeoutMs: config.API_UPSTREAM_TIMEOUT_MS,
});
await app.listen({ port: config.API_PORT, host: config.API_HOST });
stops.unshift(() => app.close());

log('');
log('Trade escrow engine is running:');
log(`  API          http://localhost:${config.API_PORT}  (health: /healthz, docs: /docs)`);
if (temporal?.uiUrl) log(`  Temporal UI  ${temporal.uiUrl}`);
log(`  Temporal     ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE})`);
log(`  PostgreSQL   ${config.DATABASE_URL.replace(/:[^:@/]+@/, ':***@')}`);
if (devKeys) {
  log(`  API keys     (development; kept in ${devKeysFile})`);
  for (const [role, key] of Object.entries(devKeys)) log(`    ${role.padEnd(12)} ${key}`);
} else log('  API keys     from API_KEYS');
log('Press Ctrl-C to stop.');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log(`\n[start] ${signal}: stopping API, worker, Temporal and PostgreSQL`);
  for (const stop of stops) {
    await stop().catch((err: Error) => log(`[start] while stopping: ${err.message}`));
  }
  process.exit(0);
}
// `on`, not `once`: Ctrl-C reaches this process twice (from the terminal and relayed by tsx), and
// a second signal without a listener would kill it halfway through the shutdown.
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
