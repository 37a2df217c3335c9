import { describe, expect, it } from 'vitest';
import { type ApiUnderTest, eventually, withApi } from '../support/api-client.js';
import { at, testContract } from '../support/harness.js';

let api: ApiUnderTest;
withApi((ready) => {
  ({ api } = ready);
});

const post = (
  orderId: string,
  event: string,
  body: unknown,
  as: 'marketplace' | 'arbitrator' = 'marketplace',
) => api.call('POST', `/v1/orders/${orderId}/${event}`, { body, as });

const closed = (orderId: string) =>
  eventually(
    () => api.call('GET', `/v1/orders/${orderId}`, { as: 'reader' }),
    (r) => r.body.status === 'closed',
    30_000,
  ).then((r) => r.body);

const ledger = async (orderId: string) =>
  (await api.call('GET', `/v1/orders/${orderId}/ledger`, { as: 'reader' })).body.entries.map(
    (e: { kind: string; amount: number }) => [e.kind, e.amount],
  );

const conforming = {
  measurements: { moisture: 10.5, grade: 'A' },
  receivedQuantity: 1000,
  evidence: [{ uri: 'https://files.example.com/lab-report.pdf' }],
  inspector: 'SGS',
};
const tooWet = { ...conforming, measurements: { moisture: 14, grade: 'A' } };

describe('an order walked through the API alone', () => {
  it('from creation on a deposit to release to the supplier', async () => {
    const contract = testContract({ deposit: 250_000 });
    const { orderId } = contract;
    expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);

    const deposit = await post(orderId, 'payments', { amount: 250_000, reference: 'deposit' });
    expect(deposit.body).toMatchObject({ status: 'awaiting_shipment', funded: 250_000 });
    const balance = await post(orderId, 'payments', { amount: 1_000_000, reference: 'balance' });
    expect(balance.body).toMatchObject({ status: 'awaiting_shipment', funded: 1_250_000 });
    expect(
      (await post(orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSK-9' })).body.status,
    ).toBe('in_transit');
    expect((await post(orderId, 'delivery', {})).body.status).toBe('inspection');
    const inspected = await post(orderId, 'inspection', conforming);
    expect(inspected.status).toBe(200);
    expect(inspected.body.evaluation).toMatchObject({ conforms: true, violations: [] });

    expect(await closed(orderId)).toMatchObject({
      outcome: 'released',
      reason: 'buyer_accepted',
      escrowBalance: 0,
      payouts: [{ kind: 'release', amount: 1_250_000 }],
    });
    expect(await ledger(orderId)).toEqual([
      ['funding', 250_000],
      ['funding', 1_000_000],
      ['release', 1_250_000],
    ]);
  });

  it('refunds the buyer in full when the supplier does not ship by shipBy', async () => {
    const contract = testContract({ fundBy: at(2_000), shipBy: at(4_000) });
    const { orderId } = contract;
    await api.call('POST', '/v1/orders', { body: contract });
    await post(orderId, 'payments', { amount: 1_250_000, reference: 'wire-1' });

    expect(await closed(orderId)).toMatchObject({ outcome: 'refunded', reason: 'late_shipment' });
    expect(await ledger(orderId)).toEqual([
      ['funding', 1_250_000],
      ['refund', 1_250_000],
    ]);
    const late = await post(orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSK-10' });
    expect(late.status).toBe(409);
    expect(late.body.currentStatus).toBe('closed');
  });

  it('settles a quality dispute between the parties: an offer the buyer accepts', async () => {
    const contract = testContract();
    const { orderId } = contract;
    await api.call('POST', '/v1/orders', { body: contract });
    await post(orderId, 'payments', { amount: 1_250_000, reference: 'wire-1' });
    await post(orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSK-11' });
    await post(orderId, 'delivery', {});
    const disputed = await post(orderId, 'inspection', tooWet);
    expect(disputed.body).toMatchObject({
      status: 'negotiation',
      evaluation: { conforms: false, violations: [{ attribute: 'moisture', actual: 14 }] },
    });

    const tooMuch = await post(orderId, 'settlement', {
      party: 'supplier',
      action: 'offer',
      refundAmount: 2_000_000,
    });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.detail).toContain('exceeds what escrow covers');
    const offer = await post(orderId, 'settlement', {
      party: 'supplier',
      action: 'offer',
      refundAmount: 200_000,
    });
    expect(offer.body.offers).toMatchObject([{ refundAmount: 200_000, status: 'open' }]);
    expect((await post(orderId, 'settlement', { party: 'buyer', action: 'accept_offer' })).status).toBe(200);

    expect(await closed(orderId)).toMatchObject({ outcome: 'split', reason: 'settlement_agreed' });
    expect(await ledger(orderId)).toEqual([
      ['funding', 1_250_000],
      ['refund', 200_000],
      ['release', 1_050_000],
    ]);
  });

  it('goes to arbitration at once with a PT0S negotiation window; only an arbitrator decides', async () => {
    const contract = testContract({ negotiationWindow: 'PT0S' });
    const { orderId } = contract;
    await api.call('POST', '/v1/orders', { body: contract });
    await post(orderId, 'payments', { amount: 1_250_000, reference: 'wire-1' });
    await post(orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSK-12' });
    await post(orderId, 'delivery', {});
    expect((await post(orderId, 'inspection', tooWet)).body.status).toBe('arbitration');

    const decision = {
      outcome: 'refund',
      arbitrator: 'arb-7',
      rationale: 'moisture 14% against at most 12%',
    };
    expect((await post(orderId, 'arbitration', decision)).status).toBe(403);
    const outOfRange = await post(
      orderId,
      'arbitration',
      { ...decision, outcome: 'split', refundAmount: 1_250_000 },
      'arbitrator',
    );
    expect(outOfRange.status).toBe(422);
    const decided = await post(orderId, 'arbitration', { ...decision, returnGoods: false }, 'arbitrator');
    expect(decided.status).toBe(200);
    expect(decided.body.decision).toMatchObject({ outcome: 'refund', arbitrator: 'arb-7' });

    expect(await closed(orderId)).toMatchObject({ outcome: 'refunded', reason: 'arbitration' });
    expect(await ledger(orderId)).toEqual([
      ['funding', 1_250_000],
      ['refund', 1_250_000],
    ]);
  });

  it('refunds the buyer when the supplier cancels before shipping', async () => {
    const contract = testContract();
    const { orderId } = contract;
    await api.call('POST', '/v1/orders', { body: contract });
    await post(orderId, 'payments', { amount: 1_250_000, reference: 'wire-1' });
    const cancelled = await post(orderId, 'cancel', { party: 'supplier', reason: 'out of stock' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.cancellation).toMatchObject({ party: 'supplier', reason: 'out of stock' });

    expect(await closed(orderId)).toMatchObject({ outcome: 'refunded', reason: 'supplier_cancelled' });
    expect(await ledger(orderId)).toEqual([
      ['funding', 1_250_000],
      ['refund', 1_250_000],
    ]);
  });
});
