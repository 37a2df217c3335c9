import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ContractInput } from '../../workflows/schemas/contract.js';
import {
  type ApiUnderTest,
  eventually,
  inNegotiation as orderInNegotiation,
  orderReads,
  withApi,
} from '../support/api-client.js';
import { testContract } from '../support/harness.js';

/**
 * docs/spec.md#negotiation and #statements over HTTP: offers of both sides, acceptance, escalation,
 * statements.
 */

let api: ApiUnderTest;
withApi((ready) => {
  ({ api } = ready);
});

const FUNDED = 1_250_000;
const post = (
  orderId: string,
  event: string,
  body: unknown,
  as: 'marketplace' | 'arbitrator' = 'marketplace',
) => api.call('POST', `/v1/orders/${orderId}/${event}`, { body, as });
const settle = (orderId: string, body: unknown) => post(orderId, 'settlement', body);
const { snapshot: get, closed, ledger } = orderReads(() => api);

const inNegotiation = (overrides: Partial<ContractInput> = {}, requestedRefund = 400_000) =>
  orderInNegotiation(api, overrides, { requestedRefund });

describe('negotiation (POST /v1/orders/:orderId/settlement)', () => {
  it('takes offers from either side, each superseding the last; the other side accepts: split', async () => {
    const orderId = await inNegotiation();
    const buyer = await settle(orderId, { party: 'buyer', action: 'offer', refundAmount: 350_000 });
    expect(buyer.status).toBe(200);
    expect(buyer.body.offers).toMatchObject([{ party: 'buyer', refundAmount: 350_000, status: 'open' }]);
    const supplier = await settle(orderId, { party: 'supplier', action: 'offer', refundAmount: 200_000 });
    expect(supplier.body.offers).toMatchObject([
      { party: 'buyer', status: 'superseded' },
      { party: 'supplier', refundAmount: 200_000, status: 'open' },
    ]);
    const own = await settle(orderId, { party: 'supplier', action: 'accept_offer' });
    expect(own.status).toBe(422);
    expect(own.body.detail).toBe("the open offer is the supplier's own: the other party accepts it");
    const tooMuch = await settle(orderId, { party: 'buyer', action: 'offer', refundAmount: FUNDED + 1 });
    expect(tooMuch.status).toBe(422);

    expect((await settle(orderId, { party: 'buyer', action: 'accept_offer' })).status).toBe(200);
    expect(await closed(orderId)).toMatchObject({
      outcome: 'split',
      reason: 'settlement_agreed',
      dispute: { claim: { status: 'settled' } },
    });
    expect(await ledger(orderId)).toEqual([
      ['funding', FUNDED],
      ['refund', 200_000],
      ['release', FUNDED - 200_000],
    ]);
  });

  it('refunds when the accepted offer is everything escrow covers', async () => {
    const orderId = await inNegotiation();
    await settle(orderId, { party: 'supplier', action: 'offer', refundAmount: FUNDED });
    await settle(orderId, { party: 'buyer', action: 'accept_offer' });
    expect(await closed(orderId)).toMatchObject({ outcome: 'refunded', reason: 'settlement_agreed' });
  });

  it('accept_claim refunds the claim in full when it asks for everything escrow covers', async () => {
    const orderId = await inNegotiation({}, FUNDED);
    expect(
      (await settle(orderId, { party: 'supplier', action: 'accept_claim', returnGoods: false })).status,
    ).toBe(200);
    expect(await closed(orderId)).toMatchObject({ outcome: 'refunded', reason: 'claim_accepted' });
    expect(await ledger(orderId)).toEqual([
      ['funding', FUNDED],
      ['refund', FUNDED],
    ]);
  });

  it('releases when the buyer withdraws the claim', async () => {
    const orderId = await inNegotiation();
    expect((await settle(orderId, { party: 'buyer', action: 'withdraw_claim' })).status).toBe(200);
    expect(await closed(orderId)).toMatchObject({
      outcome: 'released',
      reason: 'claim_withdrawn',
      dispute: { claim: { status: 'withdrawn' } },
    });
  });

  it('escalates to arbitration at once at either party’s request, superseding the open offer', async () => {
    const orderId = await inNegotiation();
    await settle(orderId, { party: 'supplier', action: 'offer', refundAmount: 100_000 });
    const escalated = await settle(orderId, { party: 'buyer', action: 'escalate', reason: 'offer too low' });
    expect(escalated.status).toBe(200);
    expect(escalated.body).toMatchObject({ status: 'arbitration', offers: [{ status: 'superseded' }] });
    expect(escalated.body.timeline.at(-1)).toMatchObject({
      event: 'arbitration',
      detail: expect.stringContaining('escalated by the buyer: offer too low'),
    });
    const again = await settle(orderId, { party: 'supplier', action: 'escalate' });
    expect(again.status).toBe(409);
    expect(again.body.currentStatus).toBe('arbitration');
    const events = await eventually(
      () => api.call('GET', `/v1/orders/${orderId}/events`, { as: 'reader' }),
      (r) => r.body.events.some((e: { type: string }) => e.type === 'order.arbitration_opened'),
    );
    expect(events.body.events.map((e: { type: string }) => e.type)).toContain('order.offer_made');
  });

  it('refuses a party that may never send the action (400) and an unknown order (404)', async () => {
    const orderId = await inNegotiation();
    const buyerAccepts = await settle(orderId, { party: 'buyer', action: 'accept_claim' });
    expect(buyerAccepts.status).toBe(400);
    expect(buyerAccepts.body.errors.map((e: { path: string }) => e.path)).toEqual(['party']);
    expect((await settle(orderId, { party: 'supplier', action: 'withdraw_claim' })).status).toBe(400);
    expect((await settle(orderId, { party: 'arbitrator', action: 'escalate' })).status).toBe(400);
    expect((await settle(`never-${randomUUID()}`, { party: 'buyer', action: 'escalate' })).status).toBe(404);
    expect((await get(orderId)).status).toBe('negotiation');
  });
});

