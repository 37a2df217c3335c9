import { describe, expect, it } from 'vitest';
import { type ApiUnderTest, orderReads, withApi } from '../support/api-client.js';
import { at, testContract } from '../support/harness.js';

/** docs/spec.md#reversals over HTTP: before and after shipment, and every refusal changing nothing. */

let api: ApiUnderTest;
withApi((ready) => {
  ({ api } = ready);
});

const post = (orderId: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  api.call('POST', `/v1/orders/${orderId}/${path}`, { body, headers });
const reverse = (orderId: string, reference: string, body: unknown, headers: Record<string, string> = {}) =>
  post(orderId, `payments/${encodeURIComponent(reference)}/reversal`, body, headers);
const { snapshot: get, closed, ledger, ledgerEntries, eventTypes } = orderReads(() => api);

const AMOUNT = 1_250_000;

async function create(overrides: Parameters<typeof testContract>[0] = {}) {
  const contract = testContract(overrides);
  expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
  return contract.orderId;
}

async function shipped() {
  const orderId = await create();
  await post(orderId, 'payments', { amount: AMOUNT, reference: 'wire-1' });
  expect((await post(orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSK-1' })).body.status).toBe(
    'in_transit',
  );
  return orderId;
}

describe('payment reversals', () => {
  it('before shipment: the order goes on while the deposit is covered, and is cancelled once it is not', async () => {
    const orderId = await create({ deposit: 500_000 });
    await post(orderId, 'payments', { amount: 600_000, reference: 'wire-1' });
    const first = await reverse(orderId, 'wire-1', { amount: 50_000, reason: 'recall' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'awaiting_shipment',
      funded: 550_000,
      escrowBalance: 550_000,
    });
    expect(first.body.reversals).toEqual([
      expect.objectContaining({
        reference: 'wire-1',
        amount: 50_000,
        reason: 'recall',
        idempotencyKey: `${orderId}:reversal:wire-1:1`,
      }),
    ]);

    const second = await reverse(orderId, 'wire-1', { amount: 100_000, reason: 'chargeback' });
    expect(second.status).toBe(200);
    const s = await closed(orderId);
    expect(s).toMatchObject({
      outcome: 'cancelled',
      reason: 'payment_reversed',
      funded: 450_000,
      escrowBalance: 0,
    });
    expect(await ledger(orderId)).toEqual([
      ['funding', 600_000],
      ['reversal', 50_000],
      ['reversal', 100_000],
      ['refund', 450_000],
    ]);
    const entries = await ledgerEntries(orderId);
    expect(entries[2]).toMatchObject({ idempotencyKey: `${orderId}:reversal:wire-1:2`, reference: 'wire-1' });
    expect(entries[2].legs).toEqual([
      { accountId: `escrow:${orderId}`, amount: -100_000 },
      { accountId: 'buyer:buyer-1:USD', amount: 100_000 },
    ]);
    expect(await eventTypes(orderId, 'order.cancelled')).toEqual(
      expect.arrayContaining(['order.payment_reversed', 'order.cancelled']),
    );
  });

  it('awaiting funding: the order keeps waiting for its deposit', async () => {
    const orderId = await create();
    await post(orderId, 'payments', { amount: 300_000, reference: 'card-1' });
    const reversed = await reverse(orderId, 'card-1', { amount: 300_000, reason: 'chargeback' });
    expect(reversed.body).toMatchObject({ status: 'awaiting_funding', funded: 0, outstanding: AMOUNT });
    expect(await ledger(orderId)).toEqual([
      ['funding', 300_000],
      ['reversal', 300_000],
    ]);
  });

  it('after shipment: the order goes on with less in escrow and releases what is left', async () => {
    const orderId = await shipped();
    const reversed = await reverse(orderId, 'wire-1', {
      amount: 250_000,
      reason: 'returned_payment',
      reversedAt: at(-1_000),
    });
    expect(reversed.status).toBe(200);
    expect(reversed.body).toMatchObject({
      status: 'in_transit',
      funded: 1_000_000,
      escrowBalance: 1_000_000,
      outstanding: 250_000,
    });
    await post(orderId, 'delivery', {});
    await post(orderId, 'acceptance', {});
    const s = await closed(orderId);
    expect(s).toMatchObject({ outcome: 'released', reason: 'buyer_accepted', escrowBalance: 0 });
    expect(await ledger(orderId)).toEqual([
      ['funding', AMOUNT],
      ['reversal', 250_000],
      ['release', 1_000_000],
    ]);
  });

  it('an Idempotency-Key makes a retried reversal one reversal', async () => {
    const orderId = await shipped();
    const body = { amount: 10_000, reason: 'chargeback' };
    const headers = { 'idempotency-key': 'rev-1' };
    const first = await reverse(orderId, 'wire-1', body, headers);
    const again = await reverse(orderId, 'wire-1', body, headers);
    expect(again.status).toBe(200);
    expect(again.body.reversals).toEqual(first.body.reversals);
    expect(again.body.funded).toBe(AMOUNT - 10_000);
    expect(await ledger(orderId)).toEqual([
      ['funding', AMOUNT],
      ['reversal', 10_000],
    ]);
  });

  describe('refusals change nothing', () => {
    const cases: [string, string, unknown, number, string][] = [
      [
        'an unknown reference',
        'wire-404',
        { amount: 1, reason: 'chargeback' },
        404,
        '/problems/payment-not-found',
      ],
      [
        'more than the payment',
        'wire-1',
        { amount: AMOUNT + 1, reason: 'chargeback' },
        422,
        '/problems/invalid-event',
      ],
      ['a negative amount', 'wire-1', { amount: -5, reason: 'chargeback' }, 400, '/problems/invalid-request'],
      ['a zero amount', 'wire-1', { amount: 0, reason: 'chargeback' }, 400, '/problems/invalid-request'],
      ['2^53', 'wire-1', { amount: 2 ** 53, reason: 'chargeback' }, 400, '/problems/invalid-request'],
      [
        'a fractional amount',
        'wire-1',
        { amount: 10.5, reason: 'chargeback' },
        400,
        '/problems/invalid-request',
      ],
      ['an unknown reason', 'wire-1', { amount: 10, reason: 'regret' }, 400, '/problems/invalid-request'],
      [
        'an unknown field',
        'wire-1',
        { amount: 10, reason: 'recall', method: 'tt' },
        400,
        '/problems/invalid-request',
      ],
      [
        'a reversal in the future',
        'wire-1',
        { amount: 10, reason: 'recall', reversedAt: at(3_600_000) },
        422,
        '/problems/invalid-event',
      ],
    ];
    it.each(cases)('%s', async (_, reference, body, status, type) => {
      const orderId = await shipped();
      const before = await get(orderId);
      const response = await reverse(orderId, reference, body);
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ type, status });
      const after = await get(orderId);
      expect(after.funded).toBe(before.funded);
      expect(after.reversals).toBeUndefined();
      expect(await ledger(orderId)).toEqual([['funding', AMOUNT]]);
    });

    it('more than what is left of the payment after an earlier reversal', async () => {
      const orderId = await shipped();
      await reverse(orderId, 'wire-1', { amount: AMOUNT - 100, reason: 'chargeback' });
      const response = await reverse(orderId, 'wire-1', { amount: 101, reason: 'chargeback' });
      expect(response.status).toBe(422);
      expect(response.body.detail).toMatch(/at most the payment's amount in all/);
      expect((await get(orderId)).funded).toBe(100);
    });

    it('on a closed order: 409', async () => {
      const orderId = await shipped();
      await post(orderId, 'delivery', {});
      await post(orderId, 'acceptance', {});
      await closed(orderId);
      const response = await reverse(orderId, 'wire-1', { amount: 1_000, reason: 'chargeback' });
      expect(response.status).toBe(409);
      expect(response.body).toMatchObject({ type: '/problems/wrong-state', currentStatus: 'closed' });
      expect(await ledger(orderId)).toEqual([
        ['funding', AMOUNT],
        ['release', AMOUNT],
      ]);
    });

    it('for a role other than the marketplace: 403', async () => {
      const orderId = await shipped();
      const response = await api.call('POST', `/v1/orders/${orderId}/payments/wire-1/reversal`, {
        body: { amount: 10, reason: 'recall' },
        as: 'arbitrator',
      });
      expect(response.status).toBe(403);
      expect(await ledger(orderId)).toEqual([['funding', AMOUNT]]);
    });
  });
});
