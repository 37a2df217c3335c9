import pg from 'pg';

// bigint columns hold minor units; they stay far below 2^53, so numbers are exact.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`bigint ${value} is outside the safe integer range`);
  return n;
});

export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 5000;

export function createPool(databaseUrl: string, max = 10): pg.Pool {
  // A database that does not answer (a dropped route, not a refused port) fails a checkout after
  // 10 s instead of holding it, and the activity or request behind it, forever.
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: 10_000,
    // A process cut off from PostgreSQL between two statements of a transaction leaves its session
    // `idle in transaction` on the server, holding the row locks of a ledger movement until TCP
    // gives up (minutes): every retry of that movement, on any worker, waits on them. No
    // transaction of the engine idles between statements for 5 s; the server ends one that does.
    options: `-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT_MS}`,
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Nor a checked-out one (a ledger movement between two statements when PostgreSQL restarts):
  // pg emits 'error' on the client, which the pool only listens to while the client is idle. The
  // statement in flight fails on its own, and the client is discarded when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * The `VALUES` list of a multi-row INSERT, numbered `$1, $2, …` row after row, with its parameters:
 * one statement for a batch, its rows inserted in the order given.
 */
export function valuesList(rows: readonly (readonly unknown[])[]): { sql: string; params: unknown[] } {
  let n = 0;
  const sql = rows.map((row) => `(${row.map(() => `$${++n}`).join(', ')})`).join(', ');
  return { sql, params: rows.flat() };
}

/** The parameters of one statement built in parts: each `add` answers its placeholder. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** One `(…, …)` row of placeholders. */
  row(values: readonly unknown[]): string {
    return `(${values.map((v) => this.add(v)).join(', ')})`;
  }
}

/**
 * Runs `run` in one transaction on a client of its own: committed when it resolves, rolled back
 * when it throws (a rollback that fails too, on a lost connection, leaves the first error to tell).
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  run: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await run(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
