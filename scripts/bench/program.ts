import { randomInt } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { startSupplierAssessment } from '../../activities/program-workflows.js';
import type { ApiClient } from './api-client.js';
import type { Settings } from './options.js';
import { contractInput, PAYMENT } from './order-inputs.js';
import { generateClosedOrders, generatedId, generateSuppliers } from './program-data.js';
import type { Progress } from './progress.js';
import { type Distribution, distribution, round } from './stats.js';

export interface ProgramOptions {
  api: ApiClient;
  client: Client;
  db: pg.Pool;
  taskQueue: string;
  settings: Settings;
  run: string;
  progress: Progress;
}

/** The limit the bench's settings give every supplier: room for every order a section keeps open. */
const BENCH_SUPPLIER_LIMIT = 1_000_000_000_000;
/** The program settings of the bench's processes: an assessment gives a qualified supplier the same limit. */
export const BENCH_PROGRAM_ENV = {
  PROGRAM_PROVISIONAL_LIMITS: `*:${BENCH_SUPPLIER_LIMIT}`,
  PROGRAM_MAX_LIMIT: String(BENCH_SUPPLIER_LIMIT),
};

/**
 * The supplier program at scale: `settings.suppliers` qualified suppliers and
 * `settings.closedOrders` closed orders in the read model, made with generate_series
 * (program-data.ts). Then the profile's GET against an open order's (both over HTTP, the same
 * number of each, interleaved), and one assessment of every supplier as the Schedule runs it, in
 * suppliers per second. The generated suppliers are as their last assessment left them: the run
 * rewrites every `assessedAt` and changes no status, so it stores no event.
 */
export async function programSection(o: ProgramOptions): Promise<ProgramFigures> {
  const { suppliers, closedOrders } = o.settings;
  const prefix = `bench-${o.run}-`;
  o.progress(`program: ${suppliers} suppliers and ${closedOrders} closed orders, generated in SQL`);
  const generating = Date.now();
  await generateSuppliers(o.db, {
    prefix,
    count: suppliers,
    status: 'qualified',
    limit: BENCH_SUPPLIER_LIMIT,
  });
  await o.db.query(
    `INSERT INTO supplier_limits (supplier_id, currency, limit_amount)
     SELECT supplier_id, 'USD', $2 FROM suppliers WHERE supplier_id LIKE $1 || '%'`,
    [prefix, BENCH_SUPPLIER_LIMIT],
  );
  await generateClosedOrders(o.db, { prefix, suppliers, count: closedOrders });
  const generatedSeconds = round((Date.now() - generating) / 1000);
  o.progress(`  generated in ${generatedSeconds} s`);

  const openOrder = `bench-program-${o.run}-open`;
  await o.api.post('/v1/orders', contractInput(openOrder));
  await o.api.post(`/v1/orders/${openOrder}/payments`, PAYMENT);
  const profile: number[] = [];
  const open: number[] = [];
  const failures: string[] = [];
  const deadline = Date.now() + 120_000;
  while (profile.length < o.settings.reads && Date.now() < deadline && failures.length < 3) {
    const supplier = generatedId(prefix, randomInt(1, suppliers + 1));
    for (const [path, into] of [
      [`/v1/suppliers/${supplier}/profile`, profile],
      [`/v1/orders/${openOrder}`, open],
    ] as const) {
      const { ok, status, ms } = await o.api.get(path);
      if (ok) into.push(ms);
      else failures.push(`${path}: ${status}`);
    }
  }
  const profileGet = distribution(profile);
  const openGet = distribution(open);
  o.progress(
    `  GET profile p50 / p99 ${profileGet.p50} / ${profileGet.p99} ms; open order ${openGet.p50} / ${openGet.p99} ms`,
  );

  o.progress(`program: one assessment of every enrolled supplier`);
  const assessing = Date.now();
  const handle = await startSupplierAssessment(o.client, o.taskQueue, `bench-assessment-${o.run}`);
  const result = await handle.result();
  const seconds = (Date.now() - assessing) / 1000;
  o.progress(`  ${result.assessed} suppliers in ${round(seconds)} s (${result.changed} changed)`);
  return {
    suppliers,
    closedOrders,
    generatedSeconds,
    profileGet,
    openOrderGet: openGet,
    profileP99Ratio: round(profileGet.p99 / openGet.p99, 2),
    failures,
    assessment: {
      assessed: result.assessed,
      changed: result.changed,
      seconds: round(seconds),
      suppliersPerSecond: round(result.assessed / seconds),
    },
  };
}

export type ProgramFigures = {
  suppliers: number;
  closedOrders: number;
  generatedSeconds: number;
  profileGet: Distribution;
  openOrderGet: Distribution;
  profileP99Ratio: number;
  failures: string[];
  assessment: { assessed: number; changed: number; seconds: number; suppliersPerSecond: number };
};
