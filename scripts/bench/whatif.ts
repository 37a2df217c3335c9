import { DEFAULT_PROGRAM_SETTINGS } from '../../config/program.js';
import { readClosedOrders } from '../../db/closed-orders.js';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { openingSnapshot } from '../../workflows/model/state.js';
import { ContractInputSchema, normalizeContract } from '../../workflows/schemas/contract.js';
import { WhatIf } from '../whatif/redecide.js';
import type { Rules } from '../whatif/rules.js';
import type { Progress } from './progress.js';
import { round } from './stats.js';

export interface WhatIfFigures {
  closedOrders: number;
  generatedSeconds: number;
  /** Read from PostgreSQL and decided again, end to end, as `npm run whatif` does. */
  ordersPerSecond: number;
  /** The decisions alone, in memory. */
  decidedPerSecond: number;
  changed: number;
  human: number;
}

const RULES: Rules = { quality: { moisture: { max: 10 } }, quantityTolerancePct: 1, commissionBps: 250 };

/**
 * A closed order as its closing event stores it: released on a conforming report. The generator
 * varies the report (moisture, quantity received) and makes one in ten an arbitrator's split, so
 * that the rules change some, leave others, and skip the people's decisions.
 */
function template() {
  const at = '2026-06-01T00:00:00.000Z';
  const contract = normalizeContract(
    ContractInputSchema.parse({
      orderId: 'template',
      buyer: { id: 'bench-buyer', name: 'Bench Buyer' },
      supplier: { id: 'bench-supplier', name: 'Bench Mill' },
      currency: 'USD',
      amount: 1_250_000,
      shipBy: '2026-06-20T00:00:00.000Z',
      deliverBy: '2026-07-20T00:00:00.000Z',
      quantity: { ordered: 1000, unit: 'kg', tolerancePct: 2 },
      quality: [
        { attribute: 'moisture', max: 12, unit: '%' },
        { attribute: 'grade', oneOf: ['A', 'B'] },
      ],
    }),
    new Date('2026-05-01T00:00:00.000Z'),
  );
  return {
    ...openingSnapshot(contract),
    status: 'closed' as const,
    outcome: 'released' as const,
    reason: 'buyer_accepted' as const,
    funded: contract.amount,
    fundedAt: at,
    outstanding: 0,
    shipment: { carrier: 'Maersk', trackingNumber: 'MSKU1234565', shippedAt: at },
    delivery: { deliveredAt: at },
    inspection: {
      report: { measurements: { moisture: 9, grade: 'A' }, receivedQuantity: 1000, evidence: [] },
      submittedAt: at,
    },
    payouts: [
      { kind: 'release' as const, amount: contract.amount, idempotencyKey: 'k', transactionId: 't', at },
    ],
    closedAt: at,
  };
}

/**
 * What-if at scale: `count` closed orders' closing events generated with generate_series into a
 * database of its own (dropped after), then every one read and decided again as `npm run whatif`
 * does, in orders per second, with the decisions' own rate beside it.
 */
export async function whatifSection(
  databaseUrl: string,
  count: number,
  progress: Progress,
): Promise<WhatIfFigures> {
  const name = `bench_whatif_${Date.now().toString(36)}`;
  const admin = createPool(databaseUrl, 1);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), 2);
  try {
    await migrate(pool);
    progress(`whatif: ${count} closed orders generated in SQL`);
    const generating = Date.now();
    const batch = 50_000;
    for (let from = 1; from <= count; from += batch) {
      const to = Math.min(count, from + batch - 1);
      await pool.query(
        `INSERT INTO order_events (id, order_id, sequence, type, occurred_at, payload)
         SELECT 'evt_gen-' || i || '_9', 'gen-' || i, 9, 'order.' || (e.p->>'outcome'), now() - (i % 90) * interval '1 day', e.p
         FROM generate_series($2::int, $3::int) AS i,
         LATERAL (SELECT CASE WHEN i % 10 = 0
           THEN jsonb_set(jsonb_set(jsonb_set($1::jsonb, '{outcome}', '"split"'), '{reason}', '"arbitration"'),
                          '{dispute}', '{"kind":"quality","openedAt":"2026-06-01T00:00:00.000Z"}')
           ELSE jsonb_set(jsonb_set($1::jsonb, '{inspection,report,measurements,moisture}', to_jsonb(8 + i % 5)),
                          '{inspection,report,receivedQuantity}', to_jsonb(1000 - i % 20)) END AS t) s,
         LATERAL (SELECT jsonb_set(jsonb_set(s.t, '{orderId}', to_jsonb('gen-' || i)), '{contract,orderId}', to_jsonb('gen-' || i)) AS p) e`,
        [JSON.stringify(template()), from, to],
      );
      progress(`  ${to} / ${count}`);
    }
    await pool.query('ANALYZE order_events');
    const generatedSeconds = round((Date.now() - generating) / 1000);

    const whatIf = new WhatIf(RULES, 0);
    let deciding = 0;
    const started = performance.now();
    await readClosedOrders(pool, {}, (orders) => {
      const t = performance.now();
      for (const order of orders) whatIf.add(order);
      deciding += performance.now() - t;
    });
    const seconds = (performance.now() - started) / 1000;
    const { thresholds } = DEFAULT_PROGRAM_SETTINGS;
    const summary = whatIf.summary(thresholds, thresholds, new Set());
    const figures = {
      closedOrders: summary.orders,
      generatedSeconds,
      ordersPerSecond: round(summary.orders / seconds, 0),
      decidedPerSecond: round(summary.orders / (deciding / 1000), 0),
      changed: summary.changed.length,
      human: summary.human.orders,
    };
    progress(
      `  ${figures.closedOrders} orders in ${round(seconds)} s: ${figures.ordersPerSecond} orders/s read and decided, ${figures.decidedPerSecond}/s deciding alone; ${figures.changed} would change, ${figures.human} human`,
    );
    return figures;
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
