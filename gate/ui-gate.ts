import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The gate in front of the Temporal Web UI server (2.42.1): the only published address of the UI.
 * The UI server forwards to the frontend whatever a signed-in browser asks, and declares no
 * identity with an Update; the frontend's authorization is per namespace role, so an arbitrator
 * with `write` could Terminate or Reset an order through it. The gate lets reads through, lets
 * only Updates and Queries write, and stamps each Update with the verified sender: the workflow
 * reads that identity back from the accepted Update (docs/arbitrators.md#who-decided).
 */
export interface UiGateOptions {
  /** The UI server, on a loopback or private address nobody else reaches. */
  upstream: { host: string; port: number };
  /** Where the gate listens: this is the UI's public address. */
  listen: { host: string; port: number };
  /** The UI's OIDC login; without one (a UI on loopback for operators) it writes nothing at all. */
  oidc?: UiGateOidc;
}

export interface UiGateOidc {
  /** The identity provider whose ID tokens the UI passes on (`iss`), and its keys. */
  issuer: string;
  jwksUri: string;
  /** The UI's client id at the provider: the `aud` of the people's ID tokens. */
  audience: string;
}

export interface UiGate {
  url: string;
  stop(): Promise<void>;
}

/** Temporal refuses larger payloads anyway (2 MiB blob limit); the gate need not buffer more. */
const MAX_UPDATE_BODY = 2 * 1024 * 1024;
/** Tokens of a provider whose clock runs a little ahead are still good. */
const CLOCK_SKEW_SECONDS = 30;
/** A token with an unknown `kid` refetches the keys (a rotation), at most this often. */
const JWKS_REFETCH_MS = 30_000;

type Route =
  | { kind: 'update'; workflowId: string; updateName: string }
  | { kind: 'query' }
  | { kind: 'write' };

/**
 * Only the grpc-gateway routes the UI's read-only POST (Query) and the Update use are let
 * through; every other method on every other path is a write and is refused, so a route
 * Temporal adds later is refused too. Segments are compared raw, before decoding, as the UI
 * server's router splits them: `terminate%2Fupdate` is not `update`.
 */
export function routeOf(method: string, url: string): Route | 'read' {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return 'read';
  const path = new URL(url, 'http://gate').pathname;
  const s = path.split('/');
  // ['', 'api', 'v1', 'namespaces', ns, 'workflows', id, 'update' | 'query', name]
  const workflowAction =
    method === 'POST' &&
    s.length === 9 &&
    s[1] === 'api' &&
    s[2] === 'v1' &&
    s[3] === 'namespaces' &&
    s[5] === 'workflows' &&
    s.slice(4, 9).every((segment) => segment !== '');
  if (workflowAction && s[7] === 'update') {
    return {
      kind: 'update',
      workflowId: decodeURIComponent(s[6] as string),
      updateName: decodeURIComponent(s[8] as string),
    };
  }
  if (workflowAction && s[7] === 'query') return { kind: 'query' };
  return { kind: 'write' };
}

/** What Temporal records as the caller of an Update sent through the UI by this person. */
export function uiIdentity(claims: { sub: string; email?: unknown }): string {
  return typeof claims.email === 'string' && claims.email
    ? `web-ui:${claims.email} (oidc sub ${claims.sub})`
    : `web-ui:oidc sub ${claims.sub}`;
}

class Unauthorized extends Error {}

/** RS256 ID tokens of one provider, checked with node:crypto against its JWKS. */
function tokenVerifier(options: UiGateOidc) {
  let keys = new Map<string, KeyObject>();
  let fetchedAt = 0;
  const refresh = async () => {
    const response = await fetch(options.jwksUri);
    if (!response.ok) throw new Error(`JWKS ${options.jwksUri} answered ${response.status}`);
    const jwks = (await response.json()) as { keys?: { kid?: string; kty?: string }[] };
    keys = new Map(
      (jwks.keys ?? [])
        .filter((k) => k.kid && k.kty === 'RSA')
        .map((k) => [k.kid as string, createPublicKey({ key: k, format: 'jwk' })]),
    );
    fetchedAt = Date.now();
  };
  const part = (text: string | undefined) => {
    try {
      return JSON.parse(Buffer.from(text ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new Unauthorized('the token is not a JWT');
    }
  };
  return async (token: string): Promise<{ sub: string; email?: unknown }> => {
    const [header, payload, signature, ...rest] = token.split('.');
    if (signature === undefined || rest.length > 0) throw new Unauthorized('the token is not a JWT');
    const h = part(header);
    if (h.alg !== 'RS256' || typeof h.kid !== 'string') {
      throw new Unauthorized('the token is not signed RS256 with a key id');
    }
    if (!keys.has(h.kid) && Date.now() - fetchedAt > JWKS_REFETCH_MS) await refresh();
    const key = keys.get(h.kid);
    if (!key) throw new Unauthorized('the token is signed by a key the identity provider does not publish');
    const signed = Buffer.from(`${header}.${payload}`);
    if (!verify('sha256', signed, key, Buffer.from(signature, 'base64url'))) {
      throw new Unauthorized('the token’s signature does not verify');
    }
    const claims = part(payload);
    const now = Date.now() / 1000;
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (claims.iss !== options.issuer) throw new Unauthorized('the token is from another issuer');
    if (!audiences.includes(options.audience)) throw new Unauthorized('the token is not for the Web UI');
    if (typeof claims.exp !== 'number' || claims.exp < now - CLOCK_SKEW_SECONDS) {
      throw new Unauthorized('the token has expired: sign in again');
    }
    if (typeof claims.nbf === 'number' && claims.nbf > now + CLOCK_SKEW_SECONDS) {
      throw new Unauthorized('the token is not valid yet');
    }
    if (typeof claims.sub !== 'string' || !claims.sub) throw new Unauthorized('the token names no subject');
    return { sub: claims.sub, email: claims.email };
  };
}

/**
 * The token the UI server will present to the frontend for this request: with
 * `useIdTokenAsBearer` the ID token of `Authorization-Extras`, else the bearer itself.
 */
function presentedToken(req: IncomingMessage): string | undefined {
  const extras = req.headers['authorization-extras'];
  if (typeof extras === 'string' && extras) return extras;
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  return bearer?.[1];
}

function problem(res: ServerResponse, status: number, title: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

/** The body, or undefined past the limit (the rest is drained, so that the answer still reaches the client). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_UPDATE_BODY) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.resume();
      resolve(undefined);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

export async function startUiGate(options: UiGateOptions): Promise<UiGate> {
  const verifyToken = options.oidc && tokenVerifier(options.oidc);

  const forward = (req: IncomingMessage, res: ServerResponse, body?: Buffer, token?: string) => {
    const headers = { ...req.headers };
    // grpc-gateway turns some POSTs into other methods on request: the method checked is the method sent.
    delete headers['x-http-method-override'];
    if (body) {
      delete headers['transfer-encoding'];
      delete headers['authorization-extras'];
      headers['content-length'] = String(body.length);
      // The UI server passes this bearer on unchanged: the frontend authorizes the very token verified here.
      headers.authorization = `Bearer ${token}`;
    }
    const upstream = request(
      { ...options.upstream, method: req.method, path: req.url, headers },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) problem(res, 502, 'Web UI unavailable', 'the Web UI server did not answer');
      else res.destroy();
    });
    if (body) upstream.end(body);
    else req.pipe(upstream);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const route = routeOf(req.method ?? 'GET', req.url ?? '/');
    if (route === 'read' || route.kind === 'query') return forward(req, res);
    if (route.kind === 'write') {
      req.resume();
      return problem(
        res,
        403,
        'Action not allowed',
        `${req.method} ${new URL(req.url ?? '/', 'http://gate').pathname} is refused: arbitrators decide ` +
          'with the `arbitrate` Update and underwriters with `verify`; Terminate, Cancel, Reset, Signal, Start, batch and activity ' +
          'actions go through the escrow API or an operator (docs/operations.md#the-ui-gate).',
      );
    }
    if (!verifyToken) {
      req.resume();
      return problem(
        res,
        403,
        'No login',
        'this Web UI has no login configured, so it sends no Update: decide through the escrow API, ' +
          'or configure the UI’s OIDC login (docs/operations.md#the-ui-gate).',
      );
    }
    const token = presentedToken(req);
    if (!token) {
      req.resume();
      return problem(res, 401, 'Not signed in', 'an Update needs the signed-in user’s token');
    }
    let claims: Awaited<ReturnType<typeof verifyToken>>;
    try {
      claims = await verifyToken(token);
    } catch (err) {
      req.resume();
      if (err instanceof Unauthorized) return problem(res, 401, 'Not signed in', err.message);
      return problem(res, 503, 'Identity provider unavailable', (err as Error).message);
    }
    const raw = await readBody(req);
    if (!raw) {
      return problem(res, 413, 'Update too large', `an Update body is at most ${MAX_UPDATE_BODY} bytes`);
    }
    let update: { request?: { meta?: Record<string, unknown> } & Record<string, unknown> };
    try {
      update = JSON.parse(raw.toString('utf8'));
      if (typeof update !== 'object' || update === null || Array.isArray(update)) throw new Error();
    } catch {
      return problem(res, 400, 'Bad Update', 'the Update body is not a JSON object');
    }
    // Whatever the browser declared, the sender is who signed in.
    update.request = { ...update.request, meta: { ...update.request?.meta, identity: uiIdentity(claims) } };
    forward(req, res, Buffer.from(JSON.stringify(update)), token);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) problem(res, 500, 'Gate error', 'the gate failed on this request');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The gate's settings from its environment (docker-compose.yml); throws naming what is missing. */
export function uiGateOptionsFromEnv(env: NodeJS.ProcessEnv): UiGateOptions {
  const required = (name: string, what: string) => {
    const value = env[name];
    if (!value) throw new Error(`${name} is required: ${what} (docs/operations.md#the-ui-gate)`);
    return value;
  };
  const upstream = new URL(
    required('UI_GATE_UPSTREAM', 'the Web UI server behind the gate, http://host:port'),
  );
  return {
    upstream: { host: upstream.hostname, port: Number(upstream.port || 80) },
    listen: { host: env.UI_GATE_HOST || '0.0.0.0', port: Number(env.UI_GATE_PORT || 8080) },
    // The same switch as the UI's login (TEMPORAL_AUTH_ENABLED).
    ...(env.UI_GATE_LOGIN === 'true' && {
      oidc: {
        issuer: required('OIDC_ISSUER_URL', 'the issuer of the arbitrators’ ID tokens'),
        jwksUri: required('OIDC_JWKS_URL', 'the identity provider’s JWKS URL'),
        audience: required('OIDC_UI_CLIENT_ID', 'the Web UI’s client id, the audience of the ID tokens'),
      },
    }),
  };
}
