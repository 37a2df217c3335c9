import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SupplierProgram } from '../../db/supplier-program.js';
import { badgeSvg } from '../badge-svg.js';
import { HttpProblem } from '../problem.js';
import { problems } from '../schemas/responses.js';
import { SupplierParamsSchema } from '../schemas/suppliers.js';
import { withTimeout } from '../upstream-errors.js';

export interface BadgeRouteOptions {
  program: SupplierProgram;
  timeoutMs: number;
  /** Requests per minute per client address. */
  perMinute: number;
}

/** The most a badge may weigh: a storefront embeds one per supplier on a page. */
export const MAX_BADGE_BYTES = 8 * 1024;
const CACHE_CONTROL = 'public, max-age=3600';

/**
 * `GET /v1/suppliers/:supplierId/badge.svg`, public: storefronts embed it as an image, so it takes
 * no key and is rate limited per client address instead (behind a proxy, the address the API sees
 * is the proxy's unless the proxy is trusted: docs/operations.md). Browsers and CDNs keep it an hour
 * and revalidate it with its ETag.
 */
export const badgeRoutes: FastifyPluginAsyncZod<BadgeRouteOptions> = async (
  app,
  { program, timeoutMs, perMinute },
) => {
  await app.register(rateLimit, {
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => request.ip,
  });
  app.get(
    '/suppliers/:supplierId/badge.svg',
    {
      schema: {
        tags: ['suppliers'],
        operationId: 'getSupplierBadge',
        summary: "The supplier's badge for storefronts (SVG, no API key)",
        description:
          'A protected supplier’s badge reads the program’s name, its transactions and their value over 12 ' +
          'months and its median response time; any other reads “not protected”. At most 8 KiB, ' +
          '`Cache-Control: public, max-age=3600`, an `ETag` (send it back as `If-None-Match` for a 304). ' +
          'Rate limited per client address.',
        security: [],
        params: SupplierParamsSchema,
        headers: z.looseObject({ 'if-none-match': z.string().max(200).optional() }),
        response: {
          200: {
            description: 'The badge',
            content: { 'image/svg+xml': { schema: z.string() } },
          },
          304: z.null().describe('Not modified: the badge the client has (its ETag) is current; no body'),
          ...problems(400, [404, 'No such supplier'], 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { supplierId } = request.params;
      const profile = await withTimeout(program.profile(supplierId, new Date()), timeoutMs, 'postgres');
      if (!profile) throw new HttpProblem('supplier-not-found', `there is no supplier ${supplierId}`);
      const svg = badgeSvg(profile, program.settings.name);
      const etag = `"${createHash('sha256').update(svg).digest('base64url').slice(0, 27)}"`;
      reply
        .header('cache-control', CACHE_CONTROL)
        .header('etag', etag)
        // Storefronts on other origins embed it: helmet's same-origin default would block the image.
        .header('cross-origin-resource-policy', 'cross-origin');
      const sent = request.headers['if-none-match'];
      // No body, and so no content type: the typed reply would serialise the schema's null as JSON.
      if (sent?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag))
        return (reply as FastifyReply).code(304).send();
      return reply.type('image/svg+xml; charset=utf-8').send(svg);
    },
  );
};
