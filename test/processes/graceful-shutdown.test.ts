import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  recordDeliveryUpdate,
  recordShipmentUpdate,
  submitInspectionUpdate,
} from '../../workflows/model/messages.js';
import {
  call,
  type EngineProcess,
  startApiProcess,
  startWorkerProcess,
} from '../support/engine-processes.js';
import { createHarness, type Harness, testContract } from '../support/harness.js';
import { conformingReport, fundedOrder } from '../support/scenarios.js';

/** Issue 6: SIGTERM drains; no in-flight payout or request is lost or doubled. */
let h: Harness;
const running: EngineProcess[] = [];
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
  await h?.close();
});

async function worker() {
  const p = await startWorkerProcess(h.taskQueue, { WORKER_SHUTDOWN_GRACE_SECONDS: '20' });
  running.push(p);
  return p;
}

describe('graceful shutdown', () => {
  it('lets a payout in flight finish when the worker gets SIGTERM, and pays it once', async () => {
    const first = await worker();
    const { input, handle } = await fundedOrder(h);
    await handle.executeUpdate(recordShipmentUpdate, { args: [{ carrier: 'ONE', trackingNumber: 'ONEU1' }] });
    await handle.executeUpdate(recordDeliveryUpdate, { args: [{}] });

    // Holding the order's ledger row keeps the release activity in flight for as long as we like.
    const lock = await h.pool.connect();
    try {
      // It holds the lock on purpose, longer than the pool lets a session idle in a transaction.
      await lock.query('SET idle_in_transaction_session_timeout = 0');
      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM ledger_order_totals WHERE order_id = $1 FOR UPDATE', [input.orderId]);
      await handle.executeUpdate(submitInspectionUpdate, { args: [conformingReport] });
      // Started, not only scheduled: a worker holds it, blocked on the row (on a cluster, matching
      // may take a moment to hand it out).
      const started = async () =>
        (await handle.describe()).raw.pendingActivities
          ?.filter(
            (a) => a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
          )
          .map((a) => a.activityType?.name);
      await expect.poll(started, { timeout: 20_000 }).toContain('releaseToSupplier');

      first.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 1500));
      expect(
        first.child.exitCode,
        `the worker waits for the activity in flight; it said:\n${first.output.join('')}`,
      ).toBeNull();
      await lock.query('COMMIT');
    } finally {
      lock.release();
    }
    expect(await first.exited).toBe(0);

    await worker();
    expect(await handle.result()).toMatchObject({ outcome: 'released', reason: 'buyer_accepted' });
    const entries = await h.ledger.entries(input.orderId);
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([
      ['funding', 1_250_000],
      ['release', 1_250_000],
    ]);
  });

  it('answers a request in flight when the API gets SIGTERM, and accepts no new ones', async () => {
    const w = await worker();
    const api = await startApiProcess(h.taskQueue, { API_UPSTREAM_TIMEOUT_MS: '60000' });
    running.push(api);
    const contract = testContract();
    expect((await call(api.url, 'POST', '/v1/orders', contract)).status).toBe(201);

    // With no worker the payment waits in the API for the workflow to accept it.
    await w.stop();
    const inFlight = call(api.url, 'POST', `/v1/orders/${contract.orderId}/payments`, {
      amount: 1_250_000,
      reference: 'wire-graceful',
    });
    await new Promise((r) => setTimeout(r, 1000));
    api.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    const refused = await fetch(`${api.url}/healthz`).then(
      (r) => r.status,
      () => 'refused' as const,
    );
    expect([503, 'refused']).toContain(refused);

    await worker();
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ status: 'awaiting_shipment', funded: 1_250_000 });
    expect(await api.exited).toBe(0);
    expect((await h.ledger.entries(contract.orderId)).map((e) => e.kind)).toEqual(['funding']);
  });
});
