import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import type { Notifier } from '../../activities/notifier.js';
import type { WebhookSettings } from '../../activities/webhook-delivery.js';
import { startOrderWorkflow } from '../../api/order-start.js';
import { apiClientInterceptors } from '../../api/temporal-client.js';
import { loadConfig, temporalConnectionSettings } from '../../config/env.js';
import { startTokenSource } from '../../config/temporal-token.js';
import type { Tracing } from '../../config/tracing.js';
import { OrderEventStore } from '../../db/order-event-store.js';
import type { PaymentsGateway } from '../../db/payments-gateway.js';
import { createPool } from '../../db/pool.js';
import { PostgresLedger } from '../../db/postgres-ledger.js';
import { createOrderWorker } from '../../worker/order-worker.js';
import { installWorkerLogging } from '../../worker/runtime-logging.js';
import { orderQuery } from '../../workflows/model/messages.js';
import type { StrayMove } from '../../workflows/model/sinks.js';
import type { OrderSnapshot, OrderStatus } from '../../workflows/model/state.js';
import type { order } from '../../workflows/order-workflow.js';
import type { ProgramSettings } from '../../workflows/rules/program.js';
import {
  type ContractInput,
  ContractInputSchema,
  contractProblems,
  normalizeContract,
} from '../../workflows/schemas/contract.js';
import { TEST_EVENT_KEYS } from './event-keys.js';
import { storedAnswersInterceptor } from './stored-answers.js';

/**
 * A worker on a task queue of its own, a client and a pool, against the run's shared servers. The
 * client signs its Updates as the API does (TEST_EVENT_KEYS), and the worker accepts that key.
 */
export interface Harness {
  client: Client;
  pool: pg.Pool;
  ledger: PostgresLedger;
  taskQueue: string;
  startWorker(options?: {
    payments?: PaymentsGateway;
    webhooks?: WebhookSettings;
    notifier?: Notifier;
    /** The public keys the worker accepts; the harness client's by default. */
    eventPublicKeys?: string[];
    tracing?: Tracing;
    /** The supplier program's settings; the defaults when absent. */
    program?: ProgramSettings;
    /** 0: every workflow task replays the order's history from the start. */
    maxCachedWorkflows?: number;
  }): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The settings the production processes derive from their environment: on an authorizing cluster
 * the client holds the API's credentials and the worker the worker's, renewed like theirs.
 */
async function connectionSettings(kind: 'worker' | 'api') {
  const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: inject('databaseUrl') };
  const { oidc, ...settings } = temporalConnectionSettings(
    loadConfig({ ...env, ...inject('temporalEngineAuthEnv')?.[kind] }),
  );
  return { settings, tokens: oidc && (await startTokenSource(oidc)) };
}

/**
 * `tracing`: the client's spans, as the API's client makes them. `databaseUrl`: another database than
 * the run's (test/support/databases.ts), for tests that need one of their own.
 */
export async function createHarness(
  options: { tracing?: Tracing; databaseUrl?: string } = {},
): Promise<Harness> {
  installWorkerLogging('WARN');
  const api = await connectionSettings('api');
  const connection = await Connection.connect({
    ...api.settings,
    ...(api.tokens && { apiKey: () => api.tokens?.current() ?? '' }),
  });
  const pool = createPool(options.databaseUrl ?? inject('databaseUrl'), 5);
  const client: Client = new Client({
    connection,
    interceptors: {
      workflow: [
        storedAnswersInterceptor(new OrderEventStore(pool), () => client),
        ...apiClientInterceptors(TEST_EVENT_KEYS.secretKey, options.tracing),
      ],
    },
  });
  const worker = await connectionSettings('worker');
  const nativeConnection = await NativeConnection.connect({
    ...worker.settings,
    ...(worker.tokens && { apiKey: worker.tokens.current() }),
  });
  worker.tokens?.onRefresh((token) => void nativeConnection.setApiKey(token));
  const taskQueue = `test-${randomUUID()}`;
  let running: { worker: Worker; done: Promise<void> } | undefined;
  const strayMoves: StrayMove[] = [];
  const harness: Harness = {
    client,
    pool,
    ledger: new PostgresLedger(pool),
    taskQueue,
    async startWorker(options = {}) {
      const worker = await createOrderWorker({
        connection: nativeConnection,
        namespace: 'default',
        taskQueue,
        pool,
        workflowBundlePath: inject('workflowBundlePath'),
        eventPublicKeys: options.eventPublicKeys ?? [TEST_EVENT_KEYS.publicKey],
        payments: options.payments,
        webhooks: options.webhooks,
        notifier: options.notifier,
        tracing: options.tracing,
        program: options.program,
        maxCachedWorkflows: options.maxCachedWorkflows,
        shutdownGraceTime: '5 seconds',
        onStrayMove: (move) => strayMoves.push(move),
      });
      running = { worker, done: worker.run() };
    },
    async stopWorker() {
      if (!running) return;
      running.worker.shutdown();
      await running.done;
      running = undefined;
    },
    async close() {
      await harness.stopWorker();
      await nativeConnection.close();
      await connection.close();
      api.tokens?.stop();
      worker.tokens?.stop();
      await pool.end();
      // Every test of the file fails on a move the lifecycle table lacks, whatever it asserted.
      if (strayMoves.length > 0) {
        throw new Error(
          `orders moved where the lifecycle table does not lead: ${JSON.stringify(strayMoves)}`,
        );
      }
    },
  };
  return harness;
}

