import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ContractInput } from '../../workflows/schemas/contract.js';
import { type ApiUnderTest, eventually, orderReads, withApi } from '../support/api-client.js';
import { at, testContract } from '../support/harness.js';

/** docs/spec.md#claims over HTTP: claims, acceptance, automatic claims, and a delivery after deliverBy
 * (#delivery-and-balance-deadlines). */

let api: ApiUnderTest;
withApi((ready) => {
  ({ api } = ready);
});

const FUNDED = 1_250_000;
const post = (orderId: string, event: string, body: unknown, headers?: Record<string, string>) =>
  api.call('POST', `/v1/orders/${orderId}/${event}`, { body, headers });
const { snapshot: get, closed, ledger, eventTypes } = orderReads(() => api);

async function inInspection(overrides: Partial<ContractInput> = {}, paid = FUNDED): Promise<string> {
  const contract = testContract(overrides);
  const { orderId } = contract;
  expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
  expect((await post(orderId, 'payments', { amount: paid, reference: 'wire-1' })).status).toBe(200);
  expect((await post(orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSK-1' })).status).toBe(200);
  expect((await post(orderId, 'delivery', {})).body.status).toBe('inspection');
  return orderId;
}

const torn = {
  reason: 'damaged',
  description: 'Bags arrived torn and mouldy; 40 of 200 bags unusable.',
  requestedRefund: 250_000,
  evidence: [{ uri: 'https://files.example.com/torn-bags.jpg', description: 'torn bags at unloading' }],
};

describe('claims (POST /v1/orders/:orderId/claims)', () => {
  it('opens the negotiation with the claim as filed, once per Idempotency-Key', async () => {
    const orderId = await inInspection();
    const headers = { 'idempotency-key': 'claim-1' };
    const filed = await post(orderId, 'claims', torn, headers);
    expect(filed.status).toBe(200);
    expect(filed.body).toMatchObject({
      status: 'negotiation',
      dispute: {
        kind: 'quality',
        claim: { ...torn, source: 'buyer', status: 'open' },
        statements: [],
      },
    });
    expect(filed.body.timeline.map((t: { event: string }) => t.event)).toContain('claim');
    const retried = await post(orderId, 'claims', torn, headers);
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual(filed.body);

    const second = await post(orderId, 'claims', torn);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ type: '/problems/wrong-state', currentStatus: 'negotiation' });
    expect(second.body.detail).toContain('already has an open damaged claim');
    expect(await eventTypes(orderId, 'order.claim_filed')).toEqual([
      'order.created',
      'order.payment_received',
      'order.funded',
      'order.shipped',
      'order.delivered',
      'order.dispute_opened',
      'order.claim_filed',
    ]);
  });

  it('goes to arbitration at once when the negotiation window is PT0S', async () => {
    const orderId = await inInspection({ negotiationWindow: 'PT0S' });
    const filed = await post(orderId, 'claims', { ...torn, reason: 'not_as_described' });
    expect(filed.body).toMatchObject({
      status: 'arbitration',
      dispute: { claim: { reason: 'not_as_described' } },
    });
  });

  it('refuses a claim that breaks the schema (400), asks more than escrow covers (422), or comes too early (409)', async () => {
    const orderId = await inInspection({ deposit: 250_000 }, 250_000);
    const bad = await post(orderId, 'claims', {
      reason: 'mood',
      description: 'x'.repeat(4001),
      requestedRefund: 0,
      evidence: Array.from({ length: 21 }, (_, i) => ({ uri: `https://files.example.com/${i}.jpg` })),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'description',
      'evidence',
      'reason',
      'requestedRefund',
    ]);
    const tooMuch = await post(orderId, 'claims', { ...torn, requestedRefund: 250_001 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body).toMatchObject({
      type: '/problems/invalid-event',
      detail: 'requestedRefund 250001 exceeds what escrow covers of the order (250000)',
    });
    expect((await get(orderId)).status).toBe('inspection');

    const early = testContract();
    await api.call('POST', '/v1/orders', { body: early });
    const unfunded = await post(early.orderId, 'claims', torn);
    expect(unfunded.status).toBe(409);
    expect(unfunded.body).toMatchObject({
      currentStatus: 'awaiting_funding',
      detail: 'cannot file a claim while the order is awaiting_funding; allowed in: inspection',
    });
    for (const route of ['claims', 'acceptance', 'statements']) {
      const body = route === 'claims' ? torn : route === 'acceptance' ? {} : { party: 'buyer', text: 'hi' };
      const unknown = await post(`never-${randomUUID()}`, route, body);
      expect(unknown.status, route).toBe(404);
      expect(unknown.body.type).toBe('/problems/order-not-found');
      // The marketplace acts for the parties: an arbitrator's or a reader's key may not.
      for (const as of ['arbitrator', 'reader'] as const) {
        const forbidden = await api.call('POST', `/v1/orders/${orderId}/${route}`, { body, as });
        expect(forbidden.status, `${route} as ${as}`).toBe(403);
      }
    }
  });

  it('keeps the amount fixed when filed: accept_claim refunds what was claimed, as a split', async () => {
    const orderId = await inInspection({ deposit: 250_000 }, 250_000);
    await post(orderId, 'claims', { ...torn, requestedRefund: 200_000 });
    const balance = await post(orderId, 'payments', { amount: 1_000_000, reference: 'balance' });
    expect(balance.body).toMatchObject({ funded: FUNDED, dispute: { claim: { requestedRefund: 200_000 } } });
    const accepted = await post(orderId, 'settlement', { party: 'supplier', action: 'accept_claim' });
    expect(accepted.status).toBe(200);
    expect(await closed(orderId)).toMatchObject({
      outcome: 'split',
      reason: 'claim_accepted',
      dispute: { claim: { status: 'accepted' } },
    });
    expect(await ledger(orderId)).toEqual([
      ['funding', 250_000],
      ['funding', 1_000_000],
      ['refund', 200_000],
      ['release', FUNDED - 200_000],
    ]);
  });
});

describe('acceptance and reports (docs/spec.md#claims)', () => {
  it('records a conforming report that leaves a term unmeasured; the buyer then accepts', async () => {
    const orderId = await inInspection();
    const partial = await post(orderId, 'inspection', {
      measurements: { moisture: 10 },
      receivedQuantity: 1000,
      evidence: [],
    });
    expect(partial.body).toMatchObject({
      status: 'inspection',
      evaluation: { conforms: true, complete: false, unmeasured: ['grade'] },
    });
    expect((await post(orderId, 'acceptance', { extra: 1 })).status).toBe(400);
    const accepted = await post(orderId, 'acceptance', {}, { 'idempotency-key': 'accept-1' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('settling');
    expect(await closed(orderId)).toMatchObject({ outcome: 'released', reason: 'buyer_accepted' });
    expect(await ledger(orderId)).toEqual([
      ['funding', FUNDED],
      ['release', FUNDED],
    ]);
    expect(await eventTypes(orderId, 'order.released')).toContain('order.released');
    const late = await post(orderId, 'acceptance', {});
    expect(late.status).toBe(409);
  });

  it('refuses acceptance outside inspection', async () => {
    const orderId = await inInspection();
    await post(orderId, 'claims', torn);
    const refused = await post(orderId, 'acceptance', {});
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      currentStatus: 'negotiation',
      detail: 'cannot accept the goods while the order is negotiation; allowed in: inspection',
    });
  });

  it('opens the dispute of a contradicting report with an automatic claim for what escrow covers', async () => {
    const orderId = await inInspection();
    const short = await post(orderId, 'inspection', {
      measurements: { moisture: 10, grade: 'A' },
      receivedQuantity: 900,
      evidence: Array.from({ length: 25 }, (_, i) => ({ uri: `https://files.example.com/${i}.jpg` })),
    });
    expect(short.body).toMatchObject({
      status: 'negotiation',
      dispute: {
        claim: { reason: 'quantity', requestedRefund: FUNDED, source: 'inspection_report', status: 'open' },
      },
    });
    expect(short.body.dispute.claim.evidence).toHaveLength(20);
    expect(short.body.dispute.claim.description).toContain('quantity: expected ≥ 980 kg');

    const wet = await inInspection();
    const report = { measurements: { moisture: 14, grade: 'A' }, receivedQuantity: 1000, evidence: [] };
    expect((await post(wet, 'inspection', report)).body.dispute.claim).toMatchObject({
      reason: 'quality',
      requestedRefund: FUNDED,
    });
  });
});

describe('non-delivery (docs/spec.md#claims, #delivery-and-balance-deadlines)', () => {
  const late = () => ({ fundBy: at(3_000), shipBy: at(4_000), deliverBy: at(6_000) });

  it('opens an automatic not_delivered claim; a late delivery supersedes it and the buyer inspects', async () => {
    const orderId = await inInspectionLate(late());
    const disputed = await eventually(
      () => get(orderId),
      (s) => s.status === 'negotiation',
      30_000,
    );
    expect(disputed.dispute).toMatchObject({
      kind: 'non_delivery',
      claim: { reason: 'not_delivered', requestedRefund: FUNDED, source: 'delivery_deadline' },
    });
    const claim = await post(orderId, 'claims', torn);
    expect(claim.status).toBe(409);
    expect(claim.body.detail).toContain('open not_delivered claim');

    // Delivered when it shipped, long before it was reported: the window still runs from now.
    const deliveredAt = disputed.shipment.shippedAt;
    const delivered = await post(orderId, 'delivery', { deliveredAt });
    expect(delivered.status).toBe(200);
    expect(delivered.body).toMatchObject({
      status: 'inspection',
      delivery: { deliveredAt },
      dispute: { claim: { reason: 'not_delivered', status: 'superseded' } },
    });
    expect(Date.parse(delivered.body.deadlines.inspectionEndsAt)).toBeGreaterThan(Date.now() + 50_000);

    const again = await post(orderId, 'claims', torn);
    expect(again.status).toBe(200);
    expect(again.body.dispute).toMatchObject({
      kind: 'quality',
      claim: { reason: 'damaged', status: 'open' },
      earlierClaims: [{ reason: 'not_delivered', status: 'superseded' }],
    });
    const twice = await post(orderId, 'delivery', {});
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toContain('quality dispute');
  });

  it('records a delivery in arbitration for the arbitrator; the order stays there', async () => {
    const orderId = await inInspectionLate({ ...late(), negotiationWindow: 'PT0S' });
    await eventually(
      () => get(orderId),
      (s) => s.status === 'arbitration',
      30_000,
    );
    const delivered = await post(orderId, 'delivery', {});
    expect(delivered.status).toBe(200);
    expect(delivered.body).toMatchObject({
      status: 'arbitration',
      dispute: { claim: { status: 'open' }, lateDelivery: { deliveredAt: expect.any(String) } },
    });
    expect(delivered.body.delivery).toBeUndefined();
    const twice = await post(orderId, 'delivery', {});
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toContain('already recorded');
  });

  /** Funded and shipped, with the deliverBy of `deadlines` still ahead. */
  async function inInspectionLate(overrides: Partial<ContractInput>): Promise<string> {
    const contract = testContract(overrides);
    const { orderId } = contract;
    await api.call('POST', '/v1/orders', { body: contract });
    await post(orderId, 'payments', { amount: FUNDED, reference: 'wire-1' });
    expect((await post(orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'M-2' })).status).toBe(200);
    return orderId;
  }
});
