import { describe, expect, it } from 'vitest';
import { type ApiUnderTest, eventually, orderReads, withApi } from '../support/api-client.js';
import { at, testContract } from '../support/harness.js';

/**
 * docs/spec.md#delivery-and-balance-deadlines over HTTP: the transit deadline, the balance deadline and what
 * is outstanding.
 */

let api: ApiUnderTest;
withApi((ready) => {
  ({ api } = ready);
});

const DAY = 24 * 3600 * 1000;
const post = (orderId: string, event: string, body: unknown) =>
  api.call('POST', `/v1/orders/${orderId}/${event}`, { body });
const { snapshot: get, closed, ledger, ledgerEntries, eventTypes } = orderReads(() => api);

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
    expect((await get(orderId)).deadlines.deliverBy).toBe(snapshot.deadlines.deliverBy);
  });

  it('opens the non-delivery dispute when the transit window passes', async () => {
    const { orderId, snapshot } = await shipped({ transitWindow: 'PT2S' });
    expect(snapshot.deadlines.deliverBy).toBe(
      new Date(Date.parse(snapshot.shipment.shippedAt) + 2_000).toISOString(),
    );
    const disputed = await eventually(
      () => get(orderId),
      (s) => s.status !== 'in_transit',
      30_000,
    );
    expect(disputed).toMatchObject({ status: 'negotiation', dispute: { kind: 'non_delivery' } });
    expect(await eventTypes(orderId, 'order.dispute_opened')).toContain('order.dispute_opened');
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

describe('the balance deadline', () => {
  it('flags the balance overdue, and then lets the supplier cancel for balance_unpaid', async () => {
    const contract = testContract({
      deposit: 250_000,
      fundBy: at(5_000),
      balanceDueBy: at(7_000),
    });
    const { orderId } = contract;
    expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    const deposit = await post(orderId, 'payments', { amount: 250_000, reference: 'deposit' });
    expect(deposit.body).toMatchObject({
      status: 'awaiting_shipment',
      outstanding: 1_000_000,
      deadlines: { balanceDueBy: contract.balanceDueBy },
    });
    expect(deposit.body.balanceOverdue).toBeUndefined();

    const overdue = await eventually(
      () => get(orderId),
      (s) => s.balanceOverdue === true,
      30_000,
    );
    expect(overdue).toMatchObject({ status: 'awaiting_shipment', balanceOverdue: true });
    expect(overdue.timeline.map((t: { event: string }) => t.event)).toContain('balance_overdue');
    expect(await eventTypes(orderId, 'order.balance_overdue')).toContain('order.balance_overdue');

    const cancelled = await post(orderId, 'cancel', { party: 'supplier', reason: 'balance never came' });
    expect(cancelled.status).toBe(200);
    expect(await closed(orderId)).toMatchObject({
      outcome: 'refunded',
      reason: 'balance_unpaid',
      outstanding: 1_000_000,
      payouts: [{ kind: 'refund', amount: 250_000 }],
    });
    expect(await ledger(orderId)).toEqual([
      ['funding', 250_000],
      ['refund', 250_000],
    ]);
  });

  it('stays quiet when the balance is paid in time', async () => {
    const contract = testContract({ deposit: 250_000, fundBy: at(5_000), balanceDueBy: at(6_000) });
    const { orderId } = contract;
    await api.call('POST', '/v1/orders', { body: contract });
    await post(orderId, 'payments', { amount: 250_000, reference: 'deposit' });
    const paid = await post(orderId, 'payments', { amount: 1_000_000, reference: 'balance' });
    expect(paid.body).toMatchObject({ outstanding: 0, funded: 1_250_000 });
    await new Promise((r) =>
      setTimeout(r, Math.max(0, Date.parse(contract.balanceDueBy ?? '') + 1_000 - Date.now())),
    );
    const later = await get(orderId);
    expect(later.balanceOverdue).toBeUndefined();
    expect(await eventTypes(orderId)).not.toContain('order.balance_overdue');
    const cancelled = await post(orderId, 'cancel', { party: 'supplier', reason: 'out of stock' });
    expect(cancelled.status).toBe(200);
    expect(await closed(orderId)).toMatchObject({ outcome: 'refunded', reason: 'supplier_cancelled' });
  });

  it('refuses balanceDueBy without a deposit below amount, or not after fundBy', async () => {
    const full = await api.call('POST', '/v1/orders', { body: testContract({ balanceDueBy: at(90_000) }) });
    expect(full.status).toBe(422);
    expect(full.body.errors).toEqual([
      { path: 'balanceDueBy', message: 'balanceDueBy is only for a deposit below amount' },
    ]);
    const early = testContract({ deposit: 1, fundBy: at(60_000), balanceDueBy: at(30_000) });
    const response = await api.call('POST', '/v1/orders', { body: early });
    expect(response.status).toBe(422);
    expect(response.body.errors[0].path).toBe('balanceDueBy');
  });

  it('releases what was funded and says in the memo what stays outstanding', async () => {
    const contract = testContract({ deposit: 250_000, inspectionWindow: 'PT1S' });
    const { orderId } = contract;
    await api.call('POST', '/v1/orders', { body: contract });
    await post(orderId, 'payments', { amount: 250_000, reference: 'deposit' });
    await post(orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSK-2' });
    await post(orderId, 'delivery', {});
    expect(await closed(orderId)).toMatchObject({
      outcome: 'released',
      reason: 'inspection_lapsed',
      outstanding: 1_000_000,
      payouts: [{ kind: 'release', amount: 250_000 }],
    });
    const release = (await ledgerEntries(orderId)).find((e: { kind: string }) => e.kind === 'release');
    expect(release.memo).toContain('USD 10,000.00 (1000000) of the order amount outstanding, never paid');
  });
});
