import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';

/**
 * A database of its own on the run's PostgreSQL, migrated: for a test that acts on everything in
 * its database (an assessment of every enrolled supplier), where the other files' rows would
 * change what it asserts and its changes would reach theirs. Dropped by `drop`.
 */
export async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const shared = inject('databaseUrl');
  const name = `escrow_${randomUUID().replaceAll('-', '')}`;
  const admin = createPool(shared, 1);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(shared);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), 1);
  await migrate(pool);
  await pool.end();
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
