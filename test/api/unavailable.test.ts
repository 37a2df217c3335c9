import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../scripts/free-port.js';
import { workflowIdFor } from '../../workflows/model/messages.js';
import { type ApiUnderTest, eventually, startApi } from '../support/api-client.js';
import { createHarness, type Harness, startOrder, testContract } from '../support/harness.js';

/** Real dependencies that are really unreachable: a port nobody listens on, a closed connection. */

const UNAVAILABLE = { status: 503, body: { type: '/problems/unavailable', status: 503 } };

let h: Harness;
let unreachable: Client;
beforeAll(async () => {
  h = await createHarness();
  unreachable = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }) });
});
afterAll(async () => {
  await h?.close();
  // Closed last: the SDK's retry timers of calls that already hit their deadline outlive them by
  // up to a couple of seconds, and would throw on a closed channel.
  await unreachable?.connection.close();
});

describe('Temporal unreachable', () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApi({ ...h, client: unreachable }, { upstreamTimeoutMs: 1_000 });
  });
  afterAll(() => api?.close());

  it('answers 503 with Retry-After on every order route, and readiness names Temporal as down', async () => {
    const contract = testContract();
    const calls = [
      api.call('POST', '/v1/orders', { body: contract }),
      api.call('GET', `/v1/orders/${contract.orderId}`),
      api.call('GET', '/v1/orders'),
      api.call('POST', `/v1/orders/${contract.orderId}/payments`, {
        body: { amount: 1, reference: 'wire-1' },
      }),
      api.call('GET', `/v1/orders/${contract.orderId}/ledger`),
    ];
    for (const response of await Promise.all(calls)) {
      expect(response).toMatchObject(UNAVAILABLE);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }

    const ready = await api.call('GET', '/readyz', { as: null });
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('5');
    expect(ready.body).toEqual({ status: 'unavailable', checks: { temporal: 'down', postgres: 'ok' } });
    expect((await api.call('GET', '/healthz', { as: null })).status).toBe(200);
  });

  it('still serves the request metrics, without order counts', async () => {
    const scrape = await fetch(`${api.metricsUrl}/metrics`);
    expect(scrape.status).toBe(200);
    const body = await scrape.text();
    expect(body).toContain('http_requests_total');
    expect(body).not.toMatch(/^escrow_orders\{/m);
  });

  it('answers 503 when the client connection has been closed', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const closedApi = await startApi({ ...h, client: new Client({ connection }) });
    try {
      await connection.close();
      expect(await closedApi.call('GET', `/v1/orders/${testContract().orderId}`)).toMatchObject(UNAVAILABLE);
    } finally {
      await closedApi.close();
    }
  });
});

describe('no worker for the orders', () => {
  it('creates the order but answers an event 503 instead of hanging; a retry with the same Idempotency-Key applies it once', async () => {
    const api = await startApi(h, { upstreamTimeoutMs: 1_500 });
    try {
      const contract = testContract();
      const { orderId } = contract;
      // Temporal holds the started order, and the answer needs no worker: created, waiting for funds.
      expect(await api.call('POST', '/v1/orders', { body: contract })).toMatchObject({
        status: 201,
        body: { orderId, status: 'awaiting_funding', funded: 0 },
      });
      // An event needs the workflow to answer: 503, and an identical retry is safe.
      const payment = {
        body: { amount: 1_250_000, reference: 'wire-1' },
        headers: { 'idempotency-key': 'pay-1' },
      };
      expect(await api.call('POST', `/v1/orders/${orderId}/payments`, payment)).toMatchObject(UNAVAILABLE);

      await h.startWorker();
      // A client retries a 503; the worker may need longer than the short timeout to catch up.
      const retried = (ask: () => ReturnType<typeof api.call>) =>
        eventually(ask, (r) => r.status !== 503, 60_000);
      const created = await retried(() => api.call('POST', '/v1/orders', { body: contract }));
      expect(created).toMatchObject({ status: 200, body: { orderId } });
      const paid = await retried(() => api.call('POST', `/v1/orders/${orderId}/payments`, payment));
      expect(paid).toMatchObject({ status: 200, body: { status: 'awaiting_shipment', funded: 1_250_000 } });
      const ledger = await api.call('GET', `/v1/orders/${orderId}/ledger`);
      expect(ledger.body.entries).toHaveLength(1);
    } finally {
      await h.stopWorker();
      await api.close();
    }
  });
});

describe('PostgreSQL unreachable', () => {
  it('answers 503 for the ledger and readiness; the routes that need only Temporal go on', async () => {
    const pool = new pg.Pool({
      connectionString: `postgres://escrow:escrow@127.0.0.1:${await freePort()}/escrow`,
    });
    pool.on('error', () => {});
    const api = await startApi({ ...h, pool });
    await h.startWorker();
    try {
      const contract = testContract();
      // A create reserves the order's amount in its supplier's coverage first (docs/program.md):
      // without PostgreSQL it is a 503 that starts nothing.
      expect(await api.call('POST', '/v1/orders', { body: contract })).toMatchObject(UNAVAILABLE);
      await expect(h.client.workflow.getHandle(workflowIdFor(contract.orderId)).describe()).rejects.toThrow(
        WorkflowNotFoundError,
      );
      await startOrder(h.client, h.taskQueue, contract);
      expect((await api.call('GET', `/v1/orders/${contract.orderId}`)).status).toBe(200);
      const ledger = await api.call('GET', `/v1/orders/${contract.orderId}/ledger`);
      expect(ledger).toMatchObject(UNAVAILABLE);
      expect(ledger.headers.get('retry-after')).toBe('5');
      const ready = await api.call('GET', '/readyz', { as: null });
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'unavailable', checks: { temporal: 'ok', postgres: 'down' } });
    } finally {
      await h.stopWorker();
      await api.close();
      await pool.end();
    }
  });
});
