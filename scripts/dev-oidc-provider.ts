import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Provider, { type ClientMetadata } from 'oidc-provider';

/**
 * A local OpenID provider (the `oidc-provider` library) for the locked Temporal plane in
 * development and tests: it signs RS256 tokens with a `kid` (what the Temporal server's default
 * JWT claim mapper accepts), serves them at `<issuer>/jwks` (TEMPORAL_JWKS_URL), and puts a
 * `permissions` claim (`<namespace>:<role>`) into
 * - access tokens of the client-credentials grant, for services (the escrow API and worker), and
 * - ID tokens of people who sign in to the Web UI (the UI passes the ID token on as the bearer).
 */
export interface OidcService {
  clientId: string;
  clientSecret: string;
  permissions: string[];
}
export interface OidcUser {
  id: string;
  email: string;
  permissions: string[];
}
export interface DevOidcProvider {
  issuer: string;
  jwksUri: string;
  /** A client-credentials access token (a JWT) of one of the services. */
  serviceToken(clientId: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startDevOidcProvider(options: {
  port?: number;
  services: OidcService[];
  users?: OidcUser[];
  ui?: { clientId: string; clientSecret: string; callbackUrl: string };
}): Promise<DevOidcProvider> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  const services = new Map(options.services.map((s) => [s.clientId, s]));
  const users = new Map((options.users ?? []).map((u) => [u.id, u]));
  // The issuer must be known before the provider exists: listen on the port first.
  const { createServer } = await import('node:http');
  let handler: ReturnType<Provider['callback']> | undefined;
  const server = createServer((req, res) => handler?.(req, res));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const clients: ClientMetadata[] = [
    ...options.services.map(
      (s): ClientMetadata => ({
        client_id: s.clientId,
        client_secret: s.clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      }),
    ),
    ...(options.ui
      ? [
          {
            client_id: options.ui.clientId,
            client_secret: options.ui.clientSecret,
            grant_types: ['authorization_code', 'refresh_token'],
            redirect_uris: [options.ui.callbackUrl],
            response_types: ['code'],
          } satisfies ClientMetadata,
        ]
      : []),
  ];
  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    clients,
    ttl: { ClientCredentials: 3600 },
    claims: { openid: ['sub'], email: ['email'], profile: ['permissions'] },
    conformIdTokenClaims: false,
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'urn:temporal',
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'temporal',
          audience: 'temporal',
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    findAccount: (_ctx, id) => {
      const user = users.get(id);
      if (!user) return undefined;
      return {
        accountId: id,
        claims: () => ({ sub: id, email: user.email, permissions: user.permissions }),
      };
    },
    extraTokenClaims: (_ctx, token) => {
      const service = 'clientId' in token && token.clientId ? services.get(token.clientId) : undefined;
      return service ? { permissions: service.permissions } : {};
    },
  });
  handler = provider.callback();

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    async serviceToken(clientId) {
      const service = services.get(clientId);
      if (!service) throw new Error(`no service ${clientId}`);
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:${service.clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'temporal' }),
      });
      const body = (await response.json()) as { access_token?: string; error_description?: string };
      if (!response.ok || !body.access_token) {
        throw new Error(`token request of ${clientId} failed: ${response.status} ${body.error_description}`);
      }
      return body.access_token;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `npx tsx scripts/dev-oidc-provider.ts`: a provider with one worker service; prints its token. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const provider = await startDevOidcProvider({
    port: Number(process.env.OIDC_PORT ?? 0),
    services: [{ clientId: 'escrow-worker', clientSecret: 'dev-secret', permissions: ['default:write'] }],
  });
  const token = await provider.serviceToken('escrow-worker');
  const [header, payload] = token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
  console.log(`issuer ${provider.issuer}\nJWKS   ${provider.jwksUri}`);
  console.log('token header', header);
  console.log('token claims', payload);
  console.log(`token ${token}`);
  console.log('Ctrl-C to stop');
}
