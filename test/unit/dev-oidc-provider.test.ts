import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startDevOidcProvider } from '../../scripts/dev-oidc-provider.js';

/**
 * The local OpenID provider issues what the Temporal server 1.29 default JWT claim mapper accepts:
 * RS256 with a `kid` found in the JWKS, a string `sub`, and a `permissions` array.
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
});
