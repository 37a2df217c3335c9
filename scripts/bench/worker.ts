import { NativeConnection, Runtime } from '@temporalio/worker';
import {
  eventPublicKeys,
  loadConfigOrExit,
  orExit,
  temporalConnectionSettings,
  webhookSettings,
} from '../../config/env.js';
import { createLogger, temporalLogger } from '../../config/logging.js';
import { programSettings } from '../../config/program.js';
import { tracingFromConfig } from '../../config/tracing.js';
import { createPool } from '../../db/pool.js';
import { createOrderWorker } from '../../worker/order-worker.js';
import { benchActivities } from './activities.js';

/**
 * The benchmark's worker: the options `npm run worker` derives from the same environment, with
 * the ceilings' no-op activity beside the order's (the bench's bundle holds their workflows).
 */
const config = loadConfigOrExit();
Runtime.install({ logger: temporalLogger(createLogger('escrow-bench-worker', config.LOG_LEVEL)) });
const tracing = tracingFromConfig(config, 'escrow-worker');
const pool = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
// The bench runs against a dev server or TEMPORAL_ADDRESS with a fixed key, never with OIDC tokens.
const { oidc: _oidc, ...settings } = orExit(() => temporalConnectionSettings(config));
const connection = await NativeConnection.connect(settings);
const worker = await createOrderWorker({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  pool,
  workflowBundlePath: config.WORKFLOW_BUNDLE_PATH,
  eventPublicKeys: orExit(() => eventPublicKeys(config)),
  webhooks: webhookSettings(config),
  program: programSettings(config),
  shutdownGraceTime: `${config.WORKER_SHUTDOWN_GRACE_SECONDS} seconds`,
  maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
  maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
  maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  extraActivities: benchActivities,
  tracing,
});
await worker.run();
await connection.close();
await pool.end();
await tracing?.shutdown();