describe('statements (POST /v1/orders/:orderId/statements)', () => {
  it('keeps both sides’ statements in order, through arbitration until the decision; one feed event each', async () => {
    const orderId = await inNegotiation();
    const inspection = testContract();
    await api.call('POST', '/v1/orders', { body: inspection });
    const early = await post(inspection.orderId, 'statements', { party: 'buyer', text: 'hello' });
    expect(early.status).toBe(409);
    expect(early.body.detail).toBe(
      'cannot add a statement while the order is awaiting_funding; allowed in: negotiation, arbitration',
    );

    const evidence = [{ uri: 'https://files.example.com/photo.jpg', description: 'mould' }];
    const first = await post(orderId, 'statements', { party: 'buyer', text: 'Mould on 40 bags.', evidence });
    expect(first.status).toBe(200);
    await settle(orderId, { party: 'supplier', action: 'escalate' });
    const second = await post(orderId, 'statements', { party: 'supplier', text: 'Dry when loaded.' });
    expect(second.body.dispute.statements).toEqual([
      { party: 'buyer', text: 'Mould on 40 bags.', evidence, at: expect.any(String) },
      { party: 'supplier', text: 'Dry when loaded.', evidence: [], at: expect.any(String) },
    ]);
    expect((await post(orderId, 'statements', { party: 'buyer', text: '' })).status).toBe(400);
    expect((await post(orderId, 'statements', { party: 'buyer', text: 'x'.repeat(4001) })).status).toBe(400);

    await post(
      orderId,
      'arbitration',
      { outcome: 'split', refundAmount: 300_000, arbitrator: 'arb-1', rationale: 'partly mouldy' },
      'arbitrator',
    );
    const late = await post(orderId, 'statements', { party: 'buyer', text: 'one more thing' });
    expect(late.status).toBe(409);

    const events = (
      await eventually(
        () => api.call('GET', `/v1/orders/${orderId}/events`, { as: 'reader' }),
        (r) => r.body.events.some((e: { type: string }) => e.type === 'order.split'),
      )
    ).body.events;
    const statements = events.filter((e: { type: string }) => e.type === 'order.statement_added');
    expect(statements.map((e: { data: { statement: { party: string } } }) => e.data.statement.party)).toEqual(
      ['buyer', 'supplier'],
    );
    // The order in an event leaves the statements out: each is in its own event only.
    for (const e of events) expect(e.data.order.dispute?.statements).toBeUndefined();
    // The closed order, read from its final event, still shows both sides' statements.
    const final = await api.call('GET', `/v1/orders/${orderId}`, { as: 'reader' });
    expect(final.body.status).toBe('closed');
    expect(final.body.dispute.statements.map((s: { party: string }) => s.party)).toEqual([
      'buyer',
      'supplier',
    ]);
  });
});
