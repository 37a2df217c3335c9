import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startDevOidcProvider } from '../../scripts/dev-oidc-provider.js';

/**
 * The local OpenID provider issues what the Temporal server's default JWT claim mapper (1.29 to
 * 1.32) accepts: RS256 with a `kid` found in the JWKS, a string `sub`, and a `permissions` array.
 */
describe('dev OIDC provider', () => {
  it('issues service tokens the Temporal server can verify from the JWKS', async () => {
    const oidc = await startDevOidcProvider({
      services: [{ clientId: 'escrow-worker', clientSecret: 'secret-1', permissions: ['default:write'] }],
    });
    try {
      const token = await oidc.serviceToken('escrow-worker');
      const [header, payload, signature] = token.split('.') as [string, string, string];
      const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString());
      expect(decode(header)).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
      expect(decode(payload)).toMatchObject({
        sub: 'escrow-worker',
        iss: oidc.issuer,
        permissions: ['default:write'],
        exp: expect.any(Number),
      });
      const { keys } = (await (await fetch(oidc.jwksUri)).json()) as { keys: { kid: string }[] };
      const jwk = keys.find((k) => k.kid === decode(header).kid);
      expect(jwk).toBeDefined();
      const valid = verify(
        'RSA-SHA256',
        Buffer.from(`${header}.${payload}`),
        createPublicKey({ key: jwk as object, format: 'jwk' } as Parameters<typeof createPublicKey>[0]),
        Buffer.from(signature, 'base64url'),
      );
      expect(valid).toBe(true);
      await expect(oidc.serviceToken('nobody')).rejects.toThrow('no service nobody');
    } finally {
      await oidc.stop();
    }
  });

  it('logs a user in with the authorization-code flow: the ID token carries their permissions', async () => {
    const callbackUrl = 'http://127.0.0.1:1/auth/sso/callback';
    const oidc = await startDevOidcProvider({
      services: [],
      users: [{ id: 'alice', email: 'alice@arbitration.example', permissions: ['default:write'] }],
      ui: { clientId: 'temporal-ui', clientSecret: 'ui-secret', callbackUrl },
    });
    try {
      const cookies = new Map<string, string>();
      const step = async (url: string, init: RequestInit = {}) => {
        const response = await fetch(new URL(url, oidc.issuer), {
          ...init,
          redirect: 'manual',
          headers: { ...init.headers, cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
        });
        for (const cookie of response.headers.getSetCookie()) {
          const [pair = ''] = cookie.split(';');
          const at = pair.indexOf('=');
          cookies.set(pair.slice(0, at), pair.slice(at + 1));
        }
        return response;
      };
      const authorize = new URLSearchParams({
        client_id: 'temporal-ui',
        redirect_uri: callbackUrl,
        response_type: 'code',
        scope: 'openid profile email',
        state: 'state-1',
        nonce: 'nonce-1',
      });
      const toLogin = await step(`/auth?${authorize}`);
      expect(toLogin.status).toBe(303);
      const loginPage = await step(toLogin.headers.get('location') ?? '');
      const action = /<form[^>]*action="([^"]+)"/.exec(await loginPage.text())?.[1] ?? '';
      const submitted = await step(action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ prompt: 'login', login: 'alice', password: 'anything' }),
      });
      expect(submitted.status).toBe(303);
      // No consent page: straight back to the UI with a code.
      const back = await step(submitted.headers.get('location') ?? '');
      const redirect = new URL(back.headers.get('location') ?? '');
      expect(`${redirect.origin}${redirect.pathname}`).toBe(callbackUrl);
      expect(redirect.searchParams.get('state')).toBe('state-1');

      const token = await fetch(`${oidc.issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from('temporal-ui:ui-secret').toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: redirect.searchParams.get('code') ?? '',
          redirect_uri: callbackUrl,
        }),
      });
      expect(token.status).toBe(200);
      const { id_token } = (await token.json()) as { id_token: string };
      const [header, payload] = id_token.split('.').map((part) => {
        try {
          return JSON.parse(Buffer.from(part, 'base64url').toString());
        } catch {
          return undefined;
        }
      });
      expect(header).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
      expect(payload).toMatchObject({
        sub: 'alice',
        email: 'alice@arbitration.example',
        permissions: ['default:write'],
        aud: 'temporal-ui',
        nonce: 'nonce-1',
      });
    } finally {
      await oidc.stop();
    }
  });
});
