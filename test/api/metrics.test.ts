import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../scripts/free-port.js';
import { ORDER_STATUSES } from '../../workflows/schemas/statuses.js';
import { type ApiUnderTest, startApi } from '../support/api-client.js';
import { createHarness, type Harness, testContract } from '../support/harness.js';

/** The API's metrics on their own port, the cache of their order counts, and what readiness tells. */

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(() => h?.close());

const scrape = async (api: ApiUnderTest, path = '/metrics') => {
  const response = await fetch(`${api.metricsUrl}${path}`);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
};
const orderCounts = (body: string) => body.split('\n').filter((line) => line.startsWith('escrow_orders{'));

describe('the metrics port', () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApi(h);
  });
  afterAll(() => api?.close());

  it('serves GET /metrics, and the public port does not', async () => {
    await api.call('GET', '/healthz', { as: null });
    const metrics = await scrape(api);
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.body).toContain('http_requests_total{method="GET",route="/healthz",status="200"} 1');
    expect(orderCounts(metrics.body)).toHaveLength(ORDER_STATUSES.length);

    for (const as of [null, 'reader'] as const) {
      const onPublic = await api.call('GET', '/metrics', { as });
      expect(onPublic).toMatchObject({ status: 404, body: { type: '/problems/not-found', status: 404 } });
    }
  });

  it('answers nothing but GET (and HEAD) /metrics', async () => {
    expect((await scrape(api, '/')).status).toBe(404);
    expect((await scrape(api, '/v1/orders')).status).toBe(404);
    expect((await scrape(api, '/metrics?debug=1')).status).toBe(200);
    const head = await fetch(`${api.metricsUrl}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const post = await fetch(`${api.metricsUrl}/metrics`, { method: 'POST' });
    expect(post.status).toBe(404);
  });

  it('closes with the app, even while a scraper keeps its connection open', async () => {
    const own = await startApi(h);
    // fetch keeps the connection alive after the answer, as Prometheus does.
    expect((await scrape(own)).status).toBe(200);
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(fetch(`${own.metricsUrl}/metrics`)).rejects.toThrow();
  });
});

describe('the order counts of a scrape', () => {
  const CACHE_SECONDS = 3;
  let counted = 0;
  let connection: Connection;
  let api: ApiUnderTest;
  beforeAll(async () => {
    // Every CountWorkflowExecutions call of the API's own connection, each one still sent to the server.
    connection = await Connection.connect({ address: inject('temporalAddress') });
    const service = connection.workflowService;
    const count = service.countWorkflowExecutions.bind(service);
    service.countWorkflowExecutions = ((request: Parameters<typeof count>[0]) => {
      counted++;
      return count(request);
    }) as typeof service.countWorkflowExecutions;
    api = await startApi(
      { ...h, client: new Client({ connection }) },
      { metricsCacheSeconds: CACHE_SECONDS },
    );
  });
  afterAll(async () => {
    await api?.close();
    await connection?.close();
  });

  it('asks visibility once per cache period, however many scrapes come, and again after it', async () => {
    const [first, ...concurrent] = await Promise.all([scrape(api), scrape(api), scrape(api)]);
    expect(counted).toBe(ORDER_STATUSES.length);
    const cachedAt = Date.now();

    // An order created meanwhile does not reach the counts before the period ends.
    const contract = testContract();
    expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    const again = await scrape(api);
    expect(Date.now() - cachedAt).toBeLessThan(CACHE_SECONDS * 1000);
    expect(counted).toBe(ORDER_STATUSES.length);
    for (const later of [...concurrent, again]) {
      expect(orderCounts(later.body)).toEqual(orderCounts(first?.body ?? ''));
    }

    // Once the period is over, the next scrape counts again.
    await new Promise((r) => setTimeout(r, CACHE_SECONDS * 1000 - (Date.now() - cachedAt) + 100));
    expect(orderCounts((await scrape(api)).body)).toHaveLength(ORDER_STATUSES.length);
    expect(counted).toBe(2 * ORDER_STATUSES.length);
  });
});

describe('readiness', () => {
  it('names PostgreSQL as down without its error, which goes to the log with the dependency', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
          done();
        },
      }),
    );
    const port = await freePort();
    const pool = new pg.Pool({ connectionString: `postgres://escrow:escrow@127.0.0.1:${port}/escrow` });
    pool.on('error', () => {});
    const api = await startApi({ ...h, pool }, { logger });
    try {
      const ready = await api.call('GET', '/readyz', { as: null });
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBe('5');
      expect(ready.body).toEqual({ status: 'unavailable', checks: { temporal: 'ok', postgres: 'down' } });
      const logged = lines.find((l) => l.msg === 'readiness: postgres is down');
      expect(logged).toMatchObject({ level: 40, dependency: 'postgres' });
      expect(logged?.err).toMatchObject({
        message: expect.stringContaining(`ECONNREFUSED 127.0.0.1:${port}`),
      });
    } finally {
      await api.close();
      await pool.end();
    }
  });
});
