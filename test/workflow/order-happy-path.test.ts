import { describe, expect, it } from 'vitest';
import {
  recordDeliveryUpdate,
  recordPaymentUpdate,
  recordShipmentUpdate,
} from '../../workflows/model/messages.js';
import { type Harness, startOrder, testContract, withWorker } from '../support/harness.js';

let h: Harness;
withWorker((ready) => {
  h = ready;
});

describe('order workflow on a real Temporal server', () => {
  it('releases to the supplier when the buyer stays silent through the inspection window', async () => {
    const input = testContract({ inspectionWindow: 'PT2S' });
    const handle = await startOrder(h.client, h.taskQueue, input);

    const funded = await handle.executeUpdate(recordPaymentUpdate, {
      args: [{ amount: 1_250_000, reference: 'wire-1' }],
    });
    expect(funded.status).toBe('awaiting_shipment');
    await handle.executeUpdate(recordShipmentUpdate, {
      args: [{ carrier: 'Maersk', trackingNumber: 'MSK1' }],
    });
    const delivered = await handle.executeUpdate(recordDeliveryUpdate, { args: [{}] });
    expect(delivered.status).toBe('inspection');

    const result = await handle.result();
    expect(result).toMatchObject({ status: 'closed', outcome: 'released', reason: 'inspection_lapsed' });
    const ledger = await h.ledger.entries(input.orderId);
    expect(ledger.map((e) => [e.kind, e.amount, e.idempotencyKey])).toEqual([
      ['funding', 1_250_000, `${input.orderId}:payment:wire-1`],
      ['release', 1_250_000, `${input.orderId}:release`],
    ]);
  });
});
