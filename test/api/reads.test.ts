import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderQuery, workflowIdFor } from '../../workflows/model/messages.js';
import { closedOrder, type OrderSnapshot } from '../../workflows/model/state.js';
import type { order } from '../../workflows/order-workflow.js';
import { type ApiUnderTest, startApi } from '../support/api-client.js';
import { createHarness, type Harness, testContract } from '../support/harness.js';
import { conformingReport } from '../support/scenarios.js';

let h: Harness;
let api: ApiUnderTest;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
  api = await startApi(h, { upstreamTimeoutMs: 3000 });
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

async function walkToRelease(orderId: string) {
  const contract = testContract({ orderId });
  expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
  for (const [route, body] of [
    ['payments', { amount: contract.amount, reference: 'wire-1' }],
    ['shipment', { carrier: 'Maersk', trackingNumber: 'MSKU1234565' }],
    ['delivery', {}],
    ['inspection', conformingReport],
  ] as const) {
    expect((await api.call('POST', `/v1/orders/${orderId}/${route}`, { body })).status).toBe(200);
  }
  const handle = h.client.workflow.getHandle<typeof order>(workflowIdFor(orderId));
  const result = await handle.result();
  // The workflow's own order as it closed; its result leaves the parts out that grow history.
  const closed: OrderSnapshot = await handle.query(orderQuery);
  const feed = await api.call('GET', `/v1/orders/${orderId}/events`, { as: 'reader' });
  expect(result).toEqual(closedOrder(closed, feed.body.events.at(-1).sequence));
  expect(result).not.toHaveProperty('timeline');
  return closed;
}

describe('GET /v1/orders/:orderId', () => {
  it('answers a closed order from its final event in PostgreSQL, the same as the workflow, while no worker runs', async () => {
    const closed = await walkToRelease(`T-read-closed-${Date.now()}`);
    const open = testContract();
    expect((await api.call('POST', '/v1/orders', { body: open })).status).toBe(201);
    const expected = JSON.parse(JSON.stringify(closed));

    const withWorker = await api.call('GET', `/v1/orders/${closed.orderId}`);
    expect(withWorker.status).toBe(200);
    expect(withWorker.body).toEqual(expected);

    await h.stopWorker();
    try {
      const withoutWorker = await api.call('GET', `/v1/orders/${closed.orderId}`);
      expect(withoutWorker.status).toBe(200);
      expect(withoutWorker.body).toEqual(expected);
      expect(withoutWorker.body).toMatchObject({
        status: 'closed',
        outcome: 'released',
        reason: 'buyer_accepted',
      });

      // An open order needs its workflow: without a worker that is a 503 to retry, never a 500.
      const openRead = await api.call('GET', `/v1/orders/${open.orderId}`);
      expect(openRead.status).toBe(503);
      // So does a closed order without events (closed before order events existed).
      await h.pool.query('DELETE FROM order_events WHERE order_id = $1', [closed.orderId]);
      // With the default budget the server's own query timeout (shorter) answers first.
      const patient = await startApi(h);
      try {
        const legacyRead = await patient.call('GET', `/v1/orders/${closed.orderId}`);
        expect(legacyRead.status).toBe(503);
      } finally {
        await patient.close();
      }
    } finally {
      await h.startWorker();
    }
    const afterRestart = await api.call('GET', `/v1/orders/${open.orderId}`);
    expect(afterRestart.body).toMatchObject({ orderId: open.orderId, status: 'awaiting_funding' });
  });
});
