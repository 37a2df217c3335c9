import { type InjectedSinks, type NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type pg from 'pg';
import { createActivities } from '../activities/index.js';
import { logNotifier, type Notifier } from '../activities/notifier.js';
import { WebhookDelivery, type WebhookSettings } from '../activities/webhook-delivery.js';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../config/env.js';
import { OrderEventStore } from '../db/order-event-store.js';
import type { PaymentsGateway } from '../db/payments-gateway.js';
import { PostgresLedger } from '../db/postgres-ledger.js';
import type { OrderSinks, StrayMove } from '../workflows/model/sinks.js';
import { workflowSource } from './workflow-bundle.js';

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
  /** Hears of every move an order made that the lifecycle table lacks, besides the log and the metric. */
  onStrayMove?: (move: StrayMove) => void;
  /** Activities of workflows bundled beside the order, e.g. the benchmark's ceiling. */
  extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>;
}

/** A move the lifecycle table lacks is a bug of the workflow code: logged, counted for an alert. */
function orderSinks(onStrayMove?: (move: StrayMove) => void): InjectedSinks<OrderSinks> {
  const { logger, metricMeter } = Runtime.instance();
  const strayMoves = metricMeter.createCounter(
    'order_stray_moves',
    'moves',
    'Moves of an order between two statuses that no transition of the lifecycle table makes',
  );
  return {
    lifecycle: {
      strayMove: {
        fn: (_info, move) => {
          logger.error('an order moved along a transition the lifecycle table lacks', { ...move });
          strayMoves.add(1, { from: move.from, to: move.to });
          onStrayMove?.(move);
        },
      },
    },
  };
}

export async function createOrderWorker(options: OrderWorkerOptions): Promise<Worker> {
  const events = new OrderEventStore(options.pool);
  return Worker.create({
    sinks: orderSinks(options.onStrayMove),
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
