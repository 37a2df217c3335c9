import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { ApiClient } from './api-client.js';
import { startTimer } from './ceilings.js';
import type { Settings } from './options.js';
import { contractInput, HOUR } from './order-inputs.js';
import { type Progress, timedRun } from './progress.js';
import type { BenchReport } from './report.js';
import { round } from './stats.js';

type Memory = BenchReport['memory']['idle'];

/** The RSS of the worker, the API and the Temporal dev server (when started here), now. */
export function memoryMeter(pids: () => { worker?: number; api?: number; temporal?: number }): () => Memory {
  return () => {
    const { worker, api, temporal } = pids();
    return { workerMiB: rssMiB(worker), apiMiB: rssMiB(api), temporalServerMiB: rssMiB(temporal) };
  };
}

function rssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

export interface MemoryOptions {
  client: Client;
  taskQueue: string;
  api: ApiClient;
  db: pg.Pool;
  memoryNow: () => Memory;
  settings: Pick<Settings, 'memory' | 'concurrency'>;
  run: string;
  progress: Progress;
}

/**
 * Memory with bare timer workflows waiting (the ceiling), then with open orders waiting on their
 * deadlines. Fills `into` as it goes: a run stopped among the open orders still reports the bare timers.
 */
export async function memorySection(o: MemoryOptions, into: BenchReport['memory']): Promise<void> {
  const m = o.settings.memory;
  o.progress(`memory: ${m} open orders waiting on timers, created over HTTP`);
  const points: Record<string, Memory> = { '0': o.memoryNow() };
  // Ceiling: as many bare workflows waiting on a timer, measured first (the orders evict them).
  const bare = Math.min(m, 200);
  await timedRun(o.progress, o.settings.concurrency, `bare timer workflows 0→${bare}`, bare, async (i) => {
    await startTimer(o.client, o.taskQueue, `bench-idle-${o.run}-${i}`, Date.now() + 24 * HOUR);
  });
  await sleep(5000);
  into.bareTimers = { count: bare, ...o.memoryNow() };
  o.progress(`  RSS with ${bare} bare timer workflows: ${JSON.stringify(into.bareTimers)}`);
  // A long run (`--memory 10000`) reports every quarter, to show whether the curve is flat.
  const targets = m >= 2000 ? [1, 2, 3, 4].map((q) => Math.floor((m * q) / 4)) : [Math.floor(m / 2), m];
  // Deadlines days away: creating 10,000 orders takes longer than an hour on 2 shared cores,
  // and every order must still be open and waiting when its point is measured.
  const now = Date.now();
  const far = { fundBy: now + 7 * 24 * HOUR, shipBy: now + 14 * 24 * HOUR };
  let created = 0;
  for (const target of targets) {
    const from = created;
    await timedRun(
      o.progress,
      o.settings.concurrency,
      `open orders ${from}→${target}`,
      target - from,
      async (i) => {
        await o.api.post('/v1/orders', contractInput(`bench-mem-${o.run}-${from + i}`, far));
      },
      () => JSON.stringify(o.memoryNow()),
    );
    created = target;
    // Creating answers before the order's first workflow task has run: measure once every order
    // has run it (its `order.created` is stored then), not while the worker has a backlog.
    const started = async () =>
      Number(
        (
          await o.db.query(
            `SELECT count(*) AS n FROM order_events WHERE type = 'order.created' AND order_id LIKE $1`,
            [`bench-mem-${o.run}-%`],
          )
        ).rows[0].n,
      );
    for (let ran = await started(); ran < target; ran = await started()) {
      o.progress(`  ${ran}/${target} orders have run their first task ${JSON.stringify(o.memoryNow())}`);
      await sleep(5000);
    }
    await sleep(2000);
    points[String(target)] = o.memoryNow();
    o.progress(`  RSS with ${target} open orders: ${JSON.stringify(points[String(target)])}`);
  }
  into.openOrders = points;
}
