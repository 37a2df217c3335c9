import { describe, expect, it } from 'vitest';
import {
  cancelUpdate,
  orderQuery,
  recordPaymentUpdate,
  recordShipmentUpdate,
} from '../../workflows/model/messages.js';
import {
  acceptedUpdateIds,
  at,
  type Harness,
  startOrder,
  testContract,
  withWorker,
} from '../support/harness.js';
import { deliveredOrder } from '../support/scenarios.js';

let h: Harness;
withWorker((ready) => {
  h = ready;
});

const pay = (amount: number, reference: string) => ({
  args: [{ amount, reference }] as [{ amount: number; reference: string }],
});
const ledgerOf = async (orderId: string) =>
  (await h.ledger.entries(orderId)).map((e) => [
    e.kind,
    e.amount,
    e.idempotencyKey.replace(`${orderId}:`, ''),
  ]);

describe('awaiting_funding', () => {
  it('credits partial payments and funds the order when their sum reaches the deposit', async () => {
    const input = testContract({ amount: 1_000_000, deposit: 300_000 });
    const handle = await startOrder(h.client, h.taskQueue, input);
    const first = await handle.executeUpdate(recordPaymentUpdate, pay(100_000, 'wire-a'));
    expect(first).toMatchObject({ status: 'awaiting_funding', funded: 100_000, escrowBalance: 100_000 });
    const second = await handle.executeUpdate(recordPaymentUpdate, pay(200_000, 'wire-b'));
    expect(second).toMatchObject({ status: 'awaiting_shipment', funded: 300_000 });
    expect(second.fundedAt).toBeDefined();
    // The balance is credited in any open status.
    const balance = await handle.executeUpdate(recordPaymentUpdate, pay(700_000, 'wire-c'));
    expect(balance).toMatchObject({ status: 'awaiting_shipment', funded: 1_000_000 });
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', 100_000, 'payment:wire-a'],
      ['funding', 200_000, 'payment:wire-b'],
      ['funding', 700_000, 'payment:wire-c'],
    ]);
    await handle.terminate('test done');
  });

  it('treats a repeated payment reference as a no-op and refuses it with another amount', async () => {
    const input = testContract();
    const handle = await startOrder(h.client, h.taskQueue, input);
    await handle.executeUpdate(recordPaymentUpdate, pay(100_000, 'wire-a'));
    const again = await handle.executeUpdate(recordPaymentUpdate, pay(100_000, 'wire-a'));
    expect(again.funded).toBe(100_000);
    await expect(handle.executeUpdate(recordPaymentUpdate, pay(100_001, 'wire-a'))).rejects.toMatchObject({
      cause: {
        type: 'OrderInvalidEvent',
        message: expect.stringContaining('already recorded with amount 100000'),
      },
    });
    expect((await handle.query(orderQuery)).funded).toBe(100_000);
    expect(await ledgerOf(input.orderId)).toEqual([['funding', 100_000, 'payment:wire-a']]);
    await handle.terminate('test done');
  });

  it('refuses a repeated reference with another amount while the first is still being recorded', async () => {
    // Sent together, the second arrives while the first waits on the ledger: it must be refused
    // like the sequential case, not answered as a no-op with the first one's snapshot.
    for (let i = 0; i < 5; i++) {
      const input = testContract();
      const handle = await startOrder(h.client, h.taskQueue, input);
      const answers = await Promise.allSettled([
        handle.executeUpdate(recordPaymentUpdate, pay(100_000, 'wire-a')),
        handle.executeUpdate(recordPaymentUpdate, pay(200_000, 'wire-a')),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual(['fulfilled', 'rejected']);
      const accepted = answers.findIndex((a) => a.status === 'fulfilled');
      const amount = accepted === 0 ? 100_000 : 200_000;
      expect(answers.find((a) => a.status === 'rejected')).toMatchObject({
        reason: {
          cause: { type: 'OrderInvalidEvent', message: expect.stringContaining('already recorded') },
        },
      });
      expect((await handle.query(orderQuery)).funded).toBe(amount);
      expect(await ledgerOf(input.orderId)).toEqual([['funding', amount, 'payment:wire-a']]);
      await handle.terminate('test done');
    }
  });

  it('cancels an unfunded order when fundBy passes and refunds the partial funds', async () => {
    const input = testContract({ fundBy: at(2500), deposit: 500_000 });
    const handle = await startOrder(h.client, h.taskQueue, input);
    await handle.executeUpdate(recordPaymentUpdate, pay(200_000, 'wire-a'));
    const result = await handle.result();
    expect(result).toMatchObject({
      status: 'closed',
      outcome: 'cancelled',
      reason: 'unfunded',
      escrowBalance: 0,
    });
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', 200_000, 'payment:wire-a'],
      ['refund', 200_000, 'refund'],
    ]);
  });

  it('cancels an order that received nothing by fundBy without touching the ledger', async () => {
    const input = testContract({ fundBy: at(1500) });
    const result = await (await startOrder(h.client, h.taskQueue, input)).result();
    expect(result).toMatchObject({ outcome: 'cancelled', reason: 'unfunded', funded: 0, payouts: [] });
    expect(await ledgerOf(input.orderId)).toEqual([]);
  });

  it.each([
    ['buyer', 'buyer_cancelled'],
    ['supplier', 'supplier_cancelled'],
  ] as const)('lets the %s cancel before funding, refunding partial funds', async (party, reason) => {
    const input = testContract();
    const handle = await startOrder(h.client, h.taskQueue, input);
    await handle.executeUpdate(recordPaymentUpdate, pay(50_000, 'wire-a'));
    const cancelled = await handle.executeUpdate(cancelUpdate, {
      args: [{ party, reason: 'changed plans' }],
    });
    expect(cancelled.status).toBe('settling');
    expect(await handle.result()).toMatchObject({ outcome: 'cancelled', reason, cancellation: { party } });
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', 50_000, 'payment:wire-a'],
      ['refund', 50_000, 'refund'],
    ]);
  });

  it('refuses events that do not belong to the status, with a reason and no trace in history', async () => {
    const handle = await startOrder(h.client, h.taskQueue, testContract());
    // One accepted Update first, so that the comparison below could tell a difference.
    await handle.executeUpdate(recordPaymentUpdate, pay(1_000, 'wire-a'));
    const before = await acceptedUpdateIds(handle);
    await expect(
      handle.executeUpdate(recordShipmentUpdate, { args: [{ carrier: 'DHL', trackingNumber: '1' }] }),
    ).rejects.toMatchObject({
      cause: {
        type: 'OrderWrongState',
        message:
          'cannot record a shipment while the order is awaiting_funding; allowed in: awaiting_shipment',
      },
    });
    await expect(
      handle.executeUpdate(recordPaymentUpdate, { args: [{ amount: -5, reference: 'x' } as never] }),
    ).rejects.toMatchObject({
      cause: { type: 'OrderInvalidEvent', message: 'amount: must be greater than 0' },
    });
    expect(await acceptedUpdateIds(handle)).toEqual(before);
    expect((await handle.query(orderQuery)).status).toBe('awaiting_funding');
    await handle.terminate('test done');
  });
});

describe('payments in later statuses', () => {
  it('returns whatever was funded beyond the amount to the buyer on release', async () => {
    const { input, handle } = await deliveredOrder(h, { inspectionWindow: 'PT1S' });
    await handle.executeUpdate(recordPaymentUpdate, pay(25_000, 'wire-overpaid'));
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'released', reason: 'inspection_lapsed', escrowBalance: 0 });
    expect(await ledgerOf(input.orderId)).toEqual([
      ['funding', 1_250_000, 'payment:wire-1'],
      ['funding', 25_000, 'payment:wire-overpaid'],
      ['release', 1_250_000, 'release'],
      ['refund', 25_000, 'excess-refund'],
    ]);
  });

  it('refuses a payment on a closed order', async () => {
    const input = testContract({ fundBy: at(1000) });
    const handle = await startOrder(h.client, h.taskQueue, input);
    await handle.result();
    await expect(handle.executeUpdate(recordPaymentUpdate, pay(10, 'late'))).rejects.toThrow();
    expect(await ledgerOf(input.orderId)).toEqual([]);
  });
});
