import type { Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { z } from 'zod';
import { RETRY_AFTER_SECONDS } from '../problem.js';
import { withTimeout } from '../upstream-errors.js';

export interface HealthOptions {
  temporal: Client;
  pool: pg.Pool;
  timeoutMs: number;
}

const Readiness = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.object({ temporal: z.string(), postgres: z.string() }).describe('"ok" or what failed'),
});

/** Liveness and readiness (docs/spec.md#http-api): readiness needs both Temporal and PostgreSQL. */
export const healthRoutes: FastifyPluginAsyncZod<HealthOptions> = async (
  app,
  { temporal, pool, timeoutMs },
) => {
  const check = (dependency: 'temporal' | 'postgres', probe: () => Promise<unknown>) =>
    withTimeout(probe(), timeoutMs, dependency).then(
      () => 'ok',
      (err: Error) => err.message,
    );

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        operationId: 'getLiveness',
        summary: 'Liveness: the process answers',
        security: [],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        operationId: 'getReadiness',
        summary: 'Readiness: Temporal and PostgreSQL are reachable',
        security: [],
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const [temporalCheck, postgresCheck] = await Promise.all([
        check('temporal', () =>
          temporal.withDeadline(Date.now() + timeoutMs, () => temporal.workflowService.getSystemInfo({})),
        ),
        check('postgres', () => pool.query('SELECT 1')),
      ]);
      const ready = temporalCheck === 'ok' && postgresCheck === 'ok';
      if (!ready) reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS));
      return {
        status: ready ? ('ready' as const) : ('unavailable' as const),
        checks: { temporal: temporalCheck, postgres: postgresCheck },
      };
    },
  );
};
