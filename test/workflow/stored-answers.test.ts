import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClientInterceptors } from '../../api/temporal-client.js';
import { freePort } from '../../scripts/free-port.js';
import {
  addStatementUpdate,
  fileClaimUpdate,
  isStoredAnswer,
  recordDeliveryUpdate,
  recordPaymentUpdate,
  recordShipmentUpdate,
  settleUpdate,
  workflowIdFor,
} from '../../workflows/model/messages.js';
import type { OrderSnapshot } from '../../workflows/model/state.js';
import { type ApiUnderTest, inNegotiation as orderInNegotiation, startApi } from '../support/api-client.js';
import { type EngineProcess, startWorkerProcess } from '../support/engine-processes.js';
import { TEST_EVENT_KEYS } from '../support/event-keys.js';
import { createHarness, type Harness, startOrder, testContract, waitForStatus } from '../support/harness.js';
import { type History, historyToJSON } from '../support/histories.js';

/**
 * Orders started since 'stored-answers' answer an Update with the sequence of its event, and the API
 * reads that event's snapshot from PostgreSQL (docs/development.md#stored-answers). These tests drive
 * orders through the API's own Temporal client (no test interceptor) on a worker that caches no
 * workflow, so that every workflow task replays the order's history, and through a worker killed
 * mid-dispute whose orders another worker takes over.
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/histories/stored-answers/', import.meta.url));
const RECORDING = process.env.RECORD_HISTORIES === '1';

let h: Harness;
let api: ApiUnderTest;
/** The production API's client: what it gets is what the workflow answered. */
const apiClient = () =>
  new Client({
    connection: h.client.connection,
    interceptors: { workflow: apiClientInterceptors(TEST_EVENT_KEYS.secretKey) },
  });

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker({ maxCachedWorkflows: 0 });
  api = await startApi(h, { temporal: apiClient() });
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

const post = (orderId: string, event: string, body: unknown, headers?: Record<string, string>) =>
  api.call('POST', `/v1/orders/${orderId}/${event}`, { body, headers });
const get = async (orderId: string) => (await api.call('GET', `/v1/orders/${orderId}`)).body;
const claim = { reason: 'quality', description: 'mouldy bags', requestedRefund: 400_000, evidence: [] };
const statement = (text: string) => ({ party: 'buyer', text, evidence: [] });

const inNegotiation = () => orderInNegotiation(api);

/** What the workflow answered each completed Update with, in order. */
function answers(history: History): unknown[] {
  return (history.events ?? []).flatMap((e) => {
    const payload = e.workflowExecutionUpdateCompletedEventAttributes?.outcome?.success?.payloads?.[0];
    return payload ? [defaultPayloadConverter.fromPayload(payload)] : [];
  });
}

const taskFailures = (history: History) =>
  (history.events ?? []).flatMap((e) =>
    e.workflowTaskFailedEventAttributes ? [e.workflowTaskFailedEventAttributes.failure?.message] : [],
  );

const handleOf = (orderId: string) => h.client.workflow.getHandle(workflowIdFor(orderId));

