import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { webhookNotifier } from '../activities/webhook-notifier.js';
import { buildApp } from '../api/app.js';
import { apiClientInterceptors } from '../api/temporal-client.js';
import { parseApiKeys } from '../config/api-keys.js';
import { creditSettings } from '../config/credit.js';
import {
  ConfigError,
  dossierSigningKey,
  eventPublicKeys,
  eventSigningKey,
  loadConfig,
  loadConfigOrExit,
  rateLimitsPerMinute,
  temporalConnectionSettings,
  webhookSettings,
} from '../config/env.js';
import { coveredMethods } from '../config/payment-methods.js';
import { programSettings } from '../config/program.js';
import { tracingFromConfig } from '../config/tracing.js';
import { generateWebhookSecret } from '../config/webhook-secrets.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { ensureAssessmentSchedule } from '../worker/assessment-schedule.js';
import { createOrderWorker } from '../worker/order-worker.js';
import { installWorkerLogging } from '../worker/runtime-logging.js';
import { ensureSearchAttributes } from '../worker/search-attributes.js';
import { ensureStatementSchedule } from '../worker/statement-schedule.js';
import { STATEMENT_CRON } from '../workflows/model/ledger.js';
import { publicKeyOf } from '../workflows/rules/event-signature.js';
import { apiKeysSpec, loadOrCreateDevApiKeys } from './dev-api-keys.js';
import { loadOrCreateDevEventKeys } from './dev-event-keys.js';
import {
  DEFAULT_DEV_POSTGRES_PORT,
  type DevPostgres,
  DevPostgresError,
  startDevPostgres,
} from './dev-postgres.js';
import { type DevTemporal, startDevTemporal } from './dev-temporal-server.js';
import { loadOrCreateDevWebhookSecret } from './dev-webhook-secret.js';
import { acquireEngineLock, releaseEngineLock } from './engine-lock.js';
import { portInUse } from './free-port.js';

/**
 * `npm start`: the whole engine on one machine. A Temporal dev server (state in .data/), an
 * embedded PostgreSQL, the worker and the API, unless TEMPORAL_ADDRESS / DATABASE_URL point
 * at real ones. One per directory: `.data/engine.json` names the running one.
 */
const dataDir = join(process.cwd(), '.data');
const lockFile = join(dataDir, 'engine.json');
const log = (line: string) => console.log(line);
const stops: (() => Promise<void>)[] = [];
let running = false;
let stopping = false;

/** A reason not to start that the user can act on: printed without a stack. */
class StartError extends Error {}

async function stopAll() {
  for (const stop of stops) {
    await stop().catch((err: Error) => log(`[start] while stopping: ${err.message}`));
  }
  releaseEngineLock(lockFile);
}

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log(
    `\n[start] ${signal}: stopping ${running ? 'API, worker, Temporal and PostgreSQL' : 'what was started so far'}`,
  );
  await stopAll();
  process.exit(running ? 0 : 1);
}
// Listening from the first line: a signal in the middle of the start stops what already runs.
// `on`, not `once`: Ctrl-C reaches this process twice (from the terminal and relayed by tsx), and
// a second signal without a listener would kill it halfway through the shutdown.
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

const externalTemporal = process.env.TEMPORAL_ADDRESS;
const temporalPort = Number(process.env.TEMPORAL_PORT ?? 7233);
const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
const pgPort = Number(process.env.PGPORT ?? DEFAULT_DEV_POSTGRES_PORT);
// Checked before anything starts; the addresses of the servers started below, and the development
// webhook secret, are stand-ins here.
const planned = loadConfigOrExit(
  {
    ...process.env,
    TEMPORAL_ADDRESS: externalTemporal ?? `127.0.0.1:${temporalPort}`,
    DATABASE_URL: process.env.DATABASE_URL ?? `postgres://127.0.0.1:${pgPort}/escrow`,
    WEBHOOK_SECRETS: process.env.WEBHOOK_SECRETS || generateWebhookSecret(),
  },
  [],
  { addressOnly: true },
);

