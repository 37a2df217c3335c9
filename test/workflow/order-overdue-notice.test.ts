import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arbitrateUpdate } from '../../workflows/model/messages.js';
import { createHarness, type Harness, waitForSnapshot } from '../support/harness.js';
import { disputedOrder } from '../support/scenarios.js';

let h: Harness;
let notices = 0;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker({
    notifier: {
      async arbitrationOverdue() {
        notices++;
        throw new Error('notification relay is down');
      },
    },
  });
});
afterAll(() => h?.close());

describe('arbitration overdue notice', () => {
  it('does not hold up the decision or fail the order when the notifier is down', async () => {
    const { input, handle } = await disputedOrder(h, { negotiationWindow: 'PT0S', arbitrationSla: 'PT1S' });
    await waitForSnapshot(handle, (s) => s.arbitration?.overdue === true);
    await expect.poll(() => notices, { timeout: 20_000 }).toBeGreaterThan(1);

    await handle.executeUpdate(arbitrateUpdate, {
      args: [
        {
          outcome: 'refund',
          arbitrator: 'arb-9',
          rationale: 'late decision, still binding',
          returnGoods: false,
        },
      ],
    });
    expect(await handle.result()).toMatchObject({
      status: 'closed',
      outcome: 'refunded',
      reason: 'arbitration',
    });
    const ledger = await h.ledger.entries(input.orderId);
    expect(ledger.map((e) => [e.kind, e.amount])).toEqual([
      ['funding', 1_250_000],
      ['refund', 1_250_000],
    ]);
  });
});
