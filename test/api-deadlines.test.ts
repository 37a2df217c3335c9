import { describe, expect, it } from 'vitest';
import { type ApiUnderTest, eventually, withApi } from './api-client.js';
import { testContract } from './harness.js';

/** SPEC §9.5 over HTTP: the transit deadline. */

let api: ApiUnderTest;
withApi((ready) => {
  ({ api } = ready);
});

const DAY = 24 * 3600 * 1000;
const post = (orderId: string, event: string, body: unknown) =>
  api.call('POST', `/v1/orders/${orderId}/${event}`, { body });
const get = (orderId: string) => api.call('GET', `/v1/orders/${orderId}`, { as: 'reader' });

async function shipped(overrides: Parameters<typeof testContract>[0] = {}) {
  const contract = testContract(overrides);
  expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
  await post(contract.orderId, 'payments', { amount: contract.amount, reference: 'wire-1' });
  const response = await post(contract.orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSK-1' });
  expect(response.status).toBe(200);
  return { orderId: contract.orderId, snapshot: response.body };
}

describe('the transit deadline', () => {
  it('without deliverBy, shows shippedAt + P60D from the shipment on', async () => {
    const { orderId, snapshot } = await shipped();
    expect(snapshot.contract.transitWindow).toBe('P60D');
    expect(snapshot.deadlines.deliverBy).toBe(
      new Date(Date.parse(snapshot.shipment.shippedAt) + 60 * DAY).toISOString(),
    );
    expect((await get(orderId)).body.deadlines.deliverBy).toBe(snapshot.deadlines.deliverBy);
  });

  it('opens the non-delivery dispute when the transit window passes', async () => {
    const { orderId, snapshot } = await shipped({ transitWindow: 'PT2S' });
    expect(snapshot.deadlines.deliverBy).toBe(
      new Date(Date.parse(snapshot.shipment.shippedAt) + 2_000).toISOString(),
    );
    const disputed = await eventually(
      () => get(orderId),
      (r) => r.body.status !== 'in_transit',
      30_000,
    );
    expect(disputed.body).toMatchObject({ status: 'negotiation', dispute: { kind: 'non_delivery' } });
    const events = await api.call('GET', `/v1/orders/${orderId}/events`, { as: 'reader' });
    expect(events.body.events.map((e: { type: string }) => e.type)).toContain('order.dispute_opened');
  });

  it('keeps an explicit deliverBy, and refuses a transit window of PT0S', async () => {
    const withDeliverBy = testContract({ deliverBy: new Date(Date.now() + 10 * DAY).toISOString() });
    const { orderId, snapshot } = await shipped(withDeliverBy);
    expect(orderId).toBe(withDeliverBy.orderId);
    expect(snapshot.deadlines.deliverBy).toBe(withDeliverBy.deliverBy);

    const zero = await api.call('POST', '/v1/orders', { body: testContract({ transitWindow: 'PT0S' }) });
    expect(zero.status).toBe(422);
    expect(zero.body.errors).toEqual([
      { path: 'transitWindow', message: 'transitWindow must be longer than PT0S' },
    ]);
  });
});
