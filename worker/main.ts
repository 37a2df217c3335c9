import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { webhookNotifier } from '../activities/webhook-notifier.js';
import {
  eventPublicKeys,
  loadConfigOrExit,
  orExit,
  temporalConnectionSettings,
  webhookSettings,
} from '../config/env.js';
import { createLogger, temporalLogger } from '../config/logging.js';
import { programSettings } from '../config/program.js';
import { startTokenSourceOrExit } from '../config/temporal-token.js';
import { tracingFromConfig } from '../config/tracing.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { STATEMENT_CRON } from '../workflows/model/ledger.js';
import { ensureAssessmentSchedule } from './assessment-schedule.js';
import { createOrderWorker } from './order-worker.js';
import { untilItSucceeds } from './schedules.js';
import { ensureSearchAttributes } from './search-attributes.js';
import { ensureStatementSchedule } from './statement-schedule.js';

/**
 * `npm run worker`: one worker replica; run as many as the load needs. SIGINT or SIGTERM stops
 * polling and gives running activities the grace time to finish; one cut off is retried
 * elsewhere with the same idempotency key.
 */
const config = loadConfigOrExit();
const logger = createLogger('escrow-worker', config.LOG_LEVEL);
const tracing = tracingFromConfig(config, 'escrow-worker');
Runtime.install({
  logger: temporalLogger(logger),
  telemetryOptions: config.WORKER_METRICS_PORT
    ? {
        metrics: {
          // Prometheus' conventions: counters end in _total, durations are in seconds and say so
          // (temporal_workflow_task_schedule_to_start_latency_seconds), as the API's own are.
          prometheus: {
            bindAddress: `0.0.0.0:${config.WORKER_METRICS_PORT}`,
            countersTotalSuffix: true,
            unitSuffix: true,
            useSecondsForDurations: true,
          },
        },
      }
    : undefined,
});
const { oidc, ...settings } = orExit(() => temporalConnectionSettings(config));
const publicKeys = orExit(() => eventPublicKeys(config));
// First: a process that cannot authenticate to Temporal should not start anything else.
const tokens = oidc && (await startTokenSourceOrExit(oidc, logger));
const pool = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
await migrate(pool);

const client = await Connection.connect({ ...settings, ...(tokens && { apiKey: () => tokens.current() }) });
try {
  const added = await ensureSearchAttributes(client, config.TEMPORAL_NAMESPACE);
  if (added.length > 0) logger.info({ added }, 'registered search attributes');
} catch (err) {
  // Temporal Cloud refuses the operator API to ordinary keys; there they are set up in the console.
  logger.warn({ err }, 'could not check the search attributes; make sure they exist');
}
const schedules = new Client({ connection: client, namespace: config.TEMPORAL_NAMESPACE });
// Orders go on without the Schedules: only the program's statuses and the days' closing wait, so the
// worker polls at once and the Schedules are made in the background for as long as it takes.
const stopScheduling = new AbortController();
const scheduling = Promise.all([
  untilItSucceeds(
    () =>
      ensureAssessmentSchedule(schedules, {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        cron: config.PROGRAM_ASSESSMENT_SCHEDULE,
      }),
    {
      signal: stopScheduling.signal,
      onFailure: (err, retryInMs) =>
        logger.error({ err, retryInMs }, 'could not create the supplier-assessment schedule; trying again'),
    },
  ).then((schedule) => {
    if (schedule)
      logger.info({ schedule, cron: config.PROGRAM_ASSESSMENT_SCHEDULE }, 'supplier assessment scheduled');
  }),
  untilItSucceeds(() => ensureStatementSchedule(schedules, { taskQueue: config.TEMPORAL_TASK_QUEUE }), {
    signal: stopScheduling.signal,
    onFailure: (err, retryInMs) =>
      logger.error({ err, retryInMs }, 'could not create the ledger-statement schedule; trying again'),
  }).then((schedule) => {
    if (schedule) logger.info({ schedule, cron: STATEMENT_CRON }, 'ledger statement scheduled');
  }),
]);

const connection = await NativeConnection.connect({
  ...settings,
  ...(tokens && { apiKey: tokens.current() }),
});
// The native connection keeps the key it was given: hand it every renewed token.
tokens?.onRefresh((token) => {
  connection
    .setApiKey(token)
    .catch((err) => logger.warn({ err }, 'could not hand the renewed token to the worker'));
});
const worker = await createOrderWorker({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  pool,
  workflowBundlePath: config.WORKFLOW_BUNDLE_PATH,
  eventPublicKeys: publicKeys,
  notifier: config.ARBITRATION_WEBHOOK_URL
    ? webhookNotifier({ url: config.ARBITRATION_WEBHOOK_URL, secrets: config.WEBHOOK_SECRETS })
    : undefined,
  webhooks: webhookSettings(config),
  program: programSettings(config),
  shutdownGraceTime: `${config.WORKER_SHUTDOWN_GRACE_SECONDS} seconds`,
  maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
  maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
  maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  tracing,
});
logger.info(
  {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    namespace: config.TEMPORAL_NAMESPACE,
    address: config.TEMPORAL_ADDRESS,
    metricsPort: config.WORKER_METRICS_PORT,
    webhooks: config.WEBHOOK_URLS.length,
    webhookSecrets: config.WEBHOOK_SECRETS.length,
    eventPublicKeys: publicKeys,
    tracing: Boolean(tracing),
  },
  'worker polling',
);
// The SDK's runtime starts the shutdown on the first signal and then stops listening; a repeated
// signal (a supervisor and a relay both sending it) must not kill the process while it drains.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => logger.info({ signal }, 'draining: finishing the activities in flight'));
}
await worker.run();
stopScheduling.abort();
await scheduling;
await client.close();
await connection.close();
tokens?.stop();
await pool.end();
await tracing?.shutdown();
logger.info('worker stopped');
