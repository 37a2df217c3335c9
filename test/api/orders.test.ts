import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../api/fingerprint.js';
import { ORDER_WORKFLOW_TYPE, orderStartOptions } from '../../api/order-start.js';
import { ContractInputSchema, normalizeContract } from '../../workflows/schemas/contract.js';
import { type ApiUnderTest, eventually, withApi } from '../support/api-client.js';
import { at, type Harness, testContract } from '../support/harness.js';

let h: Harness;
let api: ApiUnderTest;
withApi((ready) => {
  ({ h, api } = ready);
});

describe('POST /v1/orders', () => {
  it('creates the order and its workflow: 201, Location, the snapshot, search attributes and summary', async () => {
    const contract = testContract({ amount: 1_250_000, deposit: 250_000 });
    const created = await api.call('POST', '/v1/orders', { body: contract });

    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/orders/${contract.orderId}`);
    expect(created.body).toMatchObject({
      orderId: contract.orderId,
      status: 'awaiting_funding',
      funded: 0,
      contract: { amount: 1_250_000, deposit: 250_000, inspectionWindow: 'PT60S', currency: 'USD' },
      deadlines: { fundBy: new Date(contract.fundBy as string).toISOString() },
    });
    // The answer needs no Query, and is the order its workflow holds.
    const read = await api.call('GET', `/v1/orders/${contract.orderId}`);
    expect(read.body).toEqual(created.body);
    const description = await h.client.workflow.getHandle(`order-${contract.orderId}`).describe();
    expect(await description.staticSummary()).toBe(
      `Order ${contract.orderId}: USD 12,500.00, Steel Supplier (supplier-1) → Acme Buyer (buyer-1)`,
    );
  });

  it('answers an identical create with 200 and the existing order, a different one with 409', async () => {
    const contract = testContract();
    expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    await api.call('POST', `/v1/orders/${contract.orderId}/payments`, {
      body: { amount: 1_250_000, reference: 'wire-1' },
    });

    // Same content, other key order: the same request.
    const reordered = Object.fromEntries(Object.entries(contract).reverse());
    const again = await api.call('POST', '/v1/orders', { body: reordered });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      orderId: contract.orderId,
      status: 'awaiting_shipment',
      funded: 1_250_000,
    });

    const different = await api.call('POST', '/v1/orders', { body: { ...contract, amount: 999 } });
    expect(different.status).toBe(409);
    expect(different.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(different.body).toMatchObject({
      type: '/problems/order-exists',
      status: 409,
      currentStatus: 'awaiting_shipment',
      instance: '/v1/orders',
    });
  });

  it('answers an identical create of an order started before the fingerprint was a digest', async () => {
    const body = testContract();
    const input = ContractInputSchema.parse(body);
    const contract = normalizeContract(input, new Date());
    // As the API started orders then: the create request's canonical JSON itself in the input.
    const options = orderStartOptions(input, contract, h.taskQueue);
    await h.client.workflow.start(ORDER_WORKFLOW_TYPE, {
      ...options,
      args: [{ contract, requestFingerprint: canonicalJson(input) }],
    });
    const again = await api.call('POST', '/v1/orders', { body });
    expect(again).toMatchObject({ status: 200, body: { orderId: body.orderId, status: 'awaiting_funding' } });
    const different = await api.call('POST', '/v1/orders', { body: { ...body, amount: 999 } });
    expect(different).toMatchObject({ status: 409, body: { type: '/problems/order-exists' } });
  });

  it('never reuses an order id: a closed order still answers an identical create, and refuses events', async () => {
    const contract = testContract({ fundBy: at(1500), shipBy: at(60_000) });
    expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    const closed = await eventually(
      () => api.call('GET', `/v1/orders/${contract.orderId}`),
      (r) => r.body.status === 'closed',
    );
    expect(closed.body).toMatchObject({ status: 'closed', outcome: 'cancelled', reason: 'unfunded' });

    // fundBy has passed: the body is no longer a valid new contract, but it is this order's.
    const retry = await api.call('POST', '/v1/orders', { body: contract });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ status: 'closed', reason: 'unfunded' });

    const reuse = await api.call('POST', '/v1/orders', {
      body: { ...contract, fundBy: at(60_000), shipBy: at(120_000) },
    });
    expect(reuse.status).toBe(409);
    expect(reuse.body).toMatchObject({ type: '/problems/order-exists', currentStatus: 'closed' });

    const payment = await api.call('POST', `/v1/orders/${contract.orderId}/payments`, {
      body: { amount: 100, reference: 'late-wire' },
    });
    expect(payment.status).toBe(409);
    expect(payment.body).toMatchObject({ type: '/problems/wrong-state', currentStatus: 'closed' });
  });

  it('answers 400 with one entry per bad field', async () => {
    const { quantity: _omitted, ...withoutQuantity } = testContract();
    const response = await api.call('POST', '/v1/orders', {
      body: {
        ...withoutQuantity,
        orderId: '-bad id',
        buyer: { id: '' },
        amount: 12.5,
        currency: 'usd',
        shipBy: 'next week',
        colour: 'red',
      },
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({
      type: '/problems/invalid-request',
      status: 400,
      instance: '/v1/orders',
    });
    expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(
      ['amount', 'buyer.id', 'colour', 'currency', 'orderId', 'quantity', 'shipBy'].sort(),
    );
    expect(response.body.errors).toContainEqual({
      path: 'currency',
      message: 'must be an ISO 4217 code such as USD',
    });
  });

  it('answers 422 when the contract contradicts itself, naming every contradiction', async () => {
    const contract = testContract({
      supplier: { id: 'buyer-1' },
      deposit: 2_000_000,
      fundBy: at(120_000),
      shipBy: at(60_000),
    });
    const response = await api.call('POST', '/v1/orders', { body: contract });

    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ type: '/problems/contract-contradiction', status: 422 });
    expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'supplier.id',
      'deposit',
      'shipBy',
    ]);
    const get = await api.call('GET', `/v1/orders/${contract.orderId}`);
    expect(get.status).toBe(404);
  });

  it('answers 400 for a body that is not JSON, 415 for another content type, 413 above 1 MiB', async () => {
    const malformed = await api.call('POST', '/v1/orders', { body: '{"orderId": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.type).toBe('/problems/malformed-body');

    const text = await api.call('POST', '/v1/orders', {
      body: 'orderId=1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.body.type).toBe('/problems/unsupported-media-type');

    const huge = await api.call('POST', '/v1/orders', {
      body: testContract({ buyer: { id: 'b', name: 'x'.repeat(1024 * 1024) } }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.type).toBe('/problems/payload-too-large');
  });
});

describe('GET /v1/orders/:orderId', () => {
  it('answers 404 for an unknown order and 400 for an impossible order id', async () => {
    const unknown = await api.call('GET', `/v1/orders/never-${randomUUID()}`, { as: 'reader' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ type: '/problems/order-not-found', status: 404 });

    const impossible = await api.call('GET', `/v1/orders/${'x'.repeat(65)}`, { as: 'reader' });
    expect(impossible.status).toBe(400);
    expect(impossible.body.errors).toEqual([{ path: 'params.orderId', message: expect.any(String) }]);
  });

  it('answers a path the router or the HTTP parser refuses as a problem too: 414 too long, 431 above 16 KiB, 400 bad escape', async () => {
    const long = await api.call('GET', `/v1/orders/${'x'.repeat(5000)}/ledger`, { as: 'reader' });
    expect(long.status).toBe(414);
    expect(long.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(long.body).toMatchObject({ type: '/problems/uri-too-long', status: 414 });

    const huge = await api.call('GET', `/v1/orders/${'%77'.repeat(6000)}`, { as: 'reader' });
    expect(huge.status).toBe(431);
    expect(huge.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(huge.body).toMatchObject({ type: '/problems/request-too-large', status: 431 });

    const badEscape = await api.call('GET', '/v1/orders/%E0%A4%A', { as: 'reader' });
    expect(badEscape.status).toBe(400);
    expect(badEscape.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(badEscape.body.type).toMatch(/^\/problems\//);
  });
});

describe('GET /v1/orders', () => {
  it('lists by buyer, supplier and status, newest first, in pages', async () => {
    const buyer = { id: `buyer-${randomUUID()}`, name: "O'Brien & Sons" };
    const contracts = [testContract({ buyer }), testContract({ buyer }), testContract({ buyer })];
    for (const contract of contracts) await api.call('POST', '/v1/orders', { body: contract });
    await api.call('POST', `/v1/orders/${contracts[0]?.orderId}/payments`, {
      body: { amount: 1_250_000, reference: 'wire-1' },
    });
    const query = `buyerId=${encodeURIComponent(buyer.id)}`;

    const all = await eventually(
      () => api.call('GET', `/v1/orders?${query}`, { as: 'reader' }),
      (r) =>
        r.body.orders?.length === 3 &&
        r.body.orders.some((o: { status: string }) => o.status !== 'awaiting_funding'),
    );
    expect(all.status).toBe(200);
    expect(all.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual(
      contracts.map((c) => c.orderId).reverse(),
    );
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.orders[2]).toMatchObject({
      orderId: contracts[0]?.orderId,
      status: 'awaiting_shipment',
      buyerId: buyer.id,
      supplierId: 'supplier-1',
      escrowAmount: 1_250_000,
      shipBy: new Date(contracts[0]?.shipBy as string).toISOString(),
    });

    const funded = await api.call(
      'GET',
      `/v1/orders?${query}&status=awaiting_shipment&supplierId=supplier-1`,
      {
        as: 'arbitrator',
      },
    );
    expect(funded.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([contracts[0]?.orderId]);

    const first = await api.call('GET', `/v1/orders?${query}&limit=2`);
    expect(first.body.orders).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api.call('GET', `/v1/orders?${query}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([contracts[0]?.orderId]);
    const otherFilter = await api.call('GET', `/v1/orders?limit=2&cursor=${first.body.nextCursor}`);
    expect(otherFilter.status).toBe(400);
  });

  it('answers 400 for a bad filter, limit or cursor', async () => {
    const bad = await api.call('GET', '/v1/orders?status=lost&limit=500&buyer=x');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'query.buyer',
      'query.limit',
      'query.status',
    ]);

    const madeUp = await api.call('GET', '/v1/orders?cursor=bm90LWEtdG9rZW4.bm90LWEtZGlnZXN0');
    expect(madeUp.status).toBe(400);
    expect(madeUp.body.errors).toEqual([
      { path: 'query.cursor', message: 'is not a nextCursor of a list with these filters' },
    ]);
  });
});

