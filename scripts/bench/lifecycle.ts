import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { TemporalOrders } from '../../api/temporal-orders.js';
import { workflowIdFor } from '../../workflows/model/messages.js';
import { ContractInputSchema } from '../../workflows/schemas/contract.js';
import { historyFigures } from './actions.js';
import type { ApiClient } from './api-client.js';
import { startShape } from './ceilings.js';
import { type CpuTimes, perOrder } from './cpu.js';
import { benchStepUpdate } from './messages.js';
import type { Settings } from './options.js';
import { COMMISSION, contractInput, stepsOf } from './order-inputs.js';
import { type Progress, timedRun } from './progress.js';
import type { BenchReport } from './report.js';
import { type Distribution, distribution, median, round } from './stats.js';

export interface LifecycleOptions {
  client: Client;
  taskQueue: string;
  orders: TemporalOrders;
  api: ApiClient;
  cpu: { sample(): CpuTimes };
  settings: Pick<Settings, 'orders' | 'concurrency' | 'reps'>;
  /** Makes this run's workflow ids unique. */
  run: string;
  progress: Progress;
}

type Latencies = Map<string, number[]>;
type Kind = 'ceiling' | 'http' | 'direct';

/**
 * Orders through both paths over HTTP and with the Temporal client (the dispute orders with the
 * marketplace's commission, so that their release pays a fee leg), against their shape with no
 * engine work; with each route's latency against the same Update sent directly (the API section),
 * and the first dispute order closed over HTTP, for the reads.
 */
export async function lifecycleSection(o: LifecycleOptions): Promise<{
  lifecycle: NonNullable<BenchReport['lifecycle']>;
  api: NonNullable<BenchReport['api']>;
  closedDispute: string | undefined;
}> {
  const { settings, run } = o;
  o.progress(
    `lifecycle: ${settings.reps} reps × (ceiling, HTTP, direct) × ${settings.orders} happy + ${settings.orders} dispute, concurrency ${settings.concurrency}`,
  );
  const ceilingLatencies: Latencies = new Map();
  const httpLatencies: Latencies = new Map();
  const directLatencies: Latencies = new Map();
  const closedDisputes: string[] = [];
  const rates: Record<Kind, number>[] = [];
  const cpuSums: Record<Kind, CpuTimes[]> = { ceiling: [], http: [], direct: [] };
  /** CPU per order of each process, over every repetition of that kind of run. */
  const measured = async (kind: Kind, runOnce: () => Promise<number>) => {
    const before = o.cpu.sample();
    const rate = await runOnce();
    cpuSums[kind].push(perOrder(before, o.cpu.sample(), settings.orders * 2));
    return rate;
  };
  // The first workflows of a fresh worker pay for compilation and caches: not what is measured.
  const warmup = Math.min(settings.concurrency, settings.orders);
  o.progress('  warm-up (not measured)');
  await ceilingRun(o, 0, warmup, new Map());
  await httpRun(o, 0, warmup, new Map(), closedDisputes);
  await directRun(o, 0, warmup, new Map());
  for (let rep = 1; rep <= settings.reps; rep++) {
    const ceiling = await measured('ceiling', () => ceilingRun(o, rep, settings.orders, ceilingLatencies));
    const http = await measured('http', () =>
      httpRun(o, rep, settings.orders, httpLatencies, closedDisputes),
    );
    const direct = await measured('direct', () => directRun(o, rep, settings.orders, directLatencies));
    rates.push({ ceiling, http, direct });
  }
  const history = (workflowId: string) => historyFigures(o.client, workflowId);
  return {
    lifecycle: {
      ceilingPerSecond: round(median(rates.map((r) => r.ceiling)), 2),
      httpPerSecond: round(median(rates.map((r) => r.http)), 2),
      directPerSecond: round(median(rates.map((r) => r.direct)), 2),
      httpRatio: round(median(rates.map((r) => r.http / r.ceiling)), 2),
      directRatio: round(median(rates.map((r) => r.direct / r.ceiling)), 2),
      reps: rates.map((r) => ({
        ceiling: round(r.ceiling, 2),
        http: round(r.http, 2),
        direct: round(r.direct, 2),
      })),
      refusals: { ...o.api.refusals },
      cpuMsPerOrder: Object.fromEntries(
        Object.entries(cpuSums).map(([kind, reps]) => [
          kind,
          Object.fromEntries(
            Object.keys(reps[0] ?? {}).map((name) => [name, median(reps.map((r) => r[name] ?? 0))]),
          ),
        ]),
      ) as Record<Kind, CpuTimes>,
      history: {
        happy: await history(workflowIdFor(`bench-http-${run}-1-0`)),
        dispute: await history(workflowIdFor(`bench-http-${run}-1-1`)),
        ceilingHappy: await history(`bench-shape-${run}-1-0`),
        ceilingDispute: await history(`bench-shape-${run}-1-1`),
      },
    },
    api: {
      ceilingUpdate: distribution(ceilingLatencies.get('update') ?? []),
      http: toDistributions(httpLatencies),
      direct: toDistributions(directLatencies),
      httpEvents: pooledDistribution(httpLatencies, ['create']),
      directEvents: pooledDistribution(directLatencies, ['create']),
    },
    closedDispute: closedDisputes[0],
  };
}

