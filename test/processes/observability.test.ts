import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/free-port.js';
import { workflowIdFor } from '../../workflows/model/messages.js';
import {
  call,
  type EngineProcess,
  startApiProcess,
  startWorkerProcess,
} from '../support/engine-processes.js';
import { createHarness, type Harness, testContract } from '../support/harness.js';

/** Issue 6: JSON logs that name the order, and Prometheus metrics from both processes. */
let h: Harness;
let worker: EngineProcess;
let api: EngineProcess & { url: string };
let metricsPort: number;
let apiMetricsPort: number;
beforeAll(async () => {
  h = await createHarness();
  metricsPort = await freePort();
  apiMetricsPort = await freePort();
  [worker, api] = await Promise.all([
    startWorkerProcess(h.taskQueue, { WORKER_METRICS_PORT: String(metricsPort), LOG_LEVEL: 'debug' }),
    startApiProcess(h.taskQueue, { LOG_LEVEL: 'info', API_METRICS_PORT: String(apiMetricsPort) }),
  ]);
}, 120_000);
afterAll(async () => {
  await Promise.all([worker?.kill(), api?.kill()]);
  await h?.close();
});

const jsonLines = (p: EngineProcess) =>
  p.output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('observability', () => {
  it('logs JSON lines that carry the order id and workflow id of the order they concern', async () => {
    const contract = testContract({ fundBy: new Date(Date.now() + 3000).toISOString() });
    expect((await call(api.url, 'POST', '/v1/orders', contract)).status).toBe(201);
    expect(
      (await call(api.url, 'POST', `/v1/orders/${contract.orderId}/payments`, { amount: 5, reference: 'w1' }))
        .status,
    ).toBe(200);
    await h.client.workflow.getHandle(workflowIdFor(contract.orderId)).result();

    const apiLines = jsonLines(api).filter((l) => l.orderId === contract.orderId);
    expect(apiLines.length).toBeGreaterThanOrEqual(2);
    for (const line of apiLines) {
      expect(line).toMatchObject({ service: 'escrow-api', workflowId: `order-${contract.orderId}` });
    }

    const workerLines = jsonLines(worker);
    const aboutOrder = workerLines.filter((l) => l.workflowId === `order-${contract.orderId}`);
    expect(aboutOrder.length).toBeGreaterThan(0);
    for (const line of aboutOrder)
      expect(line).toMatchObject({ service: 'escrow-worker', orderId: contract.orderId });
  });

  it('serves Prometheus metrics from the worker and the API, each on its metrics port', async () => {
    const workerMetrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(workerMetrics).toMatch(/^temporal_workflow_completed_total\{/m);
    expect(workerMetrics).toMatch(/^temporal_activity_execution_latency_seconds_bucket\{/m);
    const apiMetrics = await (await fetch(`http://127.0.0.1:${apiMetricsPort}/metrics`)).text();
    expect(apiMetrics).toMatch(/^# TYPE \w+ (counter|histogram)/m);
    expect(apiMetrics).toMatch(/^http_requests_total\{method="POST",route="\/v1\/orders",status="201"\} 1$/m);
    // Off the public port: there it is a route like any unknown one.
    const publicMetrics = await fetch(`${api.url}/metrics`);
    expect(publicMetrics.status).toBe(404);
    expect(await publicMetrics.json()).toMatchObject({ type: '/problems/not-found', status: 404 });
  });

  it("gives the worker's durations in seconds, Prometheus' base unit, not milliseconds", async () => {
    const workerMetrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    // Every duration the SDK measures is named in seconds; none is left in milliseconds.
    expect(workerMetrics).not.toMatch(/_milliseconds|_ms\b/);
    for (const name of [
      'temporal_workflow_task_schedule_to_start_latency_seconds',
      'temporal_workflow_task_execution_latency_seconds',
      'temporal_activity_execution_latency_seconds',
      'temporal_workflow_endtoend_latency_seconds',
    ]) {
      expect(workerMetrics).toMatch(new RegExp(`^# TYPE ${name} histogram$`, 'm'));
    }
    // The order above ran its activities in well under a second each: in milliseconds their sum
    // would be in the hundreds at least.
    const bucketBounds = [
      ...workerMetrics.matchAll(/^temporal_activity_execution_latency_seconds_bucket\{.*le="([^"]+)"/gm),
    ].map((m) => m[1]);
    expect(bucketBounds).toContain('0.1');
    const sum = /^temporal_workflow_task_execution_latency_seconds_sum\{[^}]*\} (\S+)$/m.exec(workerMetrics);
    expect(Number(sum?.[1])).toBeGreaterThan(0);
    expect(Number(sum?.[1])).toBeLessThan(60);
  });
});
