import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type ClusterInfo,
  killTemporalService,
  readClusterInfo,
  startTemporalService,
} from '../../scripts/cluster/cluster.js';
import { submitInspectionUpdate } from '../../workflows/model/messages.js';
import { at, createHarness, type Harness } from '../support/harness.js';
import { conformingReport, deliveredOrder, fundedOrder } from '../support/scenarios.js';

/**
 * Issue 12: a Temporal service process dies (SIGKILL, as a crashed machine) while orders wait on
 * timers and while a payout is being booked. Once it is back every order finishes, with exactly
 * the ledger entries it should have: no payout lost, none doubled.
 */
let h: Harness;
let cluster: ClusterInfo;
beforeAll(async () => {
  cluster = readClusterInfo(inject('clusterDir'));
  h = await createHarness();
  await h.startWorker();
});
afterAll(() => h?.close());

const AMOUNT = 1_250_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['history', 'matching'] as const)('SIGKILL of the %s service', (service) => {
  it('loses no timer and no payout: every order closes with exactly its ledger entries', async () => {
    // Two orders whose next step is a timer that comes due while the service is down.
    const late = await fundedOrder(h, { fundBy: at(5_000), shipBy: at(8_000) });
    const lapsing = await deliveredOrder(h, { inspectionWindow: 'PT8S' });
    // One whose payout is in flight: holding its ledger row keeps the release activity running.
    const paying = await deliveredOrder(h);
    const lock = await h.pool.connect();
    try {
      // It holds the lock on purpose, longer than the pool lets a session idle in a transaction.
      await lock.query('SET idle_in_transaction_session_timeout = 0');
      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM ledger_order_totals WHERE order_id = $1 FOR UPDATE', [
        paying.input.orderId,
      ]);
      await paying.handle.executeUpdate(submitInspectionUpdate, { args: [conformingReport] });
      await expect
        .poll(
          async () =>
            (await paying.handle.describe()).raw.pendingActivities?.map((a) => a.activityType?.name),
          { timeout: 20_000 },
        )
        .toContain('releaseToSupplier');

      await killTemporalService(cluster, service);
      // The timers come due and the payout commits in the ledger while the service is gone.
      await sleep(9_000);
      await lock.query('COMMIT');
    } finally {
      lock.release();
    }
    await sleep(1_000);
    await startTemporalService(cluster, service);

    const results = await Promise.all([
      late.handle.result(),
      lapsing.handle.result(),
      paying.handle.result(),
    ]);
    expect(results.map((r) => [r.outcome, r.reason, r.escrowBalance])).toEqual([
      ['refunded', 'late_shipment', 0],
      ['released', 'inspection_lapsed', 0],
      ['released', 'buyer_accepted', 0],
    ]);
    const ledgers = await Promise.all(
      [late, lapsing, paying].map(async ({ input }) =>
        (await h.ledger.entries(input.orderId)).map((e) => [e.kind, e.amount, e.idempotencyKey]),
      ),
    );
    expect(ledgers).toEqual([
      [
        ['funding', AMOUNT, `${late.input.orderId}:payment:wire-1`],
        ['refund', AMOUNT, `${late.input.orderId}:refund`],
      ],
      [
        ['funding', AMOUNT, `${lapsing.input.orderId}:payment:wire-1`],
        ['release', AMOUNT, `${lapsing.input.orderId}:release`],
      ],
      [
        ['funding', AMOUNT, `${paying.input.orderId}:payment:wire-1`],
        ['release', AMOUNT, `${paying.input.orderId}:release`],
      ],
    ]);
  });
});
