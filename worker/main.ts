import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { migrate } from '../activities/db/migrate.js';
import { createPool } from '../activities/db/pool.js';
import { webhookNotifier } from '../activities/webhook-notifier.js';
import { loadConfig, temporalConnectionSettings } from './config.js';
import { createOrderWorker } from './order-worker.js';
import { ensureSearchAttributes } from './search-attributes.js';

/** `npm run worker`: one worker replica; run as many as the load needs. */
const config = loadConfig();
const settings = temporalConnectionSettings(config);
const pool = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
await migrate(pool);

const client = await Connection.connect(settings);
try {
  const added = await ensureSearchAttributes(client, config.TEMPORAL_NAMESPACE);
  if (added.length > 0) console.log(`registered search attributes: ${added.join(', ')}`);
} catch (err) {
  // Temporal Cloud refuses the operator API to ordinary keys; there they are set up in the console.
  console.warn(`could not check search attributes (${(err as Error).message}); make sure they exist`);
} finally {
  await client.close();
}

const connection = await NativeConnection.connect(settings);
const worker = await createOrderWorker({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  pool,
  workflowBundlePath: config.WORKFLOW_BUNDLE_PATH,
  notifier: config.ARBITRATION_WEBHOOK_URL
    ? webhookNotifier({ url: config.ARBITRATION_WEBHOOK_URL })
    : undefined,
});
console.log(
  `worker polling ${config.TEMPORAL_TASK_QUEUE} on ${config.TEMPORAL_ADDRESS}/${config.TEMPORAL_NAMESPACE}`,
);
await worker.run();
await connection.close();
await pool.end();