const SECOND = 1000;
export const at = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();

/** A contract with second-scale deadlines; every test overrides what it exercises. */
export function testContract(overrides: Partial<ContractInput> = {}): ContractInput {
  return {
    orderId: `T-${randomUUID()}`,
    buyer: { id: 'buyer-1', name: 'Acme Buyer' },
    supplier: { id: 'supplier-1', name: 'Steel Supplier' },
    currency: 'USD',
    amount: 1_250_000,
    fundBy: at(60 * SECOND),
    shipBy: at(120 * SECOND),
    inspectionWindow: 'PT60S',
    negotiationWindow: 'PT60S',
    arbitrationSla: 'PT60S',
    quantity: { ordered: 1000, unit: 'kg', tolerancePct: 2 },
    quality: [
      { attribute: 'moisture', max: 12, unit: '%' },
      { attribute: 'grade', oneOf: ['A', 'B'] },
    ],
    ...overrides,
  };
}

export async function startOrder(
  client: Client,
  taskQueue: string,
  input: ContractInput,
): Promise<WorkflowHandle<typeof order>> {
  const parsed = ContractInputSchema.parse(input);
  const now = new Date();
  const problems = contractProblems(parsed, now);
  if (problems.length > 0) throw new Error(`test contract has problems: ${JSON.stringify(problems)}`);
  const contract = normalizeContract(parsed, now);
  return startOrderWorkflow(client, parsed, contract, taskQueue);
}

export function waitForStatus(
  handle: WorkflowHandle,
  status: OrderStatus,
  timeoutMs = 60 * SECOND,
): Promise<OrderSnapshot> {
  return waitForSnapshot(handle, (s) => s.status === status, timeoutMs);
}

/** Polls the `order` Query until the snapshot satisfies `done`: timers fire on the server's clock. */
export async function waitForSnapshot(
  handle: WorkflowHandle,
  done: (snapshot: OrderSnapshot) => boolean,
  timeoutMs = 30 * SECOND,
): Promise<OrderSnapshot> {
  const deadline = Date.now() + timeoutMs;
  let last: OrderSnapshot | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(orderQuery);
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`order never reached the expected state in ${timeoutMs}ms; it is ${last?.status}`);
}

/** Updates the workflow accepted: a rejected Update must leave none (nor any other trace). */
export async function acceptedUpdateIds(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const accepted = e.workflowExecutionUpdateAcceptedEventAttributes;
    return accepted ? [accepted.acceptedRequest?.meta?.updateId ?? ''] : [];
  });
}

/** A harness with a running worker for the test file, closed after it; `ready` hands it over. */
export function withWorker(
  ready: (h: Harness) => void,
  options?: Parameters<Harness['startWorker']>[0],
): void {
  let h: Harness | undefined;
  beforeAll(async () => {
    h = await createHarness();
    await h.startWorker(options);
    ready(h);
  });
  afterAll(() => h?.close());
}
