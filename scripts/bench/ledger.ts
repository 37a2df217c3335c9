import type { Movement } from '../../db/payments-gateway.js';
import { createPool } from '../../db/pool.js';
import { PostgresLedger } from '../../db/postgres-ledger.js';
import type { Settings } from './options.js';
import type { BenchReport } from './report.js';
import { median, round } from './stats.js';

interface LedgerRates {
  baselinePerSecond: number;
  movementPerSecond: number;
  retryPerSecond: number;
}

/**
 * What the ledger's guarantees cost. Each case runs the same number of transactions, one at a time
 * on one connection, against a baseline of bare single-row INSERT transactions on the same server.
 */
async function ledgerBench(
  databaseUrl: string,
  operations: number,
  progress: (line: string) => void,
): Promise<LedgerRates> {
  const pool = createPool(databaseUrl, 1);
  const ledger = new PostgresLedger(pool);
  const run = `bench-ledger-${Date.now()}`;
  const measure = async (name: string, operation: (i: number) => Promise<unknown>) => {
    const started = performance.now();
    for (let i = 0; i < operations; i++) {
      await operation(i);
      if ((i + 1) % 500 === 0) progress(`ledger ${name}: ${i + 1}/${operations}`);
    }
    return operations / ((performance.now() - started) / 1000);
  };
  const movement = (i: number, step: string): Movement => ({
    idempotencyKey: `${run}-${Math.floor(i / 2)}:${step}`,
    orderId: `${run}-${Math.floor(i / 2)}`,
    buyerId: 'bench-buyer',
    supplierId: 'bench-supplier',
    currency: 'USD',
    amount: 1000,
    memo: 'bench',
  });
  // Each order is funded, then released: half the movements are funding, half payouts.
  const move = (i: number) =>
    i % 2 === 0
      ? ledger.creditEscrow(movement(i, 'payment:w1'))
      : ledger.releaseToSupplier(movement(i, 'release'));
  try {
    await pool.query('CREATE TEMP TABLE bench_baseline (key text PRIMARY KEY, amount bigint NOT NULL)');
    const baselinePerSecond = await measure('baseline INSERT', async (i) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('INSERT INTO bench_baseline (key, amount) VALUES ($1, $2)', [`${run}-${i}`, 1000]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    });
    const movementPerSecond = await measure('movement', move);
    const retryPerSecond = await measure('idempotent retry', move);
    return { baselinePerSecond, movementPerSecond, retryPerSecond };
  } finally {
    await pool.end();
  }
}

/** `ledgerBench` `reps` times: the median of each ratio to the baseline. */
export async function ledgerSection(
  databaseUrl: string,
  settings: Pick<Settings, 'reps' | 'ledgerOps'>,
  progress: (line: string) => void,
): Promise<NonNullable<BenchReport['ledger']>> {
  progress(`ledger: ${settings.reps} × 3 cases × ${settings.ledgerOps} transactions`);
  const reps = [];
  for (let r = 0; r < settings.reps; r++)
    reps.push(await ledgerBench(databaseUrl, settings.ledgerOps, progress));
  return {
    baselinePerSecond: round(median(reps.map((r) => r.baselinePerSecond))),
    movementRatio: round(median(reps.map((r) => r.movementPerSecond / r.baselinePerSecond)), 2),
    retryRatio: round(median(reps.map((r) => r.retryPerSecond / r.baselinePerSecond)), 2),
  };
}
