import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ApiUnderTest, withApi } from '../support/api-client.js';
import { at, testContract } from '../support/harness.js';

let api: ApiUnderTest;
withApi((ready) => {
  ({ api } = ready);
});

async function createOrder(overrides: Parameters<typeof testContract>[0] = {}) {
  const contract = testContract(overrides);
  const response = await api.call('POST', '/v1/orders', { body: contract });
  expect(response.status).toBe(201);
  return contract.orderId;
}

const fund = (orderId: string) =>
  api.call('POST', `/v1/orders/${orderId}/payments`, { body: { amount: 1_250_000, reference: 'wire-1' } });

describe('Idempotency-Key', () => {
  it('answers a retry with the first answer and applies the event once', async () => {
    const orderId = await createOrder();
    const payment = { amount: 400_000, reference: 'wire-1' };
    const headers = { 'idempotency-key': 'payment-attempt-1' };

    const first = await api.call('POST', `/v1/orders/${orderId}/payments`, { body: payment, headers });
    const retry = await api.call('POST', `/v1/orders/${orderId}/payments`, { body: payment, headers });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'awaiting_funding', funded: 400_000 });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);

    // The key names the request, body included: a retry that changed its body is refused.
    const changed = await api.call('POST', `/v1/orders/${orderId}/payments`, {
      body: { amount: 850_000, reference: 'wire-2' },
      headers,
    });
    expect(changed).toMatchObject({ status: 422, body: { type: '/problems/idempotency-key-reused' } });

    const ledger = await api.call('GET', `/v1/orders/${orderId}/ledger`);
    expect(ledger.body.entries.map((e: { kind: string; amount: number }) => [e.kind, e.amount])).toEqual([
      ['funding', 400_000],
    ]);
  });

  it('replays an accepted event even after the order moved on; without a key the same event is refused', async () => {
    const orderId = await createOrder();
    await fund(orderId);
    const shipment = { body: { carrier: 'Maersk', trackingNumber: 'MSK-1' } };
    const headers = { 'idempotency-key': 'ship-1' };

    const shipped = await api.call('POST', `/v1/orders/${orderId}/shipment`, { ...shipment, headers });
    expect(shipped.body.status).toBe('in_transit');
    const retried = await api.call('POST', `/v1/orders/${orderId}/shipment`, { ...shipment, headers });
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual(shipped.body);

    const again = await api.call('POST', `/v1/orders/${orderId}/shipment`, shipment);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      type: '/problems/wrong-state',
      status: 409,
      currentStatus: 'in_transit',
      detail: 'cannot record a shipment while the order is in_transit; allowed in: awaiting_shipment',
    });
  });

  it('keeps one key on two routes apart', async () => {
    const orderId = await createOrder();
    const headers = { 'idempotency-key': 'same-key' };
    const paid = await api.call('POST', `/v1/orders/${orderId}/payments`, {
      body: { amount: 1_250_000, reference: 'wire-1' },
      headers,
    });
    const shipped = await api.call('POST', `/v1/orders/${orderId}/shipment`, {
      body: { carrier: 'Maersk', trackingNumber: 'MSK-2' },
      headers,
    });
    expect(paid.body.status).toBe('awaiting_shipment');
    expect(shipped.status).toBe(200);
    expect(shipped.body.status).toBe('in_transit');
  });

  it('refuses a key that is not 1-255 printable characters', async () => {
    const orderId = await createOrder();
    const response = await api.call('POST', `/v1/orders/${orderId}/payments`, {
      body: { amount: 1, reference: 'wire-1' },
      headers: { 'idempotency-key': 'k'.repeat(256) },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { path: 'headers.idempotency-key', message: 'must be 1-255 printable ASCII characters' },
    ]);
  });
});

describe('event errors', () => {
  it('treats a repeated payment reference as a no-op, and one with another amount as 422', async () => {
    const orderId = await createOrder();
    await api.call('POST', `/v1/orders/${orderId}/payments`, {
      body: { amount: 300_000, reference: 'wire-1' },
    });
    const repeated = await api.call('POST', `/v1/orders/${orderId}/payments`, {
      body: { amount: 300_000, reference: 'wire-1' },
    });
    expect(repeated.status).toBe(200);
    expect(repeated.body).toMatchObject({ funded: 300_000, payments: [{ reference: 'wire-1' }] });

    const conflicting = await api.call('POST', `/v1/orders/${orderId}/payments`, {
      body: { amount: 999, reference: 'wire-1' },
    });
    expect(conflicting.status).toBe(422);
    expect(conflicting.body).toMatchObject({
      type: '/problems/invalid-event',
      detail: 'payment reference wire-1 was already recorded with amount 300000',
    });
  });

  it('answers 409 naming the current status for an event the status does not allow', async () => {
    const orderId = await createOrder();
    const delivery = await api.call('POST', `/v1/orders/${orderId}/delivery`, { body: {} });
    expect(delivery.status).toBe(409);
    expect(delivery.body).toMatchObject({
      currentStatus: 'awaiting_funding',
      instance: `/v1/orders/${orderId}/delivery`,
    });

    await fund(orderId);
    const buyerCancel = await api.call('POST', `/v1/orders/${orderId}/cancel`, {
      body: { party: 'buyer', reason: 'changed my mind' },
    });
    expect(buyerCancel.status).toBe(409);
    expect(buyerCancel.body).toMatchObject({ currentStatus: 'awaiting_shipment' });
    const snapshot = await api.call('GET', `/v1/orders/${orderId}`);
    expect(snapshot.body).toMatchObject({ status: 'awaiting_shipment', funded: 1_250_000 });
  });

  it('answers 422 for an event that contradicts the order, 400 for one that breaks the schema', async () => {
    const orderId = await createOrder();
    await fund(orderId);
    const future = await api.call('POST', `/v1/orders/${orderId}/shipment`, {
      body: { carrier: 'Maersk', trackingNumber: 'MSK-3', shippedAt: at(3_600_000) },
    });
    expect(future.status).toBe(422);
    expect(future.body.type).toBe('/problems/invalid-event');

    const malformed = await api.call('POST', `/v1/orders/${orderId}/settlement`, {
      body: { party: 'supplier', action: 'offer', refundAmount: -5 },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([{ path: 'refundAmount', message: 'must be greater than 0' }]);

    const decision = await api.call('POST', `/v1/orders/${orderId}/arbitration`, {
      as: 'arbitrator',
      body: { outcome: 'refund' },
    });
    expect(decision.status).toBe(400);
    expect(decision.body.errors.map((e: { path: string }) => e.path)).toEqual(['arbitrator', 'rationale']);
  });

  it('answers 404 for an event on an unknown order', async () => {
    const response = await api.call('POST', `/v1/orders/never-${randomUUID()}/payments`, {
      body: { amount: 1, reference: 'wire-1' },
    });
    expect(response.status).toBe(404);
    expect(response.body.type).toBe('/problems/order-not-found');
  });
});
