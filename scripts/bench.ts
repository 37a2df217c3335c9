import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../db/migrate.js';
import type { Movement } from '../db/payments-gateway.js';
import { createPool } from '../db/pool.js';
import { PostgresLedger } from '../db/postgres-ledger.js';
import { DevPostgresError, startDevPostgres } from './dev-postgres.js';
import { freePort } from './free-port.js';

/**
 * `npm run bench`: what the ledger's guarantees cost. Each case runs the same number of
 * transactions, one at a time on one connection, and is reported as a ratio against a baseline
 * of bare single-row INSERT transactions run in the same process against the same server.
 */
const N = Number(process.env.BENCH_OPERATIONS ?? 2000);

const dir = await mkdtemp(join(tmpdir(), 'escrow-bench-'));
// PostgreSQL runs as an unprivileged user when we are root: it must be able to enter the directory.
await chmod(dir, 0o755);
let stopPostgres = async () => {};
const cleanUp = async () => {
  await stopPostgres();
  await rm(dir, { recursive: true, force: true });
};
// Ctrl-C or SIGTERM in the middle of a run stops the cluster and removes its files.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`\n${signal}: stopping`);
    void cleanUp().finally(() => process.exit(1));
  });
}
const postgres = process.env.DATABASE_URL
  ? { databaseUrl: process.env.DATABASE_URL, stop: async () => {} }
  : await startDevPostgres({ dir: join(dir, 'pg'), port: await freePort(), ephemeral: true }).catch(
      async (err: Error) => {
        await cleanUp();
        // A setup problem the user can act on, not a bug: its message says what to do.
        if (!(err instanceof DevPostgresError)) throw err;
        console.error(`[bench] ${err.message}`);
        process.exit(1);
      },
    );
stopPostgres = () => postgres.stop();
const pool = createPool(postgres.databaseUrl, 1);
await migrate(pool);
const ledger = new PostgresLedger(pool);
const run = `bench-${Date.now()}`;

async function measure(name: string, operation: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    await operation(i);
    if ((i + 1) % 500 === 0) process.stdout.write(`  ${name}: ${i + 1}/${N}\r`);
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`  ${name}: ${N}/${N} in ${seconds.toFixed(2)} s${' '.repeat(20)}\n`);
  return N / seconds;
}

const movement = (i: number, step: string): Movement => ({
  idempotencyKey: `${run}-${Math.floor(i / 2)}:${step}`,
  orderId: `${run}-${Math.floor(i / 2)}`,
  buyerId: 'bench-buyer',
  supplierId: 'bench-supplier',
  currency: 'USD',
  amount: 1000,
  memo: 'bench',
});

try {
  console.log(`ledger benchmark: ${N} transactions per case, sequential, one connection`);
  await pool.query('CREATE TEMP TABLE bench_baseline (key text PRIMARY KEY, amount bigint NOT NULL)');
  const baseline = await measure('baseline INSERT', async (i) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO bench_baseline (key, amount) VALUES ($1, $2)', [`${run}-${i}`, 1000]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  });
  // Each order is funded, then released: half the movements are funding, half payouts.
  const movements = await measure('ledger movement', (i) =>
    i % 2 === 0
      ? ledger.creditEscrow(movement(i, 'payment:w1'))
      : ledger.releaseToSupplier(movement(i, 'release')),
  );
  const retries = await measure('idempotent retry', (i) =>
    i % 2 === 0
      ? ledger.creditEscrow(movement(i, 'payment:w1'))
      : ledger.releaseToSupplier(movement(i, 'release')),
  );
  console.log('');
  console.log('case               per second   ratio to baseline');
  for (const [name, rate] of [
    ['baseline INSERT', baseline],
    ['ledger movement', movements],
    ['idempotent retry', retries],
  ] as const) {
    console.log(`${name.padEnd(18)} ${rate.toFixed(0).padStart(10)}   ${(rate / baseline).toFixed(2)}`);
  }
} finally {
  await pool.end();
  await cleanUp();
}
