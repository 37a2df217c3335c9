import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger } from 'fastify';
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

const Check = z.enum(['ok', 'down']);
const Readiness = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z
    .object({ temporal: Check, postgres: Check })
    .describe('each dependency: "ok", or "down" when it did not answer in time (why is in the log)'),
});

/** Liveness and readiness (docs/spec.md#http-api): readiness needs both Temporal and PostgreSQL. */
export const healthRoutes: FastifyPluginAsyncZod<HealthOptions> = async (
  app,
  { temporal, pool, timeoutMs },
) => {
  // The raw error names hosts, ports and users: it goes to the log, not to whoever can reach /readyz.
  const check = (
    log: FastifyBaseLogger,
    dependency: 'temporal' | 'postgres',
    probe: () => Promise<unknown>,
  ) =>
    withTimeout(probe(), timeoutMs, dependency).then(
      () => 'ok' as const,
      (err: unknown) => {
        log.warn({ err, dependency }, `readiness: ${dependency} is down`);
        return 'down' as const;
      },
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
        description:
          '200 when both answer; 503 with Retry-After when one does not, named in `checks` as "down". ' +
          'The error itself is logged, not answered.',
        security: [],
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (request, reply) => {
      const [temporalCheck, postgresCheck] = await Promise.all([
        check(request.log, 'temporal', () =>
          temporal.withDeadline(Date.now() + timeoutMs, () => temporal.workflowService.getSystemInfo({})),
        ),
        check(request.log, 'postgres', () => pool.query('SELECT 1')),
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