describe('answers read from PostgreSQL', () => {
  it('answers every event of an order with its own snapshot, replaying at each task without a failure', async () => {
    const contract = testContract();
    const { orderId } = contract;
    expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    const steps: [string, unknown][] = [
      ['payments', { amount: 1_250_000, reference: 'wire-1' }],
      ['shipment', { carrier: 'Maersk', trackingNumber: 'MSK-1' }],
      ['delivery', {}],
      ['claims', claim],
      ['statements', statement('The bags arrived wet.')],
      ['settlement', { party: 'supplier', action: 'offer', refundAmount: 300_000 }],
    ];
    for (const [event, body] of steps) {
      const answered = await post(orderId, event, body);
      expect(answered.status).toBe(200);
      // Nothing happens to the order between two events here: its answer is the order as it is.
      expect(answered.body).toEqual(await get(orderId));
    }
    const accepted = await post(orderId, 'settlement', { party: 'buyer', action: 'accept_offer' });
    expect(accepted).toMatchObject({ status: 200, body: { status: 'settling' } });
    expect(accepted.body.outcome).toBeUndefined();
    const closed = await waitForStatus(handleOf(orderId), 'closed');
    expect(closed).toMatchObject({ outcome: 'split' });

    const history = await handleOf(orderId).fetchHistory();
    expect(taskFailures(history)).toEqual([]);
    // The events that moved no money were answered by their sequence.
    const stored = answers(history).filter(isStoredAnswer);
    expect(stored.map((a) => a.storedEvent).length).toBeGreaterThanOrEqual(4);
    expect(stored.every((a, i) => i === 0 || a.storedEvent > (stored[i - 1]?.storedEvent ?? 0))).toBe(true);
  });

  it('answers two events sent at once each with its own event, not the later one', async () => {
    const orderId = await inNegotiation();
    const [first, second] = await Promise.all([
      post(orderId, 'statements', statement('first')),
      post(orderId, 'statements', statement('second')),
    ]);
    const own = [first, second].map((r) => {
      expect(r.status).toBe(200);
      const statements = (r.body as OrderSnapshot).dispute?.statements ?? [];
      return { count: statements.length, last: statements.at(-1)?.text };
    });
    expect(own.map((o) => o.count).sort()).toEqual([1, 2]);
    expect(own.map((o) => o.last)).toEqual(['first', 'second']);
    // An order still open: the replay test replays it as a history taken in flight.
    if (RECORDING) {
      const history = await handleOf(orderId).fetchHistory();
      await writeFile(`${FIXTURES}in-flight-negotiation.json`, `${historyToJSON(history)}\n`);
    }
  });

  it('answers a repeated Idempotency-Key with the first answer, after later events', async () => {
    const orderId = await inNegotiation();
    const key = { 'idempotency-key': 'statement-1' };
    const firstAnswer = await post(orderId, 'statements', statement('once'), key);
    expect(firstAnswer.status).toBe(200);
    await post(orderId, 'statements', statement('later'));
    const again = await post(orderId, 'statements', statement('once'), key);
    expect(again).toMatchObject({ status: 200, body: firstAnswer.body });
    expect((await get(orderId)).dispute.statements).toHaveLength(2);
  });

  it('still refuses an event with the problem of its validator', async () => {
    const orderId = await inNegotiation();
    const refused = await post(orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSK-2' });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      type: '/problems/wrong-state',
      status: 409,
      currentStatus: 'negotiation',
    });
  });

  it('answers the event that closes an order, and refuses one after it as before', async () => {
    const orderId = await inNegotiation();
    const withdrawn = await post(orderId, 'settlement', { party: 'buyer', action: 'withdraw_claim' });
    expect(withdrawn).toMatchObject({ status: 200, body: { status: 'settling' } });
    await waitForStatus(handleOf(orderId), 'closed');
    const late = await post(orderId, 'statements', statement('too late'));
    expect(late).toMatchObject({
      status: 409,
      body: { type: '/problems/wrong-state', currentStatus: 'closed' },
    });
    expect(await get(orderId)).toMatchObject({ status: 'closed', outcome: 'released' });
  });

  it("answers from the order's Query while the API's PostgreSQL is unreachable", async () => {
    const pool = new pg.Pool({
      connectionString: `postgres://escrow:escrow@127.0.0.1:${await freePort()}/escrow`,
    });
    pool.on('error', () => {});
    const down = await startApi(h, { temporal: apiClient(), pool });
    try {
      const contract = testContract();
      const handle = await startOrder(h.client, h.taskQueue, contract);
      await handle.executeUpdate(recordPaymentUpdate, { args: [{ amount: 1_250_000, reference: 'wire-1' }] });
      const shipped = await down.call('POST', `/v1/orders/${contract.orderId}/shipment`, {
        body: { carrier: 'Maersk', trackingNumber: 'MSK-1' },
      });
      expect(shipped).toMatchObject({ status: 200, body: { status: 'in_transit', funded: 1_250_000 } });
      expect(shipped.body).toEqual(await get(contract.orderId));
    } finally {
      await down.close();
      await pool.end();
    }
  });
});

describe('a worker killed in the middle of a dispute', () => {
  const queue = `stored-answers-${Date.now()}`;
  const workers: EngineProcess[] = [];
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
  });

  async function replay(history: History, workflowId: string) {
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      history,
      workflowId,
    );
  }

  it('leaves its orders to a worker with an empty cache, which replays them and goes on without a task failure', async () => {
    workers.push(await startWorkerProcess(queue));
    const contract = testContract({ negotiationWindow: 'PT5M' });
    const handle: WorkflowHandle = await startOrder(h.client, queue, contract);
    await handle.executeUpdate(recordPaymentUpdate, { args: [{ amount: 1_250_000, reference: 'wire-1' }] });
    await handle.executeUpdate(recordShipmentUpdate, {
      args: [{ carrier: 'Maersk', trackingNumber: 'MSK-1' }],
    });
    await handle.executeUpdate(recordDeliveryUpdate, { args: [{}] });
    await handle.executeUpdate(fileClaimUpdate, { args: [claim as never] });
    const said = await handle.executeUpdate(addStatementUpdate, { args: [statement('wet bags') as never] });
    expect(said.dispute?.statements?.map((s) => s.text)).toEqual(['wet bags']);

    const inFlight = await handle.fetchHistory();
    await replay(inFlight, handle.workflowId);

    // Killed while an offer is on its way: the order's next task goes to the next worker.
    const offer = handle.executeUpdate(settleUpdate, {
      args: [{ party: 'supplier', action: 'offer', refundAmount: 300_000 }],
    });
    await (workers[0] as EngineProcess).kill();
    workers.push(await startWorkerProcess(queue));
    expect((await offer).offers).toMatchObject([
      { party: 'supplier', refundAmount: 300_000, status: 'open' },
    ]);
    const more = await handle.executeUpdate(addStatementUpdate, { args: [statement('see photos') as never] });
    expect(more.dispute?.statements?.map((s) => s.text)).toEqual(['wet bags', 'see photos']);
    const accepted = await handle.executeUpdate(settleUpdate, {
      args: [{ party: 'buyer', action: 'accept_offer' }],
    });
    expect(accepted.status).toBe('settling');
    expect(await handle.result()).toMatchObject({ status: 'closed', outcome: 'split' });

    const history = await handle.fetchHistory();
    expect(taskFailures(history)).toEqual([]);
    await replay(history, handle.workflowId);
    if (RECORDING)
      await writeFile(`${FIXTURES}split-settlement_agreed+worker-killed.json`, `${historyToJSON(history)}\n`);
  }, 180_000);
});
