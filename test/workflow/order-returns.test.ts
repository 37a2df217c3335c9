import { describe, expect, it } from 'vitest';
import { startOrderWorkflow } from '../../api/order-start.js';
import {
  arbitrateUpdate,
  fileClaimUpdate,
  orderQuery,
  recordReturnDeliveryUpdate,
  recordReturnReceiptUpdate,
  recordReturnShipmentUpdate,
  settleUpdate,
  submitInspectionUpdate,
} from '../../workflows/model/messages.js';
import { OrderStatusKey } from '../../workflows/model/search-attributes.js';
import { ContractInputSchema, normalizeContract } from '../../workflows/schemas/contract.js';
import {
  acceptedUpdateIds,
  at,
  type Harness,
  testContract,
  waitForStatus,
  withWorker,
} from '../support/harness.js';
import {
  contradictingReport,
  deliveredOrder,
  disputedOrder,
  type OrderHandle,
  shippedOrder,
} from '../support/scenarios.js';

/*
 * docs/spec.md#returns: a full refund decided after delivery waits in return_pending for the goods
 * to come back; the three return deadlines run on the server's clock (second-long windows here).
 */
let h: Harness;
withWorker((ready) => {
  h = ready;
});

const FUNDED = 1_250_000;
const ledgerOf = async (orderId: string) => (await h.ledger.entries(orderId)).map((e) => [e.kind, e.amount]);
const DAY = 86_400_000;
const back = { carrier: 'DHL', trackingNumber: 'JD0146000062' };
const photos = [{ uri: 'https://files.example.com/returns/unpacked.jpg', description: 'unpacked' }];
const acceptClaim = { party: 'supplier', action: 'accept_claim' } as const;
const decide = (outcome: 'refund' | 'release', extra: { returnGoods?: boolean } = {}) => ({
  outcome,
  arbitrator: 'arb-7',
  rationale: `${outcome} after the return`,
  ...extra,
});

