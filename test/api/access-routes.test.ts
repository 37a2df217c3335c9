import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { createPool } from '../../db/pool.js';
import { ACCESS } from '../chaos/access.js';

/**
 * The chaos soak's access matrix calls every route with every credential: it must know every
 * route the app serves, a new one included, or that route's roles go untested.
 */
describe('the access matrix of the chaos soak', () => {
  const connection = Connection.lazy();
  const pool = createPool('postgres://unused@127.0.0.1:1/unused');
  let routes: string[] = [];

  beforeAll(async () => {
    const app = await buildApp({
      temporal: new Client({ connection }),
      pool,
      taskQueue: 'unused',
      apiKeys: [],
    });
    await app.ready();
    const { paths } = app.swagger() as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    await app.close();
  });
  afterAll(async () => {
    await pool.end();
    await connection.close();
  });

  it('holds every route the API serves, each once', () => {
    const matrix = ACCESS.map((e) => `${e.method} ${e.route}`).filter((r) => r !== 'GET /docs/json');
    expect(routes.length).toBeGreaterThan(15);
    expect([...matrix].sort()).toEqual([...new Set(routes)].sort());
    expect(new Set(matrix).size).toBe(matrix.length);
  });
});
