import { type NativeConnection, Worker } from '@temporalio/worker';
import type pg from 'pg';
import { createActivities } from '../activities/index.js';
import { logNotifier, type Notifier } from '../activities/notifier.js';
import { WebhookDelivery, type WebhookSettings } from '../activities/webhook-delivery.js';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../config/env.js';
import { OrderEventStore } from '../db/order-event-store.js';
import type { PaymentsGateway } from '../db/payments-gateway.js';
import { PostgresLedger } from '../db/postgres-ledger.js';
import { workflowSource } from './workflow-bundle.js';

export const DEFAULT_TASK_QUEUE = 'escrow-orders';

export interface OrderWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  pool: pg.Pool;
  workflowBundlePath?: string;
  /** Public keys whose signatures on marketplace events are accepted: the API's (two while rotating). */
  eventPublicKeys: readonly string[];
  /** Replaces the ledger, e.g. with a marketplace's own payments system. */
  payments?: PaymentsGateway;
  notifier?: Notifier;
  /** Where order events are POSTed; without it they are only in the pull feed. */
  webhooks?: WebhookSettings;
  shutdownGraceTime?: string;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxCachedWorkflows?: number;
  /** Activities of workflows bundled beside the order, e.g. the benchmark's ceiling. */
  extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>;
}

export async function createOrderWorker(options: OrderWorkerOptions): Promise<Worker> {
  const events = new OrderEventStore(options.pool);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(await workflowSource(options.eventPublicKeys, options.workflowBundlePath)),
    activities: {
      ...options.extraActivities,
      ...createActivities({
        payments: options.payments ?? new PostgresLedger(options.pool),
        notifier: options.notifier ?? logNotifier,
        events,
        webhooks: new WebhookDelivery(options.pool, events, options.webhooks ?? { urls: [], secrets: [] }),
      }),
    },
    shutdownGraceTime: options.shutdownGraceTime ?? '30 seconds',
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions: options.maxConcurrentWorkflowTaskExecutions,
    maxCachedWorkflows: options.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
  });
}