async function preflight() {
  mkdirSync(dataDir, { recursive: true });
  const holder = acquireEngineLock(lockFile, {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    api: `http://localhost:${planned.API_PORT}`,
    temporalUi: externalTemporal ? undefined : `http://localhost:${uiPort}`,
  });
  if (holder) {
    throw new StartError(
      [
        `the engine of this directory is already running (pid ${holder.pid}, since ${holder.startedAt}):`,
        `  API          ${holder.api}`,
        ...(holder.temporalUi ? [`  Temporal UI  ${holder.temporalUi}`] : []),
        `Use it, or stop it first (Ctrl-C in its terminal, or kill ${holder.pid}). Nothing was started.`,
      ].join('\n'),
      { cause: 'locked' },
    );
  }
  // [port, host, what, the variable that moves it]
  type Port = [number, string, string, string];
  const ports: Port[] = [
    ...(externalTemporal
      ? []
      : ([
          [temporalPort, '127.0.0.1', 'the Temporal dev server', 'TEMPORAL_PORT'],
          [uiPort, '127.0.0.1', 'the Temporal Web UI', 'TEMPORAL_UI_PORT'],
        ] as Port[])),
    ...(process.env.DATABASE_URL
      ? []
      : ([[pgPort, '127.0.0.1', 'the embedded PostgreSQL', 'PGPORT']] as Port[])),
    [planned.API_PORT, planned.API_HOST, 'the API', 'API_PORT'],
    ...(planned.API_METRICS_PORT
      ? ([[planned.API_METRICS_PORT, planned.API_HOST, "the API's metrics", 'API_METRICS_PORT']] as Port[])
      : []),
  ];
  const taken: string[] = [];
  for (const [port, host, what, variable] of ports) {
    if (port !== 0 && (await portInUse(port, host)))
      taken.push(`  port ${port} (${what}; ${variable}=<another port> to move it)`);
  }
  if (taken.length > 0) {
    throw new StartError(
      `already in use by another program (another engine elsewhere?):\n${taken.join('\n')}\nNothing was started.`,
    );
  }
}

