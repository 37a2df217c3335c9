import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import {
  type InjectedSinks,
  type NativeConnection,
  Runtime,
  Worker,
  type WorkerInterceptors,
} from '@temporalio/worker';
import type pg from 'pg';
import { createCreditLineActivities } from '../activities/credit-line.js';
import { createActivities } from '../activities/index.js';
import { createLedgerActivities } from '../activities/ledger.js';
import { logNotifier, type Notifier } from '../activities/notifier.js';
import { createProgramActivities } from '../activities/program.js';
import { WEBHOOK_TRACER, WebhookDelivery, type WebhookSettings } from '../activities/webhook-delivery.js';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../config/env.js';
import { DEFAULT_PROGRAM_SETTINGS } from '../config/program.js';
import type { Tracing } from '../config/tracing.js';
import { LedgerBooks } from '../db/ledger-books.js';
import { OrderEventStore } from '../db/order-event-store.js';
import type { PaymentsGateway } from '../db/payments-gateway.js';
import { PostgresLedger } from '../db/postgres-ledger.js';
import { SupplierProgram } from '../db/supplier-program.js';
import type { OrderSinks, StrayMove } from '../workflows/model/sinks.js';
import type { ProgramSettings } from '../workflows/rules/program.js';
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
  /** Where order and supplier events are POSTed; without it they are only in the pull feed. */
  webhooks?: WebhookSettings;
  /** The supplier program's settings (config/program.ts): the same as the API's. The defaults when absent. */
  program?: ProgramSettings;
  shutdownGraceTime?: string;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxCachedWorkflows?: number;
  /** Hears of every move an order made that the lifecycle table lacks, besides the log and the metric. */
  onStrayMove?: (move: StrayMove) => void;
  /** Activities of workflows bundled beside the order, e.g. the benchmark's ceiling. */
  extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>;
  /** Spans of the workflows, the activities and the webhook POSTs; none without it. */
  tracing?: Tracing;
}

/**
 * A move the lifecycle table lacks is a bug of the workflow code: logged, counted for an alert.
 * The workflows' spans leave the sandbox through `exporter`: an order started with a trace makes
 * them whether this worker traces or not (workflows/interceptors.ts); without tracing they are dropped.
 */
function orderSinks(
  onStrayMove?: (move: StrayMove) => void,
  tracing?: Tracing,
): InjectedSinks<OrderSinks & OpenTelemetrySinks> {
  const { logger, metricMeter } = Runtime.instance();
  const strayMoves = metricMeter.createCounter(
    'order_stray_moves',
    'moves',
    'Moves of an order between two statuses that no transition of the lifecycle table makes',
  );
  return {
    exporter: tracing
      ? makeWorkflowExporter(tracing.spanProcessor, tracing.resource)
      : { export: { fn: () => {} } },
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

/** Each activity a span, child of the workflow's span that scheduled it (from the activity's headers). */
function activityTracing(tracing: Tracing): WorkerInterceptors['activity'] {
  const tracer = tracing.tracerProvider.getTracer('@temporalio/interceptor-activity');
  return [
    (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
      // Activity log lines carry the trace and span ids.
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
  ];
}

/**
 * The worker of the orders, of the credit lines, of the supplier program's workflows (the
 * assessment, the delivery of supplier events) and of the ledger's daily statement, on one task queue.
 */
export async function createOrderWorker(options: OrderWorkerOptions): Promise<Worker> {
  const events = new OrderEventStore(options.pool);
  const { tracing } = options;
  const webhooks = new WebhookDelivery(
    options.pool,
    events,
    options.webhooks ?? { urls: [], secrets: [] },
    tracing?.tracerProvider.getTracer(WEBHOOK_TRACER),
  );
  return Worker.create({
    sinks: orderSinks(options.onStrayMove, tracing),
    ...(tracing && { interceptors: { activity: activityTracing(tracing) } }),
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
        webhooks,
      }),
      ...createCreditLineActivities({ pool: options.pool, ledger: new PostgresLedger(options.pool), events }),
      ...createProgramActivities({
        program: new SupplierProgram(options.pool, options.program ?? DEFAULT_PROGRAM_SETTINGS),
        events,
        webhooks,
      }),
      ...createLedgerActivities(new LedgerBooks(options.pool)),
    },
    shutdownGraceTime: options.shutdownGraceTime ?? '30 seconds',
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions: options.maxConcurrentWorkflowTaskExecutions,
    maxCachedWorkflows: options.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
  });
}
