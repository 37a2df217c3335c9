import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  type EngineProcess,
  startApiProcess,
  startWorkerProcess,
} from '../support/engine-processes.js';
import { at, testContract } from '../support/harness.js';
import { conformingReport, contradictingReport } from '../support/scenarios.js';

/**
 * Issue 6: two worker processes and two API processes against one Temporal server and one
 * PostgreSQL drive 50 orders; one worker is killed halfway (SIGKILL, as a crash) and every order
 * still reaches the right outcome with the right ledger.
 */
const taskQueue = `scale-${randomUUID()}`;
let workers: EngineProcess[] = [];
let apis: (EngineProcess & { url: string })[] = [];

beforeAll(async () => {
  [workers, apis] = await Promise.all([
    Promise.all([startWorkerProcess(taskQueue), startWorkerProcess(taskQueue)]),
    Promise.all([startApiProcess(taskQueue), startApiProcess(taskQueue)]),
  ]);
}, 180_000);
afterAll(async () => {
  await Promise.all([...workers, ...apis].map((p) => p.kill()));
});

type Kind = 'release' | 'late' | 'split';
const EXPECTED: Record<Kind, { outcome: string; reason: string; ledger: [string, number][] }> = {
  release: {
    outcome: 'released',
    reason: 'buyer_accepted',
    ledger: [
      ['funding', 1_250_000],
      ['release', 1_250_000],
    ],
  },
  late: {
    outcome: 'refunded',
    reason: 'late_shipment',
    ledger: [
      ['funding', 1_250_000],
      ['refund', 1_250_000],
    ],
  },
  split: {
    outcome: 'split',
    reason: 'settlement_agreed',
    ledger: [
      ['funding', 1_250_000],
      ['refund', 100_000],
      ['release', 1_150_000],
    ],
  },
};

async function ok(promise: ReturnType<typeof call>, ...statuses: number[]) {
  const response = await promise;
  if (!(statuses.length ? statuses : [200]).includes(response.status)) {
    throw new Error(`HTTP ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

/** Drives one order as far as the marketplace does; timers do the rest. */
async function drive(i: number): Promise<{ orderId: string; kind: Kind }> {
  const kinds: Kind[] = ['release', 'late', 'split'];
  const kind = kinds[i % 3] as Kind;
  // Two replicas behind a load balancer: requests of one order land on either.
  const api = (n: number) => (apis[(i + n) % 2] as { url: string }).url;
  const contract = testContract(
    kind === 'late'
      ? { orderId: `S-${i}-${randomUUID()}`, fundBy: at(20_000), shipBy: at(25_000) }
      : { orderId: `S-${i}-${randomUUID()}` },
  );
  const path = `/v1/orders/${contract.orderId}`;
  // 200 when a retried create finds the order its first attempt started.
  await ok(call(api(0), 'POST', '/v1/orders', contract), 201, 200);
  await ok(call(api(1), 'POST', `${path}/payments`, { amount: 1_250_000, reference: `wire-${i}` }));
  if (kind === 'late') return { orderId: contract.orderId, kind };
  await ok(call(api(0), 'POST', `${path}/shipment`, { carrier: 'Maersk', trackingNumber: `MSKU${i}` }));
  await ok(call(api(1), 'POST', `${path}/delivery`, {}));
  if (kind === 'release') {
    await ok(call(api(0), 'POST', `${path}/inspection`, conformingReport));
    return { orderId: contract.orderId, kind };
  }
  await ok(call(api(0), 'POST', `${path}/inspection`, contradictingReport));
  await ok(
    call(api(1), 'POST', `${path}/settlement`, { party: 'supplier', action: 'offer', refundAmount: 100_000 }),
  );
  await ok(call(api(0), 'POST', `${path}/settlement`, { party: 'buyer', action: 'accept_offer' }));
  return { orderId: contract.orderId, kind };
}

async function driveAll(from: number, to: number, parallel = 5) {
  const driven: { orderId: string; kind: Kind }[] = [];
  for (let i = from; i < to; i += parallel) {
    const batch = Array.from({ length: Math.min(parallel, to - i) }, (_, k) => drive(i + k));
    driven.push(...(await Promise.all(batch)));
  }
  return driven;
}

describe('scale-out: 2 workers, 2 APIs, 50 orders, one worker killed halfway', () => {
  it('brings every order to the right outcome with the right ledger', async () => {
    const first = await driveAll(0, 25);
    await workers[0]?.kill();
    const second = await driveAll(25, 50);
    const orders = [...first, ...second];
    expect(orders).toHaveLength(50);

    const deadline = Date.now() + 120_000;
    for (const { orderId, kind } of orders) {
      let snapshot = await ok(call(apis[0]?.url ?? '', 'GET', `/v1/orders/${orderId}`));
      while (snapshot.status !== 'closed' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        snapshot = await ok(call(apis[1]?.url ?? '', 'GET', `/v1/orders/${orderId}`));
      }
      const expected = EXPECTED[kind];
      expect({
        orderId,
        status: snapshot.status,
        outcome: snapshot.outcome,
        reason: snapshot.reason,
      }).toEqual({
        orderId,
        status: 'closed',
        outcome: expected.outcome,
        reason: expected.reason,
      });
      const ledger = await ok(call(apis[0]?.url ?? '', 'GET', `/v1/orders/${orderId}/ledger`));
      expect(ledger.entries.map((e: { kind: string; amount: number }) => [e.kind, e.amount])).toEqual(
        expected.ledger,
      );
    }
    expect(workers[1]?.child.exitCode).toBeNull();
  }, 300_000);
});