async function start() {
  let temporal: DevTemporal | undefined;
  if (!externalTemporal) {
    log('[start] starting the Temporal dev server (state in .data/temporal.sqlite)');
    temporal = await startDevTemporal({
      dbFilename: join(dataDir, 'temporal.sqlite'),
      port: temporalPort,
      uiPort,
      walSqlite: true,
      log,
    });
    stops.unshift(temporal.stop);
  }
  const temporalAddress = externalTemporal ?? (temporal as DevTemporal).address;

  let postgres: DevPostgres | undefined;
  if (!process.env.DATABASE_URL) {
    log('[start] starting the embedded PostgreSQL');
    postgres = await startDevPostgres({ dir: join(dataDir, 'postgres'), port: pgPort, log });
    stops.unshift(postgres.stop);
  }
  // WEBHOOK_SECRETS, when set, replaces the development webhook secret.
  const devWebhookSecretFile = join(dataDir, 'dev-webhook-secret.json');
  const devWebhookSecret =
    !process.env.WEBHOOK_SECRETS && (planned.WEBHOOK_URLS.length > 0 || planned.ARBITRATION_WEBHOOK_URL)
      ? loadOrCreateDevWebhookSecret(devWebhookSecretFile, log)
      : undefined;
  const config = loadConfig(
    {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress,
      DATABASE_URL: process.env.DATABASE_URL ?? (postgres as DevPostgres).databaseUrl,
      ...(devWebhookSecret && { WEBHOOK_SECRETS: devWebhookSecret }),
    },
    { addressOnly: true },
  );
  const temporalSettings = temporalConnectionSettings(config);
  installWorkerLogging('WARN');

  // EVENT_SIGNING_KEY(_FILE), when set, replaces the development key pair; EVENT_PUBLIC_KEYS(_FILE)
  // then defaults to its public key.
  const signingKeyGiven = Boolean(config.EVENT_SIGNING_KEY || config.EVENT_SIGNING_KEY_FILE);
  const devEventKeysFile = join(dataDir, 'dev-event-keys.json');
  const signingKey = signingKeyGiven
    ? eventSigningKey(config)
    : loadOrCreateDevEventKeys(devEventKeysFile, log).secretKey;
  const publicKeys =
    config.EVENT_PUBLIC_KEYS || config.EVENT_PUBLIC_KEYS_FILE
      ? eventPublicKeys(config)
      : [publicKeyOf(signingKey)];
  // DOSSIER_SIGNING_KEY(_FILE), when set, replaces the development dossier key.
  const dossierKeyGiven = Boolean(config.DOSSIER_SIGNING_KEY || config.DOSSIER_SIGNING_KEY_FILE);
  const devDossierKeyFile = join(dataDir, 'dev-dossier-key.json');
  const dossierKey = dossierKeyGiven
    ? dossierSigningKey(config)
    : loadOrCreateDevEventKeys(devDossierKeyFile, log, 'dossier signing').secretKey;

  // The API and the worker in one process, each under its own service name.
  const apiTracing = tracingFromConfig(config, 'escrow-api');
  const workerTracing = tracingFromConfig(config, 'escrow-worker');
  for (const tracing of [apiTracing, workerTracing]) if (tracing) stops.unshift(tracing.shutdown);

  const pool = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  stops.unshift(() => pool.end());
  const applied = await migrate(pool);
  if (applied.length > 0) log(`[start] applied migrations: ${applied.join(', ')}`);

  const connection = await Connection.connect(temporalSettings);
  stops.unshift(() => connection.close());
  if (externalTemporal) await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
  const temporalClient = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    interceptors: { workflow: apiClientInterceptors(signingKey, apiTracing) },
  });

  const nativeConnection = await NativeConnection.connect(temporalSettings);
  stops.unshift(() => nativeConnection.close());
  const worker = await createOrderWorker({
    connection: nativeConnection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    pool,
    eventPublicKeys: publicKeys,
    notifier: config.ARBITRATION_WEBHOOK_URL
      ? webhookNotifier({ url: config.ARBITRATION_WEBHOOK_URL, secrets: config.WEBHOOK_SECRETS })
      : undefined,
    webhooks: webhookSettings(config),
    program: programSettings(config),
    workflowBundlePath: config.WORKFLOW_BUNDLE_PATH,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    tracing: workerTracing,
  });
  const workerDone = worker.run();
  await ensureAssessmentSchedule(temporalClient, {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    cron: config.PROGRAM_ASSESSMENT_SCHEDULE,
  });
  await ensureStatementSchedule(temporalClient, { taskQueue: config.TEMPORAL_TASK_QUEUE });
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
    rateLimitPerMinute: rateLimitsPerMinute(config),
    upstreamTimeoutMs: config.API_UPSTREAM_TIMEOUT_MS,
    metricsCacheSeconds: config.API_METRICS_CACHE_SECONDS,
    tracing: apiTracing,
    program: programSettings(config),
    credit: creditSettings(config),
    paymentMethods: coveredMethods(config.PAYMENT_METHODS_COVERED),
    eventSigningKey: signingKey,
    badgeRateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE_BADGE,
    dossierSigningKey: dossierKey,
  });
  await app.listen({ port: config.API_PORT, host: config.API_HOST });
  stops.unshift(() => app.close());
  if (config.API_METRICS_PORT) {
    await app.listenMetrics({ port: config.API_METRICS_PORT, host: config.API_HOST });
  }

  log('');
  log('Trade escrow engine is running:');
  log(`  API          http://localhost:${config.API_PORT}  (health: /healthz, docs: /docs)`);
  if (config.API_METRICS_PORT) log(`  API metrics  http://localhost:${config.API_METRICS_PORT}/metrics`);
  log(`  Assessment   Schedule supplier-assessment, ${config.PROGRAM_ASSESSMENT_SCHEDULE} (UTC)`);
  log(
    `  Statements   Schedule ledger-statement, ${STATEMENT_CRON} (UTC); npm run reconcile -- --date YYYY-MM-DD`,
  );
  if (temporal?.uiUrl) log(`  Temporal UI  ${temporal.uiUrl}`);
  log(`  Temporal     ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE})`);
  log(`  PostgreSQL   ${config.DATABASE_URL.replace(/:[^:@/]+@/, ':***@')}`);
  if (postgres?.dataDir) log(`               (data in ${postgres.dataDir})`);
  if (devKeys) {
    log(`  API keys     (development; kept in ${devKeysFile})`);
    for (const [role, key] of Object.entries(devKeys)) log(`    ${role.padEnd(12)} ${key}`);
  } else log('  API keys     from API_KEYS');
  if (apiTracing)
    log(
      `  Traces       OTLP to ${config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? config.OTEL_EXPORTER_OTLP_ENDPOINT}`,
    );
  log(
    `  Event keys   ${signingKeyGiven ? 'from EVENT_SIGNING_KEY' : `development pair in ${devEventKeysFile}`}; workers accept ${publicKeys.join(', ')}`,
  );
  log(
    `  Dossier key  ${dossierKeyGiven ? 'from DOSSIER_SIGNING_KEY' : `development pair in ${devDossierKeyFile}`}; public key ${publicKeyOf(dossierKey)}`,
  );
  if (devWebhookSecret) {
    log(`  Webhooks     signed with the development secret (kept in ${devWebhookSecretFile})`);
    log(`               ${devWebhookSecret}`);
  } else if (config.WEBHOOK_SECRETS.length > 0) log('  Webhooks     signed with WEBHOOK_SECRETS');
  log('Press Ctrl-C to stop.');
  running = true;
}

try {
  await preflight();
  await start();
} catch (err) {
  if (!stopping) {
    stopping = true;
    const known = err instanceof StartError || err instanceof ConfigError || err instanceof DevPostgresError;
    console.error(`[start] ${known ? (err as Error).message : ((err as Error).stack ?? String(err))}`);
    // The lock of the engine that runs is not ours to release.
    if ((err as Error).cause !== 'locked') await stopAll();
    process.exit(1);
  }
}
