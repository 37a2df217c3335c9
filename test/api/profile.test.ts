import { describe, expect, it } from 'vitest';
import { MAX_BADGE_BYTES } from '../../api/routes/badge.js';
import { CLOSING_EVENTS } from '../../workflows/model/events.js';
import { eventually, startApi } from '../support/api-client.js';
import { testContract } from '../support/harness.js';
import { type ProgramUnderTest, withProgram } from '../support/program.js';

let p: ProgramUnderTest;
withProgram((ready) => {
  p = ready;
});

type Step = [route: string, body: unknown];
const FULFILMENT = (amount: number): Step[] => [
  ['payments', { amount, reference: 'wire-1' }],
  ['shipment', { carrier: 'Maersk', trackingNumber: 'MSKU1234565' }],
  ['delivery', {}],
];

/** Creates an order for the supplier and sends it through the steps; answers its id once its close is stored. */
async function closedOrder(supplierId: string, amount: number, steps: Step[]): Promise<string> {
  const contract = testContract({ supplier: { id: supplierId, name: 'Mill of Tests' }, amount });
  expect((await p.api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
  for (const [route, body] of steps) {
    const answer = await p.api.call('POST', `/v1/orders/${contract.orderId}/${route}`, { body });
    expect(answer.status, `${route}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
  }
  // The profile follows the stored events: the order's closing event reaches them shortly after it closed.
  await eventually(
    () => p.api.call('GET', `/v1/orders/${contract.orderId}/events`, { as: 'reader' }),
    (r) => r.body.events.some((e: { type: string }) => (CLOSING_EVENTS as string[]).includes(e.type)),
    30_000,
  );
  return contract.orderId;
}

describe('the trust profile', () => {
  it('shows a year of trade and how the supplier answered, current to the request', async () => {
    const supplierId = await p.enrol();
    const empty = await p.api.call('GET', `/v1/suppliers/${supplierId}/profile`, { as: 'reader' });
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({
      supplierId,
      name: 'Mill of Tests',
      country: 'DE',
      status: 'provisional',
      protected: true,
      memberSince: expect.any(String),
      last12Months: { transactions: 0, value: [], onTimeShipmentRate: null, disputeRate: null },
      responsiveness: { responseRate: null, medianResponseTime: null, measured: 0 },
    });

    await closedOrder(supplierId, 200_000, [...FULFILMENT(200_000), ['acceptance', {}]]);
    // A claim the supplier answers with an offer, which the buyer accepts: a split.
    await closedOrder(supplierId, 100_000, [
      ...FULFILMENT(100_000),
      ['claims', { reason: 'damaged', description: 'Two bags torn.', requestedRefund: 30_000, evidence: [] }],
      ['settlement', { party: 'supplier', action: 'offer', refundAmount: 20_000 }],
      ['settlement', { party: 'buyer', action: 'accept_offer' }],
    ]);
    const profile = await p.api.call('GET', `/v1/suppliers/${supplierId}/profile`);
    expect(profile.body.last12Months).toEqual({
      transactions: 2,
      value: [{ currency: 'USD', amount: 280_000 }],
      onTimeShipmentRate: 1,
      disputeRate: 0.5,
    });
    expect(profile.body.responsiveness).toMatchObject({ responseRate: 1, measured: 1 });
    expect(profile.body.responsiveness.medianResponseTime).toMatch(/^PT\d+S$|^PT0S$/);

    // An inquiry left unanswered past its window counts against; the record shows the same figures.
    const receivedAt = new Date(Date.now() - 3 * 86_400_000).toISOString();
    await p.api.call('POST', `/v1/suppliers/${supplierId}/inquiries`, {
      body: { inquiryId: 'q-1', receivedAt },
    });
    const after = await p.api.call('GET', `/v1/suppliers/${supplierId}/profile`);
    expect(after.body.responsiveness).toMatchObject({ responseRate: 0.5, measured: 2 });
    const record = await p.api.call('GET', `/v1/suppliers/${supplierId}`);
    expect(record.body.metrics.last12Months).toEqual(after.body.last12Months);
    expect(record.body.metrics.responsiveness).toEqual(after.body.responsiveness);
    expect(record.body.metrics.assessmentWindow).toMatchObject({ closedOrders: 2, refundRatio: 0.067 });
  });
});

describe('the badge', () => {
  it('is public, small, cached for an hour and revalidated by its ETag', async () => {
    const supplierId = await p.enrol();
    const path = `/v1/suppliers/${supplierId}/badge.svg`;
    const badge = await p.api.call('GET', path, { as: null });
    expect(badge.status).toBe(200);
    expect(badge.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(badge.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(badge.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const etag = badge.headers.get('etag') as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(Buffer.byteLength(badge.body)).toBeLessThanOrEqual(MAX_BADGE_BYTES);
    expect(badge.body).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(badge.body).toContain('Buyer Protection');
    expect(badge.body).toContain('0 transactions in 12 months');

    const unchanged = await p.api.call('GET', path, { as: null, headers: { 'if-none-match': etag } });
    expect(unchanged.status).toBe(304);
    expect(unchanged.body).toBe('');
    expect(unchanged.headers.get('etag')).toBe(etag);
    // With an API key too: the key is not needed, and not refused.
    expect((await p.api.call('GET', path, { as: 'reader' })).status).toBe(200);

    await p.api.call('PUT', `/v1/suppliers/${supplierId}`, {
      body: { name: 'Mill of Tests', country: 'DE', enrolled: false },
    });
    const outside = await p.api.call('GET', path, { as: null, headers: { 'if-none-match': etag } });
    expect(outside.status).toBe(200);
    expect(outside.body).toContain('Not protected');
    expect(outside.body).not.toContain('transactions');
    expect(outside.headers.get('etag')).not.toBe(etag);

    const unknown = await p.api.call('GET', `/v1/suppliers/${p.supplierId()}/badge.svg`, { as: null });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect((await p.api.call('GET', '/v1/suppliers/-x/badge.svg', { as: null })).status).toBe(400);
  });

  it('is rate limited per client address', async () => {
    const supplierId = await p.enrol();
    const api = await startApi(p.h, { program: p.settings, badgeRateLimitPerMinute: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await api.call('GET', `/v1/suppliers/${supplierId}/badge.svg`, { as: null })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await api.call('GET', `/v1/suppliers/${supplierId}/badge.svg`, { as: null });
      expect(limited.headers.get('content-type')).toContain('application/problem+json');
      expect(limited.headers.get('retry-after')).toBeTruthy();
      // The API's keyed routes keep their own budget.
      expect((await api.call('GET', `/v1/suppliers/${supplierId}/profile`)).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
