import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';

export interface AppDeps {
  temporal: Client;
  pool: pg.Pool;
  taskQueue: string;
  logger?: boolean;
}

/** The one Fastify app of `npm run api`, `npm start` and the tests. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: deps.logger ?? false });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks = await Promise.all([
      deps.pool
        .query('SELECT 1')
        .then(() => ['postgres', 'ok'] as const)
        .catch((err: Error) => ['postgres', err.message] as const),
      deps.temporal.workflowService
        .getSystemInfo({})
        .then(() => ['temporal', 'ok'] as const)
        .catch((err: Error) => ['temporal', err.message] as const),
    ]);
    const ready = checks.every(([, status]) => status === 'ok');
    if (!ready) reply.code(503).header('retry-after', '5');
    return { status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(checks) };
  });

  return app;
}
