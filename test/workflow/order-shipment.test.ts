import { describe, expect, it } from 'vitest';
import {
  cancelUpdate,
  orderQuery,
  recordDeliveryUpdate,
  recordShipmentUpdate,
} from '../../workflows/model/messages.js';
import { at, type Harness, waitForStatus, withWorker } from '../support/harness.js';
import { fundedOrder, shippedOrder } from '../support/scenarios.js';

let h: Harness;
withWorker((ready) => {
  h = ready;
});

const ledgerOf = async (orderId: string) => (await h.ledger.entries(orderId)).map((e) => [e.kind, e.amount]);

describe('awaiting_shipment', () => {
  it('moves to in_transit on a shipment on time', async () => {
    const { handle } = await fundedOrder(h);
    const shippedAt = at(-60_000);
    const snapshot = await handle.executeUpdate(recordShipmentUpdate, {
      args: [{ carrier: 'Maersk', trackingNumber: 'MSKU1', shippedAt }],
    });
    expect(snapshot).toMatchObject({
      status: 'in_transit',
      shipment: { carrier: 'Maersk', trackingNumber: 'MSKU1', shippedAt },
    });
    await handle.terminate('test done');
  });

  it('refunds the buyer in full when shipBy passes unshipped', async () => {
    const { input, handle } = await fundedOrder(h, { fundBy: at(1000), shipBy: at(3000) });
    expect(await handle.result()).toMatchObject({
      outcome: 'refunded',
      reason: 'late_shipment',
      escrowBalance: 0,
    });
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', 1_250_000],
      ['refund', 1_250_000],
    ]);
  });

  it('refunds the buyer in full, deposit and balance, when the supplier cancels', async () => {
    const { input, handle } = await fundedOrder(h, { deposit: 250_000 });
    const snapshot = await handle.executeUpdate(cancelUpdate, {
      args: [{ party: 'supplier', reason: 'out of stock' }],
    });
    expect(snapshot.status).toBe('settling');
    expect(await handle.result()).toMatchObject({ outcome: 'refunded', reason: 'supplier_cancelled' });
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', 250_000],
      ['refund', 250_000],
    ]);
  });

  it('refuses a buyer cancellation once funded, and shipments dated in the future or after shipBy', async () => {
    const { input, handle } = await fundedOrder(h);
    await expect(
      handle.executeUpdate(cancelUpdate, { args: [{ party: 'buyer', reason: 'found it cheaper' }] }),
    ).rejects.toMatchObject({
      cause: {
        type: 'OrderWrongState',
        message: expect.stringContaining('while the order is awaiting_shipment'),
      },
    });
    await expect(
      handle.executeUpdate(recordShipmentUpdate, {
        args: [{ carrier: 'DHL', trackingNumber: '1', shippedAt: at(3_600_000) }],
      }),
    ).rejects.toMatchObject({
      cause: { type: 'OrderInvalidEvent', message: expect.stringContaining('in the future') },
    });
    const afterShipBy = new Date(Date.parse(input.shipBy) + 1000).toISOString();
    await expect(
      handle.executeUpdate(recordShipmentUpdate, {
        args: [{ carrier: 'DHL', trackingNumber: '1', shippedAt: afterShipBy }],
      }),
    ).rejects.toMatchObject({ cause: { type: 'OrderInvalidEvent' } });
    expect((await handle.query(orderQuery)).status).toBe('awaiting_shipment');
    await handle.terminate('test done');
  });
});

describe('in_transit', () => {
  it('starts the inspection window at deliveredAt', async () => {
    const { handle } = await fundedOrder(h, { inspectionWindow: 'P2D' });
    await handle.executeUpdate(recordShipmentUpdate, {
      args: [{ carrier: 'Maersk', trackingNumber: 'MSKU1', shippedAt: at(-7_200_000) }],
    });
    const deliveredAt = at(-3_600_000);
    const snapshot = await handle.executeUpdate(recordDeliveryUpdate, { args: [{ deliveredAt }] });
    expect(snapshot.status).toBe('inspection');
    expect(snapshot.deadlines.inspectionEndsAt).toBe(
      new Date(Date.parse(deliveredAt) + 2 * 86_400_000).toISOString(),
    );
    await handle.terminate('test done');
  });

  it('opens a non-delivery dispute when deliverBy passes', async () => {
    const { handle } = await shippedOrder(h, { fundBy: at(1000), shipBy: at(2000), deliverBy: at(3000) });
    const snapshot = await waitForStatus(handle, 'negotiation');
    expect(snapshot).toMatchObject({ status: 'negotiation', dispute: { kind: 'non_delivery' } });
    expect(snapshot.deadlines.negotiationEndsAt).toBeDefined();
    await handle.terminate('test done');
  });
});
