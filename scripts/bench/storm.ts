import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { TemporalOrders } from '../../api/temporal-orders.js';
import { recordPaymentUpdate, workflowIdFor } from '../../workflows/model/messages.js';
import { ContractInputSchema } from '../../workflows/schemas/contract.js';
import { historyFigures } from './actions.js';
import { startTimer } from './ceilings.js';
import type { Settings } from './options.js';
import { contractInput, PAYMENT } from './order-inputs.js';
import type { Progress } from './progress.js';
import type { BenchReport } from './report.js';
import { distribution, median, pool, round } from './stats.js';
import { STORM_PHASES, type StormPhase, stormPhases } from './storm-phases.js';
import type { benchTimer } from './workflows.js';

export interface StormOptions {
  client: Client;
  taskQueue: string;
  orders: TemporalOrders;
  db: pg.Pool;
  settings: Pick<Settings, 'storm' | 'concurrency' | 'reps'>;
  /** The lifecycle's direct orders per second, when it ran: the first guess of the setup rate. */
  lifecycleDirectPerSecond: number | undefined;
  run: string;
  progress: Progress;
}

interface StormResult {
  perSecond: number;
  lateness: number[];
  missed: number;
  phases: Record<StormPhase, number>[];
  /** An order refunded at its deadline: the late refund whose history the report counts. */
  refunded?: string;
}

/** K funded orders whose `shipBy` falls in the same second, against K bare timers that fire in one. */
export async function stormSection(o: StormOptions): Promise<NonNullable<BenchReport['storm']>> {
  const k = o.settings.storm;
  o.progress(
    `timer storm: ${o.settings.reps} reps × (${k} bare timers, ${k} funded orders) due in the same second`,
  );
  const reps: { ceiling: StormResult; orders: StormResult }[] = [];
  let setupPerSecond: number | undefined;
  for (let rep = 1; rep <= o.settings.reps; rep++) {
    const ceiling = await stormCeiling(o, rep, k);
    const orders = await stormOrders(o, rep, k, setupPerSecond);
    setupPerSecond = orders.setupPerSecond;
    reps.push({ ceiling, orders });
  }
  const refunded = reps.at(-1)?.orders.refunded;
  return {
    ceilingPerSecond: round(median(reps.map((r) => r.ceiling.perSecond)), 2),
    ordersPerSecond: round(median(reps.map((r) => r.orders.perSecond)), 2),
    ratio: round(median(reps.map((r) => r.orders.perSecond / r.ceiling.perSecond)), 2),
    ceilingLateness: distribution(reps.flatMap((r) => r.ceiling.lateness)),
    ordersLateness: distribution(reps.flatMap((r) => r.orders.lateness)),
    phases: {
      ceiling: phaseMedians(reps.flatMap((r) => r.ceiling.phases)),
      orders: phaseMedians(reps.flatMap((r) => r.orders.phases)),
    },
    reps: reps.map((r) => ({
      ceiling: round(r.ceiling.perSecond, 2),
      orders: round(r.orders.perSecond, 2),
      refunded: r.orders.lateness.length,
      notFundedInTime: r.orders.missed,
    })),
    ...(refunded && { lateRefund: await historyFigures(o.client, workflowIdFor(refunded)) }),
  };
}

/** Read after the drain, so that fetching histories takes nothing from it. */
async function phasesOf(
  o: StormOptions,
  workflowIds: readonly string[],
): Promise<Record<StormPhase, number>[]> {
  const phases: Record<StormPhase, number>[] = [];
  await pool(workflowIds.length, o.settings.concurrency, async (i) => {
    const history = await o.client.workflow.getHandle(workflowIds[i] as string).fetchHistory();
    const p = stormPhases(history);
    if (p) phases.push(p);
  });
  return phases;
}

function phaseMedians(phases: readonly Record<StormPhase, number>[]): Record<StormPhase, number> {
  return Object.fromEntries(
    STORM_PHASES.map((phase) => [phase, round(median(phases.map((p) => p[phase])))]),
  ) as Record<StormPhase, number>;
}

