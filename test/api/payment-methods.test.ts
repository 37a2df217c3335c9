import { describe, expect, it } from 'vitest';
import { type ApiUnderTest, orderReads, startApi, withApi } from '../support/api-client.js';
import { type Harness, testContract } from '../support/harness.js';

let api: ApiUnderTest;
let h: Harness;
withApi((ready) => {
  ({ api, h } = ready);
});
const { snapshot, ledger } = orderReads(() => api);

async function newOrder() {
  const contract = testContract();
  expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
  return contract;
}
const pay = (orderId: string, body: unknown) => api.call('POST', `/v1/orders/${orderId}/payments`, { body });

describe('payment methods over HTTP', () => {
  it('records each payment’s method in the snapshot and the ledger, T/T by default', async () => {
    // The suite's database holds every file's transactions: read the export from its end as it is now.
    let after = '0';
    for (;;) {
      const page = await api.call('GET', `/v1/ledger/transactions?after=${after}&limit=1000`, {
        as: 'reader',
      });
      if (page.body.transactions.length === 0) break;
      after = page.body.cursor;
    }
    const contract = await newOrder();
    const paid = await pay(contract.orderId, { amount: 250_000, reference: 'wire-1' });
    expect(paid.status).toBe(200);
    expect(paid.body.payments).toEqual([expect.objectContaining({ reference: 'wire-1', method: 'tt' })]);
    const second = await pay(contract.orderId, { amount: 1_000_000, reference: 'wire-2', method: 'tt' });
    expect(second.status).toBe(200);
    expect(second.body.status).toBe('awaiting_shipment');
    // Other files write meanwhile: read on until the end, keeping this order's.
    const mine: { reference: string; method: string; position: number }[] = [];
    for (let cursor = after; ; ) {
      const page = await api.call('GET', `/v1/ledger/transactions?after=${cursor}&limit=1000`, {
        as: 'reader',
      });
      if (page.body.transactions.length === 0) break;
      mine.push(...page.body.transactions.filter((t: { orderId: string }) => t.orderId === contract.orderId));
      cursor = page.body.cursor;
    }
    expect(mine.map((t) => [t.reference, t.method])).toEqual([
      ['wire-1', 'tt'],
      ['wire-2', 'tt'],
    ]);
    const csv = await api.call(
      'GET',
      `/v1/ledger/transactions?after=${(mine[0]?.position ?? 1) - 1}&limit=1`,
      {
        as: 'reader',
        headers: { accept: 'text/csv' },
      },
    );
    const row = (csv.body as string).split('\r\n').find((l) => l.includes(`escrow:${contract.orderId}`));
    expect(row?.split(',').at(-1)).toBe('"tt"');
  });

  it('refuses a method the program does not cover with 422 and changes nothing', async () => {
    const contract = await newOrder();
    const card = await pay(contract.orderId, { amount: 250_000, reference: 'card-1', method: 'card' });
    expect(card.status).toBe(422);
    expect(card.headers.get('content-type')).toContain('application/problem+json');
    expect(card.body).toMatchObject({
      type: '/problems/payment-method-not-covered',
      detail: 'payments by card are not covered by the program; covered: tt, credit_line',
    });
    const after = await snapshot(contract.orderId);
    expect(after).toMatchObject({ status: 'awaiting_funding', funded: 0, payments: [] });
    expect(after.timeline.map((e: { event: string }) => e.event)).not.toContain('payment');
    expect(await ledger(contract.orderId)).toEqual([]);
  });

  it('refuses an unknown method, and a line id without or a draw without one, with 400', async () => {
    const contract = await newOrder();
    const unknown = await pay(contract.orderId, { amount: 1, reference: 'x', method: 'bitcoin' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      { path: 'method', message: 'method must be one of "tt", "card", "ach", "sepa", "lc", "credit_line"' },
    ]);
    const noLine = await pay(contract.orderId, { amount: 1, reference: 'x', method: 'credit_line' });
    expect(noLine.status).toBe(400);
    expect(noLine.body.errors).toEqual([
      { path: 'creditLineId', message: 'is required with method "credit_line": the line that pays' },
    ]);
    const lineOnWire = await pay(contract.orderId, { amount: 1, reference: 'x', creditLineId: 'L-1' });
    expect(lineOnWire.status).toBe(400);
    expect(lineOnWire.body.errors).toEqual([
      { path: 'creditLineId', message: 'is only for method "credit_line"' },
    ]);
    expect(await snapshot(contract.orderId)).toMatchObject({ funded: 0, payments: [] });
  });

  it('takes a method that the API’s setting covers', async () => {
    const cards = await startApi(h, { paymentMethods: ['tt', 'card'] });
    try {
      const contract = await newOrder();
      const paid = await cards.call('POST', `/v1/orders/${contract.orderId}/payments`, {
        body: { amount: 250_000, reference: 'card-1', method: 'card' },
      });
      expect(paid.status).toBe(200);
      expect(paid.body.payments).toEqual([expect.objectContaining({ reference: 'card-1', method: 'card' })]);
      expect(await ledger(contract.orderId)).toEqual([['funding', 250_000]]);
    } finally {
      await cards.close();
    }
  });
});
