import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  type EngineProcess,
  startApiProcess,
  startWorkerProcess,
} from '../support/engine-processes.js';
import { testContract } from '../support/harness.js';
import { conformingReport } from '../support/scenarios.js';

/**
 * Issue 12: a deployment replaces every worker and every API replica, one at a time, while orders
 * are being driven through them. Clients behind the "load balancer" retry a refused connection or
 * a 503 with the same Idempotency-Key; no request is lost and no event is applied twice.
 */
const taskQueue = `rolling-${randomUUID()}`;
type Api = EngineProcess & { url: string };
const workers: EngineProcess[] = [];
const apis: Api[] = [];
const everything: EngineProcess[] = [];
let next = 0;
/** Round robin over the replicas in rotation, like a load balancer. */
const balancer = () => {
  const api = apis[next++ % apis.length] as Api;
  return api.url;
};

beforeAll(async () => {
  const started = await Promise.all([
    startWorkerProcess(taskQueue),
    startWorkerProcess(taskQueue),
    startApiProcess(taskQueue),
    startApiProcess(taskQueue),
  ]);
  workers.push(...started.slice(0, 2));
  apis.push(...(started.slice(2) as Api[]));
  everything.push(...started);
}, 180_000);
afterAll(async () => {
  await Promise.all(everything.map((p) => p.kill()));
});

async function ok(promise: ReturnType<typeof call>, ...statuses: number[]) {
  const response = await promise;
  if (!(statuses.length ? statuses : [200]).includes(response.status)) {
    throw new Error(`HTTP ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

async function drive(lane: number, n: number): Promise<string> {
  const contract = testContract({ orderId: `R-${lane}-${n}-${randomUUID()}` });
  const path = `/v1/orders/${contract.orderId}`;
  await ok(call(balancer, 'POST', '/v1/orders', contract), 201, 200);
  await ok(call(balancer, 'POST', `${path}/payments`, { amount: 1_250_000, reference: `wire-${lane}-${n}` }));
  await ok(call(balancer, 'POST', `${path}/shipment`, { carrier: 'CMA', trackingNumber: `CMAU${lane}${n}` }));
  await ok(call(balancer, 'POST', `${path}/delivery`, {}));
  await ok(call(balancer, 'POST', `${path}/inspection`, conformingReport));
  return contract.orderId;
}

describe('rolling restart of every worker and API with orders in flight', () => {
  it('loses no request and brings every order to the right ledger', async () => {
    let restarting = true;
    const lanes = Array.from({ length: 3 }, async (_, lane) => {
      const orders: string[] = [];
      // Each lane keeps an order in flight until the last replica is replaced, and finishes it.
      for (let n = 0; restarting || n === 0; n++) orders.push(await drive(lane, n));
      return orders;
    });

    // One replica at a time is replaced: its successor starts while it drains (surge 1).
    const timings: string[] = [];
    for (let i = 0; i < workers.length; i++) {
      const began = Date.now();
      const old = workers[i] as EngineProcess;
      const [exitCode, fresh] = await Promise.all([old.stop(), startWorkerProcess(taskQueue)]);
      expect(exitCode, 'a drained worker exits 0').toBe(0);
      everything.push(fresh);
      workers[i] = fresh;
      timings.push(`worker ${i + 1}: ${Date.now() - began} ms`);
    }
    for (let i = 0; i < 2; i++) {
      const began = Date.now();
      const old = apis[0] as Api;
      // The successor joins the rotation before the old replica leaves it; requests still sent to
      // the old one while it drains are refused and retried elsewhere.
      const fresh = await startApiProcess(taskQueue);
      everything.push(fresh);
      apis.push(fresh);
      const draining = old.stop();
      await new Promise((r) => setTimeout(r, 1_000));
      apis.splice(apis.indexOf(old), 1);
      expect(await draining, 'a drained API exits 0').toBe(0);
      timings.push(`api ${i + 1}: ${Date.now() - began} ms`);
    }
    console.log(`[rolling restart] ${timings.join(', ')}`);
    restarting = false;
    const orders = (await Promise.all(lanes)).flat();
    expect(orders.length).toBeGreaterThanOrEqual(6);

    for (const orderId of orders) {
      let snapshot = await ok(call(balancer, 'GET', `/v1/orders/${orderId}`));
      const deadline = Date.now() + 60_000;
      while (snapshot.status !== 'closed' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        snapshot = await ok(call(balancer, 'GET', `/v1/orders/${orderId}`));
      }
      expect([orderId, snapshot.status, snapshot.outcome, snapshot.reason]).toEqual([
        orderId,
        'closed',
        'released',
        'buyer_accepted',
      ]);
      const ledger = await ok(call(balancer, 'GET', `/v1/orders/${orderId}/ledger`));
      expect(ledger.entries.map((e: { kind: string; amount: number }) => [e.kind, e.amount])).toEqual([
        ['funding', 1_250_000],
        ['release', 1_250_000],
      ]);
    }
  }, 300_000);
});