describe('GET /v1/orders/:orderId/ledger', () => {
  it("lists the order's ledger entries, and 404 for an unknown order", async () => {
    const contract = testContract();
    await api.call('POST', '/v1/orders', { body: contract });
    const empty = await api.call('GET', `/v1/orders/${contract.orderId}/ledger`, { as: 'reader' });
    expect(empty).toMatchObject({ status: 200, body: { orderId: contract.orderId, entries: [] } });

    await api.call('POST', `/v1/orders/${contract.orderId}/payments`, {
      body: { amount: 500_000, reference: 'wire-1' },
    });
    const ledger = await api.call('GET', `/v1/orders/${contract.orderId}/ledger`, { as: 'reader' });
    expect(ledger.body.entries).toEqual([
      expect.objectContaining({
        kind: 'funding',
        amount: 500_000,
        currency: 'USD',
        reference: 'wire-1',
        idempotencyKey: `${contract.orderId}:payment:wire-1`,
        legs: [
          { accountId: 'buyer:buyer-1:USD', amount: -500_000 },
          { accountId: `escrow:${contract.orderId}`, amount: 500_000 },
        ],
      }),
    ]);

    const unknown = await api.call('GET', `/v1/orders/never-${randomUUID()}/ledger`, { as: 'reader' });
    expect(unknown.status).toBe(404);
  });
});
