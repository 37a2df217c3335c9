import { describe, expect, it } from 'vitest';
import type { ContractInput } from '../../workflows/schemas/contract.js';
import {
  type ApiUnderTest,
  inNegotiation as orderInNegotiation,
  orderReads,
  withApi,
} from '../support/api-client.js';
import { testContract } from '../support/harness.js';

/** docs/spec.md#returns over HTTP: the three return routes, their refusals, the contract field. */

let api: ApiUnderTest;
withApi((ready) => {
  ({ api } = ready);
});

const FUNDED = 1_250_000;
const post = (orderId: string, event: string, body: unknown, headers?: Record<string, string>) =>
  api.call('POST', `/v1/orders/${orderId}/${event}`, { body, headers });
const { snapshot: get, closed, ledger, eventTypes } = orderReads(() => api);
const back = { carrier: 'DHL', trackingNumber: 'JD0146000062' };
const photos = [{ uri: 'https://files.example.com/returns/unpacked.jpg' }];

const inNegotiation = (overrides: Partial<ContractInput> = {}) =>
  orderInNegotiation(api, overrides, { reason: 'damaged', requestedRefund: FUNDED });

describe('returns (POST /v1/orders/:orderId/returns/…)', () => {
  it('walks a return through shipment, delivery and receipt, once per Idempotency-Key: refunded, returned', async () => {
    const orderId = await inNegotiation();
    const pending = await post(orderId, 'settlement', { party: 'supplier', action: 'accept_claim' });
    expect(pending.status).toBe(200);
    expect(pending.body).toMatchObject({
      status: 'return_pending',
      contract: { returns: { window: 'P14D', receiptWindow: 'P7D' } },
      return: { requested: { by: 'supplier', reason: 'claim_accepted' } },
    });

    const headers = { 'idempotency-key': 'return-ship-1' };
    const shipped = await post(orderId, 'returns/shipment', back, headers);
    expect(shipped.status).toBe(200);
    expect(shipped.body.return.shipment).toMatchObject(back);
    expect(await post(orderId, 'returns/shipment', back, headers)).toMatchObject({
      status: 200,
      body: shipped.body,
    });
    const delivered = await post(orderId, 'returns/delivery', {});
    expect(delivered.status).toBe(200);
    expect(delivered.body.return.delivery.deliveredAt).toBeDefined();
    const received = await post(orderId, 'returns/receipt', { condition: 'as_sent', evidence: photos });
    expect(received.status).toBe(200);
    expect(received.body.return.receipt).toMatchObject({ condition: 'as_sent', evidence: photos });

    expect(await closed(orderId)).toMatchObject({ outcome: 'refunded', reason: 'returned' });
    expect(await ledger(orderId)).toEqual([
      ['funding', FUNDED],
      ['refund', FUNDED],
    ]);
    expect(await eventTypes(orderId, 'order.refunded')).toEqual(
      expect.arrayContaining([
        'order.return_requested',
        'order.return_shipped',
        'order.return_delivered',
        'order.return_received',
        'order.refunded',
      ]),
    );
  });

  it('refuses hostile bodies with 400 and changes nothing', async () => {
    const orderId = await inNegotiation();
    await post(orderId, 'settlement', { party: 'supplier', action: 'accept_claim' });
    const before = await get(orderId);

    const noCarrier = await post(orderId, 'returns/shipment', { trackingNumber: 'X1' });
    expect(noCarrier.status).toBe(400);
    expect(noCarrier.body.errors.map((e: { path: string }) => e.path)).toEqual(['carrier']);
    const huge = await post(orderId, 'returns/shipment', {
      carrier: 'c'.repeat(100_000),
      trackingNumber: 'X1',
    });
    expect(huge.status).toBe(400);
    expect((await post(orderId, 'returns/shipment', { ...back, shippedAt: 'yesterday' })).status).toBe(400);
    expect((await post(orderId, 'returns/delivery', { deliveredAt: 5, extra: true })).status).toBe(400);

    const unknown = await post(orderId, 'returns/receipt', { condition: 'stolen', evidence: [] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      {
        path: 'condition',
        message: 'condition must be one of "as_sent", "damaged", "missing_items", "wrong_item", "empty"',
      },
    ]);
    const noEvidence = await post(orderId, 'returns/receipt', { condition: 'damaged' });
    expect(noEvidence.status).toBe(400);
    expect(noEvidence.body.errors.map((e: { path: string }) => e.path)).toEqual(['evidence']);
    const tooMuch = await post(orderId, 'returns/receipt', {
      condition: 'damaged',
      note: 'n'.repeat(4001),
      evidence: Array.from({ length: 21 }, (_, i) => ({ uri: `https://files.example.com/${i}.jpg` })),
    });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['evidence', 'note']);
    const notAWaiver = await post(orderId, 'settlement', {
      party: 'supplier',
      action: 'accept_claim',
      returnGoods: 'no',
    });
    expect(notAWaiver.status).toBe(400);

    expect(await get(orderId)).toEqual(before);
  });

  it('answers 409 naming the status outside return_pending, and for a receipt before the return’s delivery', async () => {
    const orderId = await inNegotiation();
    const early = await post(orderId, 'returns/shipment', back);
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ type: '/problems/wrong-state', currentStatus: 'negotiation' });
    expect(early.body.detail).toBe(
      'cannot record the return shipment while the order is negotiation; allowed in: return_pending',
    );

    await post(orderId, 'settlement', { party: 'supplier', action: 'accept_claim' });
    await post(orderId, 'returns/shipment', back);
    const unopened = await post(orderId, 'returns/receipt', { condition: 'as_sent', evidence: [] });
    expect(unopened.status).toBe(409);
    expect(unopened.body).toMatchObject({ type: '/problems/wrong-state', currentStatus: 'return_pending' });
    expect(unopened.body.detail).toContain('the return has not been delivered');
    expect((await get(orderId)).return.receipt).toBeUndefined();
  });

  it('refuses return windows beyond the caps as a contract that contradicts itself (422)', async () => {
    const body = testContract({ returns: { window: 'P31D', receiptWindow: 'PT0S' } });
    const refused = await api.call('POST', '/v1/orders', { body });
    expect(refused.status).toBe(422);
    expect(refused.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'returns.receiptWindow',
      'returns.window',
    ]);
  });
});
