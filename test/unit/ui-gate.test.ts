import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeOf, startUiGate, type UiGate } from '../../gate/ui-gate.js';

/**
 * The gate in front of the Web UI server, between real sockets: a stand-in UI server that records
 * what reaches it, and an identity provider of one RSA key that publishes its JWKS. The cluster
 * suite (test/cluster/arbitrator-login.test.ts) runs it in front of the real UI and Chromium.
 */
const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

const ISSUER = 'http://idp.test';
const AUDIENCE = 'temporal-ui';

function rsaKey(kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

function jwt(key: { kid: string; privateKey: KeyObject }, claims: Record<string, unknown>): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${b64({ alg: 'RS256', kid: key.kid, typ: 'JWT' })}.${b64(claims)}`;
  return `${signed}.${sign('sha256', Buffer.from(signed), key.privateKey).toString('base64url')}`;
}

describe('the UI gate', () => {
  const key = rsaKey('key-1');
  const now = () => Math.floor(Date.now() / 1000);
  const person = { iss: ISSUER, aud: AUDIENCE, sub: 'alice', email: 'alice@arbitration.example' };
  const idToken = (claims: Record<string, unknown> = {}) =>
    jwt(key, { ...person, exp: now() + 600, ...claims });
  const received: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const servers: Server[] = [];
  let gate: UiGate;

  beforeAll(async () => {
    const ui = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
        res.end(JSON.stringify({ from: 'ui' }));
      });
    });
    const jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [key.jwk] }));
    });
    servers.push(ui, jwks);
    const [uiPort, jwksPort] = [await listen(ui), await listen(jwks)];
    gate = await startUiGate({
      upstream: { host: '127.0.0.1', port: uiPort },
      listen: { host: '127.0.0.1', port: 0 },
      oidc: { issuer: ISSUER, jwksUri: `http://127.0.0.1:${jwksPort}/jwks`, audience: AUDIENCE },
    });
  });
  afterAll(async () => {
    await gate?.stop();
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  const workflow = '/api/v1/namespaces/default/workflows/order-1';
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const before = received.length;
    return fetch(`${gate.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (response) => ({
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as Record<string, unknown>,
      cookies: response.headers.getSetCookie(),
      upstream: received.slice(before),
    }));
  };
  const update = { request: { meta: { updateId: 'u-1', identity: 'i-am-the-boss' }, input: { args: {} } } };

  it('passes reads and Queries through to the UI server', async () => {
    const read = await call('GET', `${workflow}?x=1`);
    expect(read).toMatchObject({ status: 200, body: { from: 'ui' }, cookies: ['a=1', 'b=2'] });
    expect(read.upstream).toMatchObject([{ method: 'GET', url: `${workflow}?x=1` }]);
    const query = await call('POST', `${workflow}/query/__stack_trace`, { query: {} });
    expect(query.status).toBe(200);
    expect(JSON.parse(query.upstream[0]?.body ?? '')).toEqual({ query: {} });
  });

  it.each([
    ['POST', `${workflow}/terminate`],
    ['POST', `${workflow}/cancel`],
    ['POST', `${workflow}/reset`],
    ['POST', `${workflow}/signal/reviewDeadlines`],
    ['POST', `${workflow}/signal-with-start/reviewDeadlines`],
    ['POST', workflow],
    ['POST', '/api/v1/namespaces/default/batch-operations/job-1'],
    ['POST', '/api/v1/namespaces/default/activities/pause'],
    ['DELETE', '/api/v1/namespaces/default/schedules/s-1'],
    ['PUT', `${workflow}/update/arbitrate`],
    ['POST', `${workflow}/terminate%2Fupdate/arbitrate`],
    ['POST', `${workflow}//update/arbitrate`],
    ['POST', `${workflow}/update/arbitrate/`],
  ])('refuses %s %s with 403 before the UI server sees it', async (method, path) => {
    const response = await call(method, path, {}, { 'authorization-extras': idToken() });
    expect(response).toMatchObject({ status: 403, type: 'application/problem+json', upstream: [] });
    expect(response.body.detail).toContain('arbitrators decide with the `arbitrate` Update');
  });

  it('stamps an Update with whom the verified ID token names, whatever the browser declared', async () => {
    const token = idToken();
    const response = await call('POST', `${workflow}/update/arbitrate`, update, {
      authorization: 'Bearer opaque-access-token',
      'authorization-extras': token,
    });
    expect(response.status).toBe(200);
    const [forwarded] = response.upstream;
    expect(JSON.parse(forwarded?.body ?? '')).toEqual({
      request: {
        meta: { updateId: 'u-1', identity: 'web-ui:alice@arbitration.example (oidc sub alice)' },
        input: { args: {} },
      },
    });
    // The UI server passes this bearer on: the frontend authorizes the very token the gate verified.
    expect(forwarded?.headers.authorization).toBe(`Bearer ${token}`);
    expect(forwarded?.headers['authorization-extras']).toBeUndefined();
    expect(Number(forwarded?.headers['content-length'])).toBe(Buffer.byteLength(forwarded?.body ?? ''));
  });

  it("stamps the underwriter's `verify` of a credit line as it stamps the arbitrator's decision", async () => {
    const line = '/api/v1/namespaces/default/workflows/credit-line-L-1';
    const response = await call('POST', `${line}/update/verify`, update, {
      authorization: 'Bearer opaque-access-token',
      'authorization-extras': idToken(),
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.upstream[0]?.body ?? '').request.meta.identity).toBe(
      'web-ui:alice@arbitration.example (oidc sub alice)',
    );
  });

  it('refuses an Update with 401 whose token is missing, forged or not for the Web UI', async () => {
    const other = rsaKey('key-1');
    const [header, payload] = idToken().split('.');
    const tokens = [
      undefined,
      'not-a-jwt',
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`,
      `${header}.${Buffer.from(JSON.stringify({ ...person, sub: 'bob', exp: now() + 600 })).toString('base64url')}.${idToken().split('.')[2]}`,
      jwt(other, { ...person, exp: now() + 600 }),
      jwt(rsaKey('key-unknown'), { ...person, exp: now() + 600 }),
      idToken({ exp: now() - 3600 }),
      idToken({ aud: 'escrow-api' }),
      idToken({ iss: 'http://elsewhere.test' }),
      idToken({ sub: undefined }),
    ];
    for (const token of tokens) {
      const response = await call(
        'POST',
        `${workflow}/update/arbitrate`,
        update,
        token ? { authorization: `Bearer ${token}` } : {},
      );
      expect(response, String(token)).toMatchObject({
        status: 401,
        type: 'application/problem+json',
        upstream: [],
      });
    }
  });

  it('refuses an Update body over 2 MiB with 413, and the answer reaches the client', async () => {
    const response = await fetch(`${gate.url}${workflow}/update/arbitrate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${idToken()}` },
      body: 'x'.repeat(3 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
  });

  it('refuses an Update body that is not a JSON object', async () => {
    const response = await fetch(`${gate.url}${workflow}/update/arbitrate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${idToken()}` },
      body: '[1,',
    });
    expect(response.status).toBe(400);
  });

  it('lets nothing write, Updates included, in front of a UI without login', async () => {
    const open = await startUiGate({
      upstream: { host: '127.0.0.1', port: Number(new URL(gate.url).port) },
      listen: { host: '127.0.0.1', port: 0 },
    });
    try {
      const response = await fetch(`${open.url}${workflow}/update/arbitrate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${idToken()}` },
        body: JSON.stringify(update),
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { detail: string }).detail).toContain('no login configured');
      expect((await fetch(`${open.url}${workflow}`)).status).toBe(200);
    } finally {
      await open.stop();
    }
  });

  it('reads routes as the UI server’s router splits them', () => {
    expect(routeOf('GET', `${workflow}/terminate`)).toBe('read');
    expect(routeOf('POST', `${workflow.replace('order-1', 'a%2Fb')}/update/arbitrate`)).toEqual({
      kind: 'update',
      workflowId: 'a/b',
      updateName: 'arbitrate',
    });
    expect(routeOf('POST', `${workflow}/query/state?x=1`)).toEqual({ kind: 'query' });
    expect(routeOf('POST', '/auth/sso')).toEqual({ kind: 'write' });
  });
});
