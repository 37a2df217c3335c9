import { describe, expect, it } from 'vitest';
import { orderContribution } from '../../workflows/rules/program.js';
import { type ApiUnderTest, orderReads, withApi } from '../support/api-client.js';
import { testContract } from '../support/harness.js';

/** docs/spec.md#commission over HTTP: the fee leg of a release and of a split, none on a refund. */

let api: ApiUnderTest;
withApi((ready) => {
  ({ api } = ready);
});

const post = (orderId: string, path: string, body: unknown) =>
  api.call('POST', `/v1/orders/${orderId}/${path}`, { body });
const { snapshot: get, closed, ledgerEntries, eventTypes } = orderReads(() => api);

const AMOUNT = 1_250_000;

async function delivered(fees: unknown) {
  const contract = { ...testContract(), fees };
  const created = await api.call('POST', '/v1/orders', { body: contract });
  expect(created.status).toBe(201);
  expect(created.body.contract.fees).toEqual(fees);
  const { orderId } = contract;
  expect((await post(orderId, 'payments', { amount: AMOUNT, reference: 'wire-1' })).status).toBe(200);
  expect((await post(orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSK-1' })).status).toBe(200);
  expect((await post(orderId, 'delivery', {})).status).toBe(200);
  return orderId;
}

describe('the marketplace commission', () => {
  it('a release pays the supplier the net and fees:USD the commission in one ledger transaction', async () => {
    const orderId = await delivered({ commissionBps: 250 });
    expect((await post(orderId, 'acceptance', {})).status).toBe(200);
    const s = await closed(orderId);
    expect(s).toMatchObject({ outcome: 'released', reason: 'buyer_accepted', escrowBalance: 0 });
    const fee = 31_250;
    expect(s.payouts).toEqual([
      expect.objectContaining({ kind: 'release', amount: AMOUNT, fee, idempotencyKey: `${orderId}:release` }),
    ]);
    const entries = await ledgerEntries(orderId);
    expect(entries.map((e: { kind: string }) => e.kind)).toEqual(['funding', 'release']);
    expect(entries[1].legs).toEqual([
      { accountId: `escrow:${orderId}`, amount: -AMOUNT },
      { accountId: 'supplier:supplier-1:USD', amount: AMOUNT - fee },
      { accountId: 'fees:USD', amount: fee },
    ]);
    expect(entries[1].transactionId).toBe(s.payouts[0].transactionId);
    // The supplier program counts what escrow released, before the commission.
    expect(orderContribution(s).released).toBe(AMOUNT);
    // The closing event carries the snapshot, and with it the fee.
    await eventTypes(orderId, 'order.released');
    const feed = await api.call('GET', `/v1/orders/${orderId}/events`, { as: 'reader' });
    const closing = feed.body.events.find((e: { type: string }) => e.type === 'order.released');
    expect(closing.data.order.payouts[0]).toMatchObject({ kind: 'release', amount: AMOUNT, fee });
  });

  it('a split takes the commission, with its minimum, from the released part only', async () => {
    const orderId = await delivered({ commissionBps: 100, minimum: 20_000 });
    const tooWet = { measurements: { moisture: 14, grade: 'A' }, receivedQuantity: 1000, evidence: [] };
    expect((await post(orderId, 'inspection', tooWet)).body.status).toBe('negotiation');
    expect(
      (await post(orderId, 'settlement', { party: 'supplier', action: 'offer', refundAmount: 250_000 }))
        .status,
    ).toBe(200);
    expect((await post(orderId, 'settlement', { party: 'buyer', action: 'accept_offer' })).status).toBe(200);
    const s = await closed(orderId);
    expect(s).toMatchObject({ outcome: 'split', reason: 'settlement_agreed', escrowBalance: 0 });
    // 1 % of the 1,000,000 released is 10,000, under the 20,000 minimum.
    expect(
      s.payouts.map((p: { kind: string; amount: number; fee?: number }) => [p.kind, p.amount, p.fee]),
    ).toEqual([
      ['refund', 250_000, undefined],
      ['release', 1_000_000, 20_000],
    ]);
    const entries = await ledgerEntries(orderId);
    expect(entries.find((e: { kind: string }) => e.kind === 'refund').legs).toHaveLength(2);
    expect(entries.find((e: { kind: string }) => e.kind === 'release').legs).toEqual([
      { accountId: `escrow:${orderId}`, amount: -1_000_000 },
      { accountId: 'supplier:supplier-1:USD', amount: 980_000 },
      { accountId: 'fees:USD', amount: 20_000 },
    ]);
  });

  it('a refund carries no fee', async () => {
    const contract = { ...testContract(), fees: { commissionBps: 5000, minimum: 1_000 } };
    expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    await post(contract.orderId, 'payments', { amount: AMOUNT, reference: 'wire-1' });
    expect(
      (await post(contract.orderId, 'cancel', { party: 'supplier', reason: 'out of stock' })).status,
    ).toBe(200);
    const s = await closed(contract.orderId);
    expect(s).toMatchObject({ outcome: 'refunded', reason: 'supplier_cancelled' });
    expect(s.payouts).toEqual([expect.objectContaining({ kind: 'refund', amount: AMOUNT })]);
    expect(s.payouts[0].fee).toBeUndefined();
    const entries = await ledgerEntries(contract.orderId);
    expect(
      entries.flatMap((e: { legs: { accountId: string }[] }) => e.legs.map((l) => l.accountId)),
    ).not.toContain('fees:USD');
  });

  it.each([
    [{ commissionBps: 5001 }, 'fees.commissionBps'],
    [{ commissionBps: -1 }, 'fees.commissionBps'],
    [{ commissionBps: 2.5 }, 'fees.commissionBps'],
    [{ commissionBps: '250' }, 'fees.commissionBps'],
    [{ minimum: 100 }, 'fees.commissionBps'],
    [{ commissionBps: 250, minimum: -1 }, 'fees.minimum'],
    [{ commissionBps: 250, minimum: 2 ** 53 }, 'fees.minimum'],
    [{ commissionBps: 250, minimum: 0.5 }, 'fees.minimum'],
    [{ commissionBps: 250, share: 1 }, 'fees.share'],
    ['2.5%', 'fees'],
  ])('refuses fees %j with a 400 naming %s, and creates nothing', async (fees, path) => {
    const contract = { ...testContract(), fees };
    const response = await api.call('POST', '/v1/orders', { body: contract });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ type: '/problems/invalid-request', status: 400 });
    expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect((await api.call('GET', `/v1/orders/${contract.orderId}`)).status).toBe(404);
  });

  it('an order without fees is paid as before: two legs, no fee', async () => {
    const orderId = await delivered(undefined);
    await post(orderId, 'acceptance', {});
    const s = await closed(orderId);
    expect(s.payouts[0]).not.toHaveProperty('fee');
    expect((await ledgerEntries(orderId))[1].legs).toHaveLength(2);
    expect((await get(orderId)).contract.fees).toBeUndefined();
  });
});
