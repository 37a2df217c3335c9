import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import type pg from 'pg';
import { eventSigningInterceptor } from '../../api/event-signing.js';
import { TemporalOrders } from '../../api/temporal-orders.js';
import { loadConfig, loadConfigOrExit, orExit, temporalConnectionSettings } from '../../config/env.js';
import { programSettings } from '../../config/program.js';
import { generateWebhookSecret } from '../../config/webhook-secrets.js';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { SupplierProgram } from '../../db/supplier-program.js';
import { WORKFLOW_INTERCEPTORS_PATH, WORKFLOW_PRELOAD_MODULES } from '../../worker/workflow-bundle.js';
import { generateEventKeyPair } from '../../workflows/rules/event-signature.js';
import { startDevPostgres } from '../dev-postgres.js';
import { startDevTemporal } from '../dev-temporal-server.js';
import { freePort } from '../free-port.js';
import { type ApiClient, apiClient } from './api-client.js';
import { BENCH_SUPPLIER } from './order-inputs.js';
import { type Engines, startEngines } from './processes.js';
import { BENCH_PROGRAM_ENV } from './program.js';
import type { Progress } from './progress.js';
import type { Teardown } from './teardown.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhooks.js';

/** Everything the sections run against. */
export interface Bench {
  databaseUrl: string;
  /** The workflow bundle the worker runs (the ceilings beside the order). */
  bundlePath: string;
  db: pg.Pool;
  client: Client;
  /** The API's own code for starting orders, on `client`. */
  orders: TemporalOrders;
  taskQueue: string;
  api: ApiClient;
  engines: Engines;
  webhooks: WebhookReceiver;
  /** Processes by name, for their CPU and memory: `temporal` and `postgres` only when started here. */
  pids(): { worker?: number; api?: number; temporal?: number; postgres?: number };
}

/**
 * PostgreSQL and a Temporal dev server (or those of DATABASE_URL and TEMPORAL_ADDRESS), the bench's
 * workflow bundle, a webhook receiver, then the API and a worker on them; each stopped by `teardown`.
 */
export async function setUp(options: {
  root: string;
  workerNodeFlags: string[];
  teardown: Teardown;
  progress: Progress;
}): Promise<Bench> {
  const { teardown, progress } = options;
  const dir = await mkdtemp(join(tmpdir(), 'escrow-bench-'));
  teardown.add(() => rm(dir, { recursive: true, force: true }));
  await chmod(dir, 0o755);
  // PostgreSQL first: when it cannot run here, its message says what to do, and nothing else started.
  const postgres = process.env.DATABASE_URL
    ? { databaseUrl: process.env.DATABASE_URL, dataDir: undefined, stop: async () => {} }
    : await freePort().then((port) =>
        startDevPostgres({ dir: join(dir, 'pg'), port, ephemeral: true, log: progress }),
      );
  teardown.add(postgres.stop);
  const [temporalServer, bundlePath] = await Promise.all([
    process.env.TEMPORAL_ADDRESS
      ? { address: process.env.TEMPORAL_ADDRESS, pid: undefined, stop: async () => {} }
      : freePort().then((port) =>
          // The same server settings as `npm start`: a SQLite file with a write-ahead log.
          startDevTemporal({
            port,
            dbFilename: join(dir, 'temporal.sqlite'),
            walSqlite: true,
            log: progress,
          }),
        ),
    bundleWorkflowCode({
      workflowsPath: join(import.meta.dirname, 'workflows.ts'),
      workflowInterceptorModules: [WORKFLOW_INTERCEPTORS_PATH],
      preloadModules: WORKFLOW_PRELOAD_MODULES,
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
    }).then(async ({ code }) => {
      const path = join(dir, 'bench-bundle.js');
      await writeFile(path, code);
      return path;
    }),
  ]);
  teardown.add(temporalServer.stop);
  progress(`Temporal at ${temporalServer.address}, PostgreSQL ready, workflows bundled`);
  const db = createPool(postgres.databaseUrl, 4);
  teardown.add(() => db.end());
  await migrate(db);
  // Every order is the bench supplier's: enrolled, with room for every order a section keeps open.
  const program = new SupplierProgram(
    db,
    programSettings(loadConfig({ DATABASE_URL: postgres.databaseUrl, ...BENCH_PROGRAM_ENV })),
  );
  await program.put(
    BENCH_SUPPLIER.id,
    { name: BENCH_SUPPLIER.name, country: 'DE', enrolled: true },
    new Date(),
  );

  // The engine processes' settings, for this client too: a dev server of the bench's own is reached
  // in plain gRPC, whatever the default profile of the developer's `temporal` CLI says.
  const temporalEnv = {
    TEMPORAL_ADDRESS: temporalServer.address,
    ...(process.env.TEMPORAL_ADDRESS ? {} : { TEMPORAL_CONFIG_FILE: '/dev/null' }),
  };
  const { oidc: _oidc, ...temporalSettings } = orExit(() =>
    temporalConnectionSettings(
      loadConfigOrExit({ ...process.env, ...temporalEnv, DATABASE_URL: postgres.databaseUrl }),
    ),
  );
  const connection = await Connection.connect(temporalSettings);
  teardown.add(() => connection.close());
  // The API signs every event it sends to an order and the worker accepts only its key: the
  // direct client signs as the API does, so that both carry the same work.
  const eventKeys = generateEventKeyPair();
  const client = new Client({
    connection,
    interceptors: { workflow: [eventSigningInterceptor(eventKeys.secretKey)] },
  });
  const taskQueue = `bench-${Date.now()}`;
  const keys = {
    marketplace: `bench-marketplace-${randomUUID()}`,
    arbitrator: `bench-arbitrator-${randomUUID()}`,
  };

  const webhooks = await startWebhookReceiver(teardown);
  const engines = await startEngines({
    root: options.root,
    // Worker settings from this environment (WORKER_*, DATABASE_POOL_SIZE) apply to both processes.
    env: {
      ...process.env,
      ...temporalEnv,
      DATABASE_URL: postgres.databaseUrl,
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      EVENT_PUBLIC_KEYS: eventKeys.publicKey,
      EVENT_SIGNING_KEY: eventKeys.secretKey,
      DOSSIER_SIGNING_KEY: generateEventKeyPair().secretKey,
      WEBHOOK_URLS: webhooks.url,
      WEBHOOK_SECRETS: generateWebhookSecret(),
      // Coverage for the bench supplier's open orders: the memory section keeps 10,000 open at once.
      ...BENCH_PROGRAM_ENV,
      // The program section's GETs of a profile answer in a few milliseconds, one after the other.
      RATE_LIMIT_PER_MINUTE_MARKETPLACE: '600000',
    },
    apiKeys: `marketplace:${keys.marketplace},arbitrator:${keys.arbitrator}`,
    nodeFlags: options.workerNodeFlags,
    client,
    taskQueue,
    teardown,
    progress,
  });
  const postmasterPid = postmasterPidIn(postgres.dataDir);
  return {
    databaseUrl: postgres.databaseUrl,
    bundlePath,
    db,
    client,
    orders: new TemporalOrders(client, taskQueue, 60_000, program),
    taskQueue,
    api: apiClient(engines.apiUrl, keys),
    engines,
    webhooks,
    pids: () => ({ ...engines.pids(), temporal: temporalServer.pid, postgres: postmasterPid }),
  };
}

/** The postmaster's pid is the first line of postmaster.pid in its data directory. */
function postmasterPidIn(dataDir: string | undefined): number | undefined {
  if (!dataDir) return undefined;
  try {
    return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}
