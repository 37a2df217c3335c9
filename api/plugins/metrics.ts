import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { OrderStatus } from '../../workflows/model/state.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Serves the app's metrics at `GET /metrics` on a port of its own, so that they stay off the
     * public port (and out of its rate limits and load balancer); closed with the app. Resolves to
     * its URL.
     */
    listenMetrics(address: { port: number; host: string }): Promise<string>;
  }
}

export interface MetricsOptions {
  /** Orders per status, asked of Temporal visibility (one count per status). */
  countOrders: () => Promise<Record<OrderStatus, number>>;
  /** How long one set of counts answers the scrapes; 0 counts at every scrape. */
  countsMaxAgeMs: number;
}

/**
 * Prometheus metrics of the app: request counts and latencies per route, method and status, and
 * the orders per status. A registry per app, so that several apps in one process (tests) do not
 * share series. They are served on a port of their own (`app.listenMetrics`), not among the
 * public routes.
 */
export const metrics = fp<MetricsOptions>(async (app, { countOrders, countsMaxAgeMs }) => {
  const registry = new Registry();
  const servers = new Set<Server>();
  app.decorate('listenMetrics', async (address: { port: number; host: string }) => {
    const server = await serve(registry, address, app.log);
    servers.add(server);
    const { port } = server.address() as AddressInfo;
    return `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${port}`;
  });
  app.addHook('onClose', async () => {
    for (const server of servers) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A scraper keeps its connection alive between scrapes; it must not hold the shutdown.
      server.closeAllConnections();
      await closed;
    }
  });
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
  const counts = cached(countOrders, countsMaxAgeMs);
  new Gauge({
    name: 'escrow_orders',
    help: 'Orders per status (Temporal visibility; eventually consistent, and cached for API_METRICS_CACHE_SECONDS)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const [status, count] of Object.entries(await counts())) this.set({ status }, count);
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
});

/**
 * One answer for every call within `maxAgeMs` of the call that asked for it, and one call in flight
 * however many scrapers ask at once (two Prometheus replicas, each scraping every API replica). A
 * failure is not kept: the next scrape asks again.
 */
function cached<T>(ask: () => Promise<T>, maxAgeMs: number): () => Promise<T> {
  let last: { at: number; answer: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (last && now - last.at < maxAgeMs) return last.answer;
    const entry = { at: now, answer: ask() };
    last = entry;
    entry.answer.catch(() => {
      if (last === entry) last = undefined;
    });
    return entry.answer;
  };
}

async function serve(
  registry: Registry,
  { port, host }: { port: number; host: string },
  log: FastifyBaseLogger,
): Promise<Server> {
  const server = createServer((request, response) => {
    const path = request.url?.split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        .end('not found: GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (err: Error) => {
        log.error({ err }, 'could not collect the metrics');
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('could not collect\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