async function caseFileOf(handle: OrderHandle): Promise<string> {
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

async function refusal(promise: Promise<unknown>) {
  const err = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as { cause?: { type?: string; message?: string } } | undefined;
  return { type: err?.cause?.type, message: err?.cause?.message };
}

describe('a full refund after delivery', () => {
  it('waits for the goods, and refunds once the supplier receives them as sent (returned)', async () => {
    const { input, handle } = await disputedOrder(h);
    const pending = await handle.executeUpdate(settleUpdate, { args: [acceptClaim] });
    expect(pending).toMatchObject({
      status: 'return_pending',
      return: { requested: { by: 'supplier', reason: 'claim_accepted' } },
    });
    const requestedAt = Date.parse(pending.return?.requested.at ?? '');
    expect(pending.return?.deadlines.shipBy).toBe(new Date(requestedAt + 14 * DAY).toISOString());
    expect(pending.deadlines.returnDueAt).toBe(pending.return?.deadlines.shipBy);
    expect(await caseFileOf(handle)).toContain('return_pending: the refund waits for the goods to come back');
    expect(await ledgerOf(input.orderId)).toEqual([['funding', FUNDED]]);
    expect((await handle.describe()).typedSearchAttributes.get(OrderStatusKey)).toBe('return_pending');

    const shipped = await handle.executeUpdate(recordReturnShipmentUpdate, { args: [back] });
    const shippedAt = Date.parse(shipped.return?.shipment?.shippedAt ?? '');
    expect(shipped.return?.deadlines.deliverBy).toBe(new Date(shippedAt + 60 * DAY).toISOString());
    const delivered = await handle.executeUpdate(recordReturnDeliveryUpdate, { args: [{}] });
    const deliveredAt = Date.parse(delivered.return?.delivery?.deliveredAt ?? '');
    expect(delivered.return?.deadlines.receiptBy).toBe(new Date(deliveredAt + 7 * DAY).toISOString());
    expect(delivered.deadlines.returnDueAt).toBe(delivered.return?.deadlines.receiptBy);
    const received = await handle.executeUpdate(recordReturnReceiptUpdate, {
      args: [{ condition: 'as_sent', evidence: photos }],
    });
    expect(received.status).toBe('settling');

    const closed = await handle.result();
    expect(closed).toMatchObject({ outcome: 'refunded', reason: 'returned' });
    // The result leaves the timeline out (ClosedOrder): the order as it closed is its Query's.
    expect((await handle.query(orderQuery)).timeline.map((t) => t.event)).toEqual(
      expect.arrayContaining(['return_pending', 'return_shipment', 'return_delivery', 'return_receipt']),
    );
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', FUNDED],
      ['refund', FUNDED],
    ]);
  });

  it('settles at once when the supplier waives the return, and an arbitrator may waive it too', async () => {
    const waived = await disputedOrder(h);
    await waived.handle.executeUpdate(settleUpdate, { args: [{ ...acceptClaim, returnGoods: false }] });
    const closed = await waived.handle.result();
    expect(closed).toMatchObject({ outcome: 'refunded', reason: 'claim_accepted' });
    expect(closed.return).toBeUndefined();

    const arbitrated = await disputedOrder(h, { negotiationWindow: 'PT0S' });
    await arbitrated.handle.executeUpdate(arbitrateUpdate, {
      args: [decide('refund', { returnGoods: false })],
    });
    expect(await arbitrated.handle.result()).toMatchObject({ outcome: 'refunded', reason: 'arbitration' });
    expect(await ledgerOf(arbitrated.input.orderId)).toEqual([
      ['funding', FUNDED],
      ['refund', FUNDED],
    ]);
  });

  it('takes no return for a split or a refund of goods never delivered', async () => {
    const split = await deliveredOrder(h);
    await split.handle.executeUpdate(fileClaimUpdate, {
      args: [{ reason: 'damaged', description: 'torn', requestedRefund: 300_000, evidence: [] }],
    });
    const asked = await refusal(
      split.handle.executeUpdate(settleUpdate, { args: [{ ...acceptClaim, returnGoods: true }] }),
    );
    expect(asked).toMatchObject({ type: 'OrderInvalidEvent', message: expect.stringContaining('split') });
    await split.handle.executeUpdate(settleUpdate, { args: [acceptClaim] });
    expect(await split.handle.result()).toMatchObject({ outcome: 'split', reason: 'claim_accepted' });

    const lost = await shippedOrder(h, {
      fundBy: at(10_000),
      shipBy: at(12_000),
      deliverBy: at(15_000),
      negotiationWindow: 'PT0S',
    });
    await waitForStatus(lost.handle, 'arbitration');
    const nothingToReturn = await refusal(
      lost.handle.executeUpdate(arbitrateUpdate, { args: [decide('refund', { returnGoods: true })] }),
    );
    expect(nothingToReturn).toMatchObject({
      type: 'OrderInvalidEvent',
      message:
        'returnGoods cannot be true: the goods were not delivered: a refund before delivery takes no return',
    });
    await lost.handle.executeUpdate(arbitrateUpdate, { args: [decide('refund')] });
    expect(await lost.handle.result()).toMatchObject({ outcome: 'refunded', reason: 'arbitration' });
  }, 60_000);

  it('demands no return of an order whose contract predates returns', async () => {
    const parsed = ContractInputSchema.parse(testContract());
    const { returns: _, ...older } = normalizeContract(parsed, new Date());
    const handle = await startOrderWorkflow(h.client, parsed, older, h.taskQueue);
    await handle.executeUpdate('recordPayment', { args: [{ amount: FUNDED, reference: 'wire-1' }] });
    await handle.executeUpdate('recordShipment', { args: [back] });
    await handle.executeUpdate('recordDelivery', { args: [{}] });
    await handle.executeUpdate(submitInspectionUpdate, { args: [contradictingReport] });
    await handle.executeUpdate(settleUpdate, { args: [acceptClaim] });
    expect(await handle.result()).toMatchObject({ outcome: 'refunded', reason: 'claim_accepted' });
  });
});

describe('the return deadlines', () => {
  it('releases to the supplier when the goods are not shipped back within the return window', async () => {
    const { input, handle } = await disputedOrder(h, { returns: { window: 'PT2S' } });
    await handle.executeUpdate(settleUpdate, { args: [acceptClaim] });
    expect(await handle.result()).toMatchObject({ outcome: 'released', reason: 'return_not_shipped' });
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', FUNDED],
      ['release', FUNDED],
    ]);
  });

  it('refunds when the supplier does not confirm the delivered return within the receipt window', async () => {
    const { input, handle } = await disputedOrder(h, { returns: { receiptWindow: 'PT2S' } });
    await handle.executeUpdate(settleUpdate, { args: [acceptClaim] });
    await handle.executeUpdate(recordReturnShipmentUpdate, { args: [back] });
    await handle.executeUpdate(recordReturnDeliveryUpdate, { args: [{}] });
    expect(await handle.result()).toMatchObject({ outcome: 'refunded', reason: 'return_receipt_lapsed' });
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', FUNDED],
      ['refund', FUNDED],
    ]);
  });

  it('goes to arbitration when the return is not delivered within the transit window; that refund takes no return', async () => {
    // deliverBy is the order's own delivery deadline: the transit window times the return alone.
    const { input, handle } = await disputedOrder(h, { deliverBy: at(150_000), transitWindow: 'PT2S' });
    await handle.executeUpdate(settleUpdate, { args: [acceptClaim] });
    await handle.executeUpdate(recordReturnShipmentUpdate, { args: [back] });
    const lost = await waitForStatus(handle, 'arbitration');
    expect(lost.arbitration?.cause).toBe('return_not_delivered');
    expect(await caseFileOf(handle)).toContain('The return never reached the supplier');
    await handle.executeUpdate(arbitrateUpdate, { args: [decide('refund')] });
    expect(await handle.result()).toMatchObject({ outcome: 'refunded', reason: 'arbitration' });
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', FUNDED],
      ['refund', FUNDED],
    ]);
  });
});