/** Ceiling: the order's shape with no engine work; odd i is a dispute (one more Update, one more payout). */
function ceilingRun(o: LifecycleOptions, rep: number, orders: number, latencies: Latencies) {
  return timedRun(o.progress, o.settings.concurrency, `ceiling rep ${rep}`, orders * 2, async (i) => {
    const dispute = i % 2 === 1;
    const updates = dispute ? 5 : 4;
    const createStarted = performance.now();
    const handle = await startShape(o.client, o.taskQueue, `bench-shape-${o.run}-${rep}-${i}`, {
      updates,
      settlementActivities: dispute ? 2 : 1,
    });
    record(latencies, 'create', performance.now() - createStarted);
    for (let u = 0; u < updates; u++) {
      const started = performance.now();
      await handle.executeUpdate(benchStepUpdate, { args: [{ activity: u === 0 }] });
      record(latencies, 'update', performance.now() - started);
    }
    await handle.result();
  });
}

function httpRun(
  o: LifecycleOptions,
  rep: number,
  orders: number,
  latencies: Latencies,
  closedDisputes: string[],
) {
  return timedRun(o.progress, o.settings.concurrency, `HTTP orders rep ${rep}`, orders * 2, async (i) => {
    const dispute = i % 2 === 1;
    const orderId = `bench-http-${o.run}-${rep}-${i}`;
    const created = await o.api.post(
      '/v1/orders',
      contractInput(orderId, undefined, dispute ? COMMISSION : undefined),
    );
    record(latencies, 'create', created.ms);
    for (const step of stepsOf(dispute)) {
      const { ms } = await o.api.post(`/v1/orders/${orderId}/${step.route}`, step.body, step.as);
      record(latencies, step.route, ms);
    }
    await o.client.workflow.getHandle(workflowIdFor(orderId)).result();
    if (dispute) closedDisputes.push(orderId);
  });
}

function directRun(o: LifecycleOptions, rep: number, orders: number, latencies: Latencies) {
  return timedRun(o.progress, o.settings.concurrency, `direct orders rep ${rep}`, orders * 2, async (i) => {
    const dispute = i % 2 === 1;
    const orderId = `bench-direct-${o.run}-${rep}-${i}`;
    let started = performance.now();
    await o.orders.create(
      ContractInputSchema.parse(contractInput(orderId, undefined, dispute ? COMMISSION : undefined)),
      new Date(),
    );
    record(latencies, 'create', performance.now() - started);
    const handle = o.client.workflow.getHandle(workflowIdFor(orderId));
    for (const step of stepsOf(dispute)) {
      started = performance.now();
      await handle.executeUpdate(step.update, {
        args: [step.body as never],
        updateId: randomUUID(),
      });
      record(latencies, step.route, performance.now() - started);
    }
    await handle.result();
  });
}

function record(into: Latencies, route: string, ms: number) {
  const list = into.get(route) ?? [];
  list.push(ms);
  into.set(route, list);
}

const toDistributions = (latencies: Latencies) =>
  Object.fromEntries([...latencies].map(([route, values]) => [route, distribution(values)])) as Record<
    string,
    Distribution
  >;
const pooledDistribution = (latencies: Latencies, skip: string[]) =>
  distribution([...latencies].filter(([route]) => !skip.includes(route)).flatMap(([, values]) => values));
