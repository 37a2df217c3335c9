import { describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../workflows/model/messages.js';
import { type ApiUnderTest, withApi } from '../support/api-client.js';
import { type Harness, testContract } from '../support/harness.js';

let h: Harness;
let api: ApiUnderTest;
withApi((ready) => {
  ({ h, api } = ready);
});

interface FeedEvent {
  id: string;
  type: string;
  orderId: string;
  sequence: number;
  cursor: string;
  data: { order: { status: string; outcome?: string } };
}

/** An order the supplier cancels after funding: five events, all stored once it closed. */
async function refundedOrder(): Promise<string> {
  const contract = testContract();
  const path = `/v1/orders/${contract.orderId}`;
  expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
  expect(
    (await api.call('POST', `${path}/payments`, { body: { amount: 1_250_000, reference: 'w-1' } })).status,
  ).toBe(200);
  expect(
    (await api.call('POST', `${path}/cancel`, { body: { party: 'supplier', reason: 'no stock' } })).status,
  ).toBe(200);
  await h.client.workflow.getHandle(workflowIdFor(contract.orderId)).result();
  return contract.orderId;
}

describe('event feed', () => {
  it("answers an order's events in sequence, with the snapshot at each", async () => {
    const orderId = await refundedOrder();
    const response = await api.call<{ orderId: string; events: FeedEvent[] }>(
      'GET',
      `/v1/orders/${orderId}/events`,
      {
        as: 'reader',
      },
    );
    expect(response.status).toBe(200);
    expect(response.body.events.map((e) => [e.sequence, e.type])).toEqual([
      [1, 'order.created'],
      [2, 'order.payment_received'],
      [3, 'order.funded'],
      [4, 'order.payout'],
      [5, 'order.refunded'],
    ]);
    expect(response.body.events.map((e) => e.data.order.status)).toEqual([
      'awaiting_funding',
      'awaiting_funding',
      'awaiting_shipment',
      'settling',
      'closed',
    ]);
    expect(response.body.events.at(-1)?.data.order.outcome).toBe('refunded');
  });

  it('pages through every event from a cursor: the same events, each once, in order', async () => {
    const orderId = await refundedOrder();
    const own = (await api.call<{ events: FeedEvent[] }>('GET', `/v1/orders/${orderId}/events`)).body.events;

    const seen: FeedEvent[] = [];
    let after = '0';
    for (let page = 0; page < 1000; page++) {
      const response = await api.call<{ events: FeedEvent[]; cursor: string }>(
        'GET',
        `/v1/events?after=${after}&limit=7`,
      );
      expect(response.status).toBe(200);
      if (response.body.events.length === 0) {
        expect(response.body.cursor).toBe(after);
        break;
      }
      seen.push(...response.body.events);
      after = response.body.cursor;
    }
    const ids = seen.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(seen.filter((e) => e.orderId === orderId).map((e) => [e.id, e.sequence])).toEqual(
      own.map((e) => [e.id, e.sequence]),
    );
    const cursors = seen.map((e) => Number(e.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
  });

  it('answers 404 for an unknown order, 400 for a bad cursor or limit, 401 without a key', async () => {
    expect((await api.call('GET', `/v1/orders/${testContract().orderId}/events`)).status).toBe(404);
    const badCursor = await api.call('GET', '/v1/events?after=abc');
    expect(badCursor.status).toBe(400);
    expect(badCursor.headers.get('content-type')).toContain('application/problem+json');
    expect((await api.call('GET', '/v1/events?limit=501')).status).toBe(400);
    expect((await api.call('GET', '/v1/events', { as: null })).status).toBe(401);
  });
});