describe('a contested return', () => {
  it('goes back to arbitration with the supplier’s evidence; the second decision takes no second return', async () => {
    const { input, handle } = await disputedOrder(h, { negotiationWindow: 'PT0S' });
    const pending = await handle.executeUpdate(arbitrateUpdate, { args: [decide('refund')] });
    expect(pending).toMatchObject({ status: 'return_pending', return: { requested: { by: 'arbitrator' } } });
    await handle.executeUpdate(recordReturnShipmentUpdate, { args: [back] });
    await handle.executeUpdate(recordReturnDeliveryUpdate, { args: [{}] });
    const contested = await handle.executeUpdate(recordReturnReceiptUpdate, {
      args: [{ condition: 'empty', evidence: photos, note: 'the box arrived empty' }],
    });
    expect(contested).toMatchObject({
      status: 'arbitration',
      arbitration: { cause: 'return_contested', overdue: false },
      return: {
        receipt: { condition: 'empty', evidence: photos, note: 'the box arrived empty' },
        requested: { decision: { outcome: 'refund', arbitrator: 'arb-7' } },
      },
    });
    expect(contested.decision).toBeUndefined();
    const md = await caseFileOf(handle);
    expect(md).toContain('**the supplier received an empty package**');
    expect(md).toContain("Supplier's note: the box arrived empty");
    expect(md).toContain('https://files.example.com/returns/unpacked.jpg');
    expect(md).toContain('this refund takes no second return');

    const again = await refusal(
      handle.executeUpdate(arbitrateUpdate, { args: [decide('refund', { returnGoods: true })] }),
    );
    expect(again).toMatchObject({
      type: 'OrderInvalidEvent',
      message:
        'returnGoods cannot be true: the goods came back once already: this decision takes no second return',
    });
    await handle.executeUpdate(arbitrateUpdate, { args: [decide('release')] });
    expect(await handle.result()).toMatchObject({ outcome: 'released', reason: 'arbitration' });
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', FUNDED],
      ['release', FUNDED],
    ]);
  });
});

describe('refusals', () => {
  it('refuses the return routes outside return_pending, out of order, and twice, leaving no trace', async () => {
    const { handle } = await disputedOrder(h);
    expect(await refusal(handle.executeUpdate(recordReturnShipmentUpdate, { args: [back] }))).toEqual({
      type: 'OrderWrongState',
      message: 'cannot record the return shipment while the order is negotiation; allowed in: return_pending',
    });
    await handle.executeUpdate(settleUpdate, { args: [acceptClaim] });
    const accepted = (await acceptedUpdateIds(handle)).length;
    const receipt = { condition: 'as_sent' as const, evidence: [] };
    expect(await refusal(handle.executeUpdate(recordReturnReceiptUpdate, { args: [receipt] }))).toMatchObject(
      {
        type: 'OrderWrongState',
        message: expect.stringContaining('the return has not been delivered'),
      },
    );
    expect(await refusal(handle.executeUpdate(recordReturnDeliveryUpdate, { args: [{}] }))).toMatchObject({
      type: 'OrderWrongState',
      message: 'the return has not been shipped: its delivery follows its shipment',
    });
    expect(
      await refusal(
        handle.executeUpdate(recordReturnShipmentUpdate, { args: [{ ...back, shippedAt: at(3_600_000) }] }),
      ),
    ).toMatchObject({ type: 'OrderInvalidEvent', message: expect.stringContaining('is in the future') });
    await handle.executeUpdate(recordReturnShipmentUpdate, { args: [back] });
    expect(await refusal(handle.executeUpdate(recordReturnShipmentUpdate, { args: [back] }))).toMatchObject({
      type: 'OrderWrongState',
      message: expect.stringContaining('the return was already shipped'),
    });
    expect(await refusal(handle.executeUpdate(recordReturnReceiptUpdate, { args: [receipt] }))).toMatchObject(
      {
        type: 'OrderWrongState',
      },
    );
    expect((await acceptedUpdateIds(handle)).length).toBe(accepted + 1);
    await handle.terminate('test done');
  });
});
