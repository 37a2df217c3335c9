import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { OrderStatus } from '../../workflows/model/state.js';

export interface MetricsOptions {
  /** Orders per status, asked of Temporal visibility at scrape time. */
  countOrders: () => Promise<Record<OrderStatus, number>>;
}

/**
 * Prometheus metrics at GET /metrics: request counts and latencies per route, method and status,
 * and the orders per status. A registry per app, so that several apps in one process (tests) do
 * not share series.
 */
export const metrics = fp<MetricsOptions>(async (app, { countOrders }) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'escrow_orders',
    help: 'Orders per status (Temporal visibility; eventually consistent)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const [status, count] of Object.entries(await countOrders())) this.set({ status }, count);
      } catch (err) {
        // A scrape must still deliver the request metrics; the missing series tell the rest.
        app.log.warn({ err }, 'could not count orders for /metrics');
      }
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    // Unmatched URLs share one label: a scanner must not be able to create series at will.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        operationId: 'getMetrics',
        summary: 'Prometheus metrics',
        security: [],
      },
    },
    async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
});
