import fp from 'fastify-plugin';
import { type ApiKey, findApiKey, type Role } from '../../config/api-keys.js';
import { HttpProblem } from '../problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The roles that may call the route; a route that names none is closed to every key. */
    roles?: readonly Role[];
  }
  interface FastifyRequest {
    /** The caller: its role and the hex digest of its key (what rate limits and logs key on). */
    principal: { role: Role; keyId: string } | null;
  }
}

const CHALLENGE = 'Bearer realm="trade-escrow"';

/** `Authorization: Bearer <key>` on every route of the context it is registered in. */
export const auth = fp<{ keys: readonly ApiKey[] }>(async (app, { keys }) => {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const [scheme, token, ...rest] = (request.headers.authorization ?? '').trim().split(/\s+/);
    if (scheme?.toLowerCase() !== 'bearer' || !token || rest.length > 0) {
      throw new HttpProblem(
        'unauthorized',
        'send an API key as Authorization: Bearer <key>',
        {},
        {
          'www-authenticate': CHALLENGE,
        },
      );
    }
    const key = findApiKey(keys, token);
    if (!key) {
      throw new HttpProblem(
        'unauthorized',
        'the API key is not valid',
        {},
        {
          'www-authenticate': `${CHALLENGE}, error="invalid_token"`,
        },
      );
    }
    request.principal = { role: key.role, keyId: key.sha256.toString('hex') };
    const allowed = request.routeOptions.config.roles ?? [];
    if (!allowed.includes(key.role)) {
      throw new HttpProblem(
        'forbidden',
        `role ${key.role} may not ${request.method} ${request.routeOptions.url}; allowed: ${allowed.join(', ') || 'none'}`,
      );
    }
  });
});
