import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ClientMetadata, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A local OpenID provider (the `oidc-provider` library) for the locked Temporal plane in
 * development and tests, standing in for the company's identity provider. It signs RS256 tokens
 * with a `kid` (what the Temporal server's default JWT claim mapper accepts), serves its keys at
 * `jwksUri` (the server's `global.authorization.jwtKeyProvider.keySourceURIs`), and puts a
 * `permissions` claim (`<namespace>:<role>`, the server's `permissionsClaimName`) into
 * - access tokens of the client-credentials grant at `tokenUrl`, for services (the escrow API and
 *   worker: `TEMPORAL_OIDC_*`), and
 * - ID tokens of people who sign in to the Web UI with the authorization-code flow (the UI passes
 *   the ID token on as the bearer). The login page takes any password for a known user and asks
 *   no consent: the UI is a first-party client.
 */
export interface OidcService {
  clientId: string;
  clientSecret: string;
  permissions: string[];
}
export interface OidcUser {
  /** The login name typed on the login page; the tokens' `sub`. */
  id: string;
  email: string;
  permissions: string[];
}
export interface DevOidcProviderOptions {
  /** 0 or unset: a free port. */
  port?: number;
  services: OidcService[];
  users?: OidcUser[];
  /** The Web UI's client (authorization code); `callbackUrl` is `<UI>/auth/sso/callback`. */
  ui?: { clientId: string; clientSecret: string; callbackUrl: string };
  /**
   * Keeps the signing key across restarts (a JWK in a file, created if missing), so that a server
   * that read the JWKS before accepts the tokens of the next run. Without it: a new key per start.
   */
  keyFile?: string;
  /** Lifetime of the services' access tokens: 3600 s unless set (tests shorten it to see renewals). */
  serviceTokenTtlSeconds?: number;
}
export interface DevOidcProvider {
  issuer: string;
  /** `<issuer>/jwks`. */
  jwksUri: string;
  /** `<issuer>/token`: the client-credentials endpoint of the services (TEMPORAL_OIDC_TOKEN_URL). */
  tokenUrl: string;
  /** The scope a service asks for (TEMPORAL_OIDC_SCOPE): its access token is then a JWT. */
  serviceScope: string;
  /** A client-credentials access token (a JWT) of one of the services. */
  serviceToken(clientId: string): Promise<string>;
  stop(): Promise<void>;
}

/** The resource the services' access tokens are issued for, and its one scope. */
const TEMPORAL_RESOURCE = 'urn:temporal';
export const SERVICE_SCOPE = 'temporal';

function signingKey(keyFile: string | undefined): Record<string, unknown> {
  if (keyFile && existsSync(keyFile)) return JSON.parse(readFileSync(keyFile, 'utf8'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  if (keyFile) writeFileSync(keyFile, JSON.stringify(jwk), { mode: 0o600 });
  return jwk;
}

export async function startDevOidcProvider(options: DevOidcProviderOptions): Promise<DevOidcProvider> {
  const jwk = signingKey(options.keyFile);
  const serviceTtl = options.serviceTokenTtlSeconds ?? 3600;
  // A person's session in the UI: an hour, whatever the services get.
  const ttl = 3600;
  const services = new Map(options.services.map((s) => [s.clientId, s]));
  const users = new Map((options.users ?? []).map((u) => [u.id, u]));
  // The issuer must be known before the provider exists: listen on the port first.
  let handler: ReturnType<Provider['callback']> | undefined;
  const server = createServer((req, res) => handler?.(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
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
  const isService = (clientId: string | undefined) => clientId !== undefined && services.has(clientId);
  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    clients,
    ttl: {
      ClientCredentials: serviceTtl,
      IdToken: ttl,
      AccessToken: ttl,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
    claims: { openid: ['sub'], email: ['email'], profile: ['permissions'] },
    conformIdTokenClaims: false,
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Services get a JWT for Temporal; the UI's own access token stays opaque (it is not the bearer).
        defaultResource: (_ctx, client) => (isService(client.clientId) ? TEMPORAL_RESOURCE : undefined),
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: SERVICE_SCOPE,
          audience: SERVICE_SCOPE,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    // A first-party client: the login grants what the UI asks for, without a consent page.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session, result } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile offline_access');
      await grant.save();
      return grant;
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

  const tokenUrl = `${issuer}/token`;
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    tokenUrl,
    serviceScope: SERVICE_SCOPE,
    async serviceToken(clientId) {
      const service = services.get(clientId);
      if (!service) throw new Error(`no service ${clientId}`);
      const response = await fetch(tokenUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:${service.clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: SERVICE_SCOPE }),
      });
      const body = (await response.json()) as { access_token?: string; error_description?: string };
      if (!response.ok || !body.access_token) {
        throw new Error(`token request of ${clientId} failed: ${response.status} ${body.error_description}`);
      }
      return body.access_token;
    },
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
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
  console.log(`issuer ${provider.issuer}\nJWKS   ${provider.jwksUri}\ntoken  ${provider.tokenUrl}`);
  console.log('token header', header);
  console.log('token claims', payload);
  console.log(`token ${token}`);
  console.log('Ctrl-C to stop');
}
