import { describe, expect, it } from 'vitest';
import { fileClaimUpdate, workflowIdFor } from '../../workflows/model/messages.js';
import { type ApiUnderTest, orderReads, withApi } from '../support/api-client.js';
import { type Harness, testContract } from '../support/harness.js';

/**
 * Stripe's rule for `Idempotency-Key`: the key names one request, body included. The same key and
 * body get the first answer; the same key with another body on the same route is a 422 that
 * changes nothing, before and after the order closed.
 */
let h: Harness;
let api: ApiUnderTest;
withApi((ready) => {
  ({ h, api } = ready);
});
const reads = orderReads(() => api);

async function createOrder() {
  const contract = testContract();
  expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
  return contract.orderId;
}

const post = (orderId: string, route: string, body: unknown, key: string) =>
  api.call('POST', `/v1/orders/${orderId}/${route}`, { body, headers: { 'idempotency-key': key } });

const reused = (orderId: string, route: string, key: string) => ({
  status: 422,
  body: {
    type: '/problems/idempotency-key-reused',
    title: 'The Idempotency-Key was used on this route of the order with another body',
    status: 422,
    detail:
      `Idempotency-Key ${key} was used on ${route} of order ${orderId} with another body; ` +
      'send a new key for a new request, or the first body to get its answer',
    instance: `/v1/orders/${orderId}/${route}`,
    requestId: expect.any(String),
  },
});

