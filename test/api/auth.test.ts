import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateApiKey, parseApiKeys } from '../../config/api-keys.js';
import { type ApiUnderTest, startApi, withApi } from '../support/api-client.js';
import { type Harness, testContract } from '../support/harness.js';

let h: Harness;
let api: ApiUnderTest;
withApi((ready) => {
  ({ h, api } = ready);
});

describe('API keys', () => {
  it('answers 401 with a Bearer challenge without a key, with an unknown key, with another scheme', async () => {
    const none = await api.call('GET', '/v1/orders', { as: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="trade-escrow"');
    expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(none.body).toMatchObject({ type: '/problems/unauthorized', status: 401 });

    const unknown = await api.call('GET', '/v1/orders', { key: generateApiKey() });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toBe(
      'Bearer realm="trade-escrow", error="invalid_token"',
    );

    const basic = await api.call('GET', '/v1/orders', {
      as: null,
      headers: { authorization: `Basic ${Buffer.from(`x:${api.keys.reader}`).toString('base64')}` },
    });
    expect(basic.status).toBe(401);
  });

  it('checks the key before anything else: an unauthenticated create starts nothing', async () => {
    const contract = testContract();
    const response = await api.call('POST', '/v1/orders', { as: null, body: contract });
    expect(response.status).toBe(401);
    expect((await api.call('GET', `/v1/orders/${contract.orderId}`)).status).toBe(404);
  });

  it('separates the roles: marketplace mutates, arbitrator decides, reader reads', async () => {
    const contract = testContract();
    const { orderId } = contract;
    for (const role of ['reader', 'arbitrator'] as const) {
      const create = await api.call('POST', '/v1/orders', { as: role, body: contract });
      expect(create.status).toBe(403);
      expect(create.body).toMatchObject({
        type: '/problems/forbidden',
        detail: `role ${role} may not POST /v1/orders; allowed: marketplace`,
      });
    }
    expect((await api.call('POST', '/v1/orders', { as: 'marketplace', body: contract })).status).toBe(201);

    for (const role of ['marketplace', 'arbitrator', 'reader'] as const) {
      expect((await api.call('GET', `/v1/orders/${orderId}`, { as: role })).status).toBe(200);
      expect((await api.call('GET', `/v1/orders/${orderId}/ledger`, { as: role })).status).toBe(200);
      expect((await api.call('GET', '/v1/orders?limit=1', { as: role })).status).toBe(200);
    }

    const payment = { body: { amount: 1, reference: 'wire-1' } };
    expect(
      (await api.call('POST', `/v1/orders/${orderId}/payments`, { ...payment, as: 'reader' })).status,
    ).toBe(403);
    expect(
      (await api.call('POST', `/v1/orders/${orderId}/payments`, { ...payment, as: 'arbitrator' })).status,
    ).toBe(403);
    const decision = { body: { outcome: 'release', arbitrator: 'arb-1', rationale: 'fine' } };
    expect(
      (await api.call('POST', `/v1/orders/${orderId}/arbitration`, { ...decision, as: 'marketplace' }))
        .status,
    ).toBe(403);
    expect(
      (await api.call('POST', `/v1/orders/${orderId}/arbitration`, { ...decision, as: 'reader' })).status,
    ).toBe(403);
    // Allowed, and then refused by the order: it is not in arbitration.
    const arbitrator = await api.call('POST', `/v1/orders/${orderId}/arbitration`, {
      ...decision,
      as: 'arbitrator',
    });
    expect(arbitrator.status).toBe(409);
    expect(arbitrator.body.currentStatus).toBe('awaiting_funding');
  });

  it('accepts keys configured as SHA-256 digests, so that API_KEYS need hold no usable secret', async () => {
    const key = generateApiKey();
    const digest = createHash('sha256').update(key).digest('hex');
    const digestApi = await startApi(h, { apiKeys: parseApiKeys(`reader:${digest}`) });
    try {
      expect((await digestApi.call('GET', '/v1/orders?limit=1', { key })).status).toBe(200);
      expect((await digestApi.call('GET', '/v1/orders?limit=1', { key: digest })).status).toBe(401);
    } finally {
      await digestApi.close();
    }
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After once a key spent its requests; other keys go on', async () => {
    const limited = await startApi(h, { rateLimitPerMinute: 3 });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await limited.call('GET', '/v1/orders?limit=1', { as: 'reader' })).status).toBe(200);
      }
      const refused = await limited.call('GET', '/v1/orders?limit=1', { as: 'reader' });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ type: '/problems/rate-limited', status: 429 });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

      expect((await limited.call('GET', '/v1/orders?limit=1', { as: 'arbitrator' })).status).toBe(200);
      expect((await limited.call('GET', '/healthz')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('budgets each role on its own: a marketplace backend is not held to a reader’s limit', async () => {
    const limited = await startApi(h, { rateLimitPerMinute: { reader: 2 } });
    try {
      for (let i = 0; i < 2; i++) {
        expect((await limited.call('GET', '/v1/orders?limit=1', { as: 'reader' })).status).toBe(200);
      }
      expect((await limited.call('GET', '/v1/orders?limit=1', { as: 'reader' })).status).toBe(429);
      for (let i = 0; i < 5; i++) {
        expect((await limited.call('GET', '/v1/orders?limit=1', { as: 'marketplace' })).status).toBe(200);
      }
    } finally {
      await limited.close();
    }
  });

  it('lets a marketplace key send far more than 600 requests a minute by default', async () => {
    const statuses = new Map<number, number>();
    const missing = `/v1/orders/T-missing-${Date.now()}`;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 70; i++) {
          const { status } = await api.call('GET', missing);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    expect(Object.fromEntries(statuses)).toEqual({ 404: 700 });
  });
});
