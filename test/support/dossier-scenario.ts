import { expect } from 'vitest';
import type { ApiUnderTest } from './api-client.js';
import { eventually } from './api-client.js';
import { testContract } from './harness.js';

export const photo = (party: string, i: number) => ({
  uri: `https://evidence.example.com/${party}/photo-${i}.jpg`,
  sha256: (i % 16).toString(16).repeat(64),
  description: `${party}'s photo ${i} of the bags at unloading`,
});

/**
 * An order taken through a whole dispute over HTTP: funded, shipped, delivered, a claim with
 * evidence, statements of both sides (one with markup in it), an offer, an escalation, and the
 * arbitrator's split; answers once the order is closed and its events are all in the feed.
 */
export async function disputedOrder(api: ApiUnderTest, overrides: Parameters<typeof testContract>[0] = {}) {
  const contract = testContract({ negotiationWindow: 'P3D', ...overrides });
  const { orderId } = contract;
  const post = async (event: string, body: unknown, as: 'marketplace' | 'arbitrator' = 'marketplace') => {
    const answer = await api.call('POST', `/v1/orders/${orderId}/${event}`, { body, as });
    expect(answer.status, `${event}: ${JSON.stringify(answer.body)}`).toBe(200);
    return answer.body;
  };
  expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
  await post('payments', { amount: contract.amount, reference: 'wire-1' });
  await post('shipment', { carrier: 'Maersk', trackingNumber: 'MSKU1234565' });
  await post('delivery', {});
  await post('claims', {
    reason: 'damaged',
    description: 'Forty bags arrived torn; the rice is wet.',
    requestedRefund: 500_000,
    evidence: [photo('buyer', 1), photo('buyer', 2)],
  });
  await post('statements', {
    party: 'supplier',
    text: 'The bags left the mill intact <script>alert("x")</script>; see the loading photos.',
    evidence: [photo('supplier', 3)],
  });
  await post('settlement', { party: 'supplier', action: 'offer', refundAmount: 200_000 });
  await post('statements', {
    party: 'buyer',
    text: 'Two hundred thousand does not cover the loss.',
    evidence: [],
  });
  await post('settlement', { party: 'buyer', action: 'escalate', reason: 'no agreement' });
  await post(
    'arbitration',
    {
      outcome: 'split',
      refundAmount: 400_000,
      arbitrator: 'arb-017',
      rationale: 'The photos show forty torn bags of 250; a refund of 400,000 covers them.',
    },
    'arbitrator',
  );
  const closed = await eventually(
    () => api.call('GET', `/v1/orders/${orderId}/events`, { as: 'reader' }),
    (r) => r.body.events.some((e: { type: string }) => e.type === 'order.split'),
    30_000,
  );
  return { contract, orderId, events: closed.body.events as { type: string; sequence: number }[] };
}