describe('Idempotency-Key with another body', () => {
  it('is refused 422 and changes nothing; the first body still gets the first answer', async () => {
    const orderId = await createOrder();
    const first = await post(orderId, 'payments', { amount: 400_000, reference: 'wire-1' }, 'pay-1');
    expect(first).toMatchObject({ status: 200, body: { status: 'awaiting_funding', funded: 400_000 } });

    for (const other of [
      { amount: 850_000, reference: 'wire-2' },
      { amount: 400_001, reference: 'wire-1' },
    ]) {
      const refused = await post(orderId, 'payments', other, 'pay-1');
      expect(refused).toMatchObject(reused(orderId, 'payments', 'pay-1'));
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }

    // The same body, its keys in another order, is the same request.
    const retried = await post(orderId, 'payments', { reference: 'wire-1', amount: 400_000 }, 'pay-1');
    expect(retried).toMatchObject({ status: 200, body: first.body });
    expect(await reads.snapshot(orderId)).toMatchObject({
      funded: 400_000,
      payments: [{ reference: 'wire-1' }],
    });
    expect(await reads.ledger(orderId)).toEqual([['funding', 400_000]]);

    // A new key is a new request.
    const next = await post(orderId, 'payments', { amount: 850_000, reference: 'wire-2' }, 'pay-2');
    expect(next).toMatchObject({ status: 200, body: { status: 'awaiting_shipment', funded: 1_250_000 } });
  });

  it('is refused after the order moved on, and one key on another route is another request', async () => {
    const orderId = await createOrder();
    const paid = await post(orderId, 'payments', { amount: 1_250_000, reference: 'wire-1' }, 'k-1');
    expect(paid.body.status).toBe('awaiting_shipment');
    const shipment = { carrier: 'Maersk', trackingNumber: 'MSK-1' };
    const shipped = await post(orderId, 'shipment', shipment, 'k-1');
    expect(shipped).toMatchObject({ status: 200, body: { status: 'in_transit' } });
    expect((await post(orderId, 'delivery', {}, 'k-1')).body.status).toBe('inspection');

    expect(await post(orderId, 'shipment', { ...shipment, trackingNumber: 'MSK-2' }, 'k-1')).toMatchObject(
      reused(orderId, 'shipment', 'k-1'),
    );
    expect(await post(orderId, 'payments', { amount: 1, reference: 'wire-9' }, 'k-1')).toMatchObject(
      reused(orderId, 'payments', 'k-1'),
    );
    expect(await post(orderId, 'shipment', shipment, 'k-1')).toMatchObject({
      status: 200,
      body: shipped.body,
    });
    expect(await reads.snapshot(orderId)).toMatchObject({
      status: 'inspection',
      funded: 1_250_000,
      shipment: { trackingNumber: 'MSK-1' },
    });
  });

  it('is refused after the order closed, and the first body still gets its answer', async () => {
    const orderId = await createOrder();
    await post(orderId, 'payments', { amount: 400_000, reference: 'wire-1' }, 'pay-1');
    const cancel = { party: 'buyer', reason: 'changed our mind' };
    const cancelled = await post(orderId, 'cancel', cancel, 'cancel-1');
    expect(cancelled.status).toBe(200);
    expect(await reads.closed(orderId)).toMatchObject({ status: 'closed', outcome: 'cancelled' });
    const ledger = [
      ['funding', 400_000],
      ['refund', 400_000],
    ];
    expect(await reads.ledger(orderId)).toEqual(ledger);

    expect(
      await post(orderId, 'cancel', { party: 'supplier', reason: 'out of stock' }, 'cancel-1'),
    ).toMatchObject(reused(orderId, 'cancel', 'cancel-1'));
    expect(await post(orderId, 'payments', { amount: 1, reference: 'wire-2' }, 'pay-1')).toMatchObject(
      reused(orderId, 'payments', 'pay-1'),
    );
    expect(await post(orderId, 'cancel', cancel, 'cancel-1')).toMatchObject({
      status: 200,
      body: cancelled.body,
    });
    // A key the order never saw is a new event, which a closed order refuses.
    expect(await post(orderId, 'cancel', cancel, 'cancel-2')).toMatchObject({
      status: 409,
      body: { type: '/problems/wrong-state', currentStatus: 'closed' },
    });
    expect(await reads.ledger(orderId)).toEqual(ledger);
  });

  it('sent at the same moment as the first body, only one of the two is applied', async () => {
    const orderId = await createOrder();
    const bodies = [
      { amount: 400_000, reference: 'wire-a' },
      { amount: 500_000, reference: 'wire-b' },
    ];
    const answers = await Promise.all(bodies.map((body) => post(orderId, 'payments', body, 'race-1')));
    const applied = answers.findIndex((a) => a.status === 200);
    expect(applied).toBeGreaterThanOrEqual(0);
    expect(answers[1 - applied]).toMatchObject(reused(orderId, 'payments', 'race-1'));
    const winner = bodies[applied] as (typeof bodies)[number];
    expect(answers[applied]?.body).toMatchObject({
      funded: winner.amount,
      payments: [{ reference: winner.reference }],
    });
    expect(await reads.ledger(orderId)).toEqual([['funding', winner.amount]]);
  });

  it('is refused on the answer to an extension, a route with a second path parameter', async () => {
    const orderId = await createOrder();
    const paid = await post(orderId, 'payments', { amount: 1_250_000, reference: 'wire-1' }, 'pay-1');
    const until = new Date(Date.parse(paid.body.deadlines.shipBy) + 86_400_000).toISOString();
    const proposed = await post(
      orderId,
      'extensions',
      { party: 'supplier', deadline: 'shipBy', until, reason: 'r' },
      'x-1',
    );
    expect(proposed.status).toBe(201);
    const { extensionId } = proposed.body.extensions[0];
    const route = `extensions/${extensionId}`;
    const accepted = await post(orderId, route, { party: 'buyer', action: 'accept' }, 'x-1');
    expect(accepted).toMatchObject({ status: 200, body: { deadlines: { shipBy: until } } });

    expect(await post(orderId, route, { party: 'buyer', action: 'accept' }, 'x-1')).toMatchObject({
      status: 200,
      body: accepted.body,
    });
    expect(await post(orderId, route, { party: 'buyer', action: 'reject' }, 'x-1')).toMatchObject(
      reused(orderId, route, 'x-1'),
    );
    expect((await reads.snapshot(orderId)).extensions).toMatchObject([{ extensionId, status: 'accepted' }]);
  });

  it('holds a key recorded by an older schema to the body as that schema read it', async () => {
    const orderId = await createOrder();
    await post(orderId, 'payments', { amount: 1_250_000, reference: 'wire-1' }, 'pay-1');
    await post(orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSK-1' }, 'ship-1');
    await post(orderId, 'delivery', {}, 'deliver-1');
    // As an API whose claim schema had no `evidence` default yet sent it: the Update's recorded
    // argument lacks the field that today's parse of the same body adds.
    const claim = { reason: 'quality', description: 'moisture 14 %', requestedRefund: 300_000 };
    await h.client.workflow
      .getHandle(workflowIdFor(orderId))
      .executeUpdate(fileClaimUpdate, { args: [claim], updateId: 'claims:claim-1' });

    const retried = await post(orderId, 'claims', claim, 'claim-1');
    expect(retried).toMatchObject({
      status: 200,
      body: { status: 'negotiation', dispute: { claim: { ...claim, evidence: [], status: 'open' } } },
    });
    expect(await post(orderId, 'claims', { ...claim, requestedRefund: 400_000 }, 'claim-1')).toMatchObject(
      reused(orderId, 'claims', 'claim-1'),
    );
    expect((await reads.snapshot(orderId)).dispute.claim).toMatchObject({ requestedRefund: 300_000 });
  });
});