async function stormCeiling(o: StormOptions, rep: number, k: number): Promise<StormResult> {
  // Starting a workflow takes up to ~50 ms on a loaded 2-core machine, C at a time: all must be
  // waiting in time, with a fourfold margin.
  const fireAt = Date.now() + 5000 + (k * 200) / o.settings.concurrency;
  const ids = Array.from({ length: k }, (_, i) => `bench-timer-${o.run}-${rep}-${i}`);
  await pool(k, o.settings.concurrency, async (i) => {
    await startTimer(o.client, o.taskQueue, ids[i] as string, fireAt);
  });
  if (Date.now() > fireAt) o.progress('  warning: the bare timers were started after their deadline');
  const ends = await Promise.all(
    ids.map((id) => o.client.workflow.getHandle<typeof benchTimer>(id).result()),
  );
  const lateness = ends.map((end) => end - fireAt);
  const perSecond = k / (Math.max(...lateness) / 1000);
  o.progress(
    `  storm ceiling rep ${rep}: ${k} in ${(Math.max(...lateness) / 1000).toFixed(1)} s after the deadline`,
  );
  return { perSecond, lateness, missed: 0, phases: await phasesOf(o, ids) };
}

/** `measuredSetup`: the previous repetition's rate of creating and funding orders, per second. */
async function stormOrders(
  o: StormOptions,
  rep: number,
  k: number,
  measuredSetup: number | undefined,
): Promise<StormResult & { setupPerSecond: number }> {
  // Orders are created and funded directly: setup, not what is measured. The deadline leaves
  // room for creating and funding them all at the setup rate seen so far (the previous
  // repetition's, else the lifecycle's), with a margin; one funded too late is cancelled by the
  // workflow, not refunded, and is left out of the drain rate.
  const setupPerSecond = measuredSetup ?? (o.lifecycleDirectPerSecond ?? 1) * 2;
  const started = Date.now();
  // A wider margin while the setup rate is only guessed from the lifecycle's.
  const margin = measuredSetup ? 1.5 : 2;
  const shipBy = started + (k / setupPerSecond) * 1000 * margin + 5000;
  const ids = Array.from({ length: k }, (_, i) => `bench-storm-${o.run}-${rep}-${i}`);
  let funded = 0;
  // An order that could not even be created in time never settles: the drain waits for the rest.
  let created = 0;
  const ticker = setInterval(() => o.progress(`  storm orders rep ${rep}: ${funded}/${k} funded`), 5000);
  await pool(k, o.settings.concurrency, async (i) => {
    const orderId = ids[i] as string;
    try {
      await o.orders.create(
        ContractInputSchema.parse(contractInput(orderId, { fundBy: shipBy - 1000, shipBy })),
        new Date(),
      );
      created++;
      await o.client.workflow
        .getHandle(workflowIdFor(orderId))
        .executeUpdate(recordPaymentUpdate, { args: [PAYMENT] });
      funded++;
    } catch (err) {
      o.progress(`  storm order ${orderId} not funded in time: ${(err as Error).message}`);
    }
  });
  clearInterval(ticker);
  const setupRate = k / ((Date.now() - started) / 1000);
  o.progress(
    `  storm orders rep ${rep}: ${funded}/${k} funded, shipBy in ${((shipBy - Date.now()) / 1000).toFixed(1)} s`,
  );
  const deadline = shipBy + 300_000;
  let refunds: { order_id: string; at: Date }[] = [];
  let settled = 0;
  while (Date.now() < deadline) {
    await sleep(1000);
    const result = await o.db.query(
      `SELECT order_id, created_at AS at FROM ledger_transactions WHERE kind = 'refund' AND order_id = ANY($1)`,
      [ids],
    );
    refunds = result.rows;
    const closed = await o.db.query(
      `SELECT count(*)::int AS n FROM order_events WHERE order_id = ANY($1) AND type IN ('order.refunded', 'order.cancelled')`,
      [ids],
    );
    settled = closed.rows[0].n;
    if (Date.now() > shipBy) o.progress(`  storm orders rep ${rep}: ${refunds.length}/${k} refunded`);
    if (settled >= created || refunds.length >= k) break;
  }
  const lateness = refunds.map((r) => r.at.getTime() - shipBy);
  const span = Math.max(...lateness) / 1000;
  return {
    perSecond: refunds.length / span,
    lateness,
    missed: k - refunds.length,
    phases: await phasesOf(o, ids.map(workflowIdFor)),
    refunded: refunds[0]?.order_id,
    setupPerSecond: setupRate,
  };
}
