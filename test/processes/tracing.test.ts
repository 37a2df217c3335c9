import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing } from '../../config/tracing.js';
import { generateWebhookSecret } from '../../config/webhook-secrets.js';
import { type ApiUnderTest, eventually, orderReads, startApi } from '../support/api-client.js';
import { createHarness, type Harness, testContract } from '../support/harness.js';

/*
 * One order through the API and the worker in this process, each with its own tracer provider and
 * service name as in production, both exporting into memory: the spans of one request must form
 * one trace across the API, the Update, the workflow's activities and the webhook POST.
 */
const exporter = new InMemorySpanExporter();
const spanProcessor = new SimpleSpanProcessor(exporter);
const apiTracing = startTracing({ serviceName: 'escrow-api', spanProcessor });
const workerTracing = startTracing({ serviceName: 'escrow-worker', spanProcessor });

/** A marketplace's webhook endpoint that keeps the headers of every POST. */
const received: IncomingHttpHeaders[] = [];
let receiver: Server;
let h: Harness;
let api: ApiUnderTest;
beforeAll(async () => {
  receiver = createServer((req, res) => {
    received.push(req.headers);
    req.resume().on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/escrow`;
  h = await createHarness({ tracing: apiTracing });
  await h.startWorker({
    tracing: workerTracing,
    webhooks: { urls: [receiverUrl], secrets: [generateWebhookSecret()] },
  });
  api = await startApi(h, { tracing: apiTracing });
});
afterAll(async () => {
  await api?.close();
  await h?.close();
  await new Promise((resolve) => receiver?.close(resolve));
  await Promise.all([apiTracing.shutdown(), workerTracing.shutdown()]);
});

const spans = () => exporter.getFinishedSpans();
const service = (span: ReadableSpan) => span.resource.attributes['service.name'];
const parentOf = (span: ReadableSpan) =>
  spans().find((s) => s.spanContext().spanId === span.parentSpanId && span.parentSpanId !== undefined);

/** The span's name, then its parent's, up to the root of its trace. */
function lineage(span: ReadableSpan): string[] {
  const names = [span.name];
  for (let parent = parentOf(span); parent; parent = parentOf(parent)) names.push(parent.name);
  return names;
}

/** The one finished span of that name in the trace, waited for: the workflow's come through a sink. */
async function spanIn(traceId: string, name: string, where: (s: ReadableSpan) => boolean = () => true) {
  const found = await eventually(
    async () => spans().filter((s) => s.spanContext().traceId === traceId && s.name === name && where(s)),
    (matching) => matching.length > 0,
  );
  expect(
    found.map((s) => s.name),
    `${name} in trace ${traceId}`,
  ).toEqual([name]);
  return found[0] as ReadableSpan;
}

/** The API's span of the one request of that route that concerned the order. */
function serverSpan(route: string, orderId: string): ReadableSpan {
  const workflowId = `order-${orderId}`;
  const concerns = (request: ReadableSpan) =>
    spans().some(
      (s) =>
        s.spanContext().traceId === request.spanContext().traceId &&
        s.attributes.temporalWorkflowId === workflowId,
    );
  const found = spans().filter((s) => s.kind === SpanKind.SERVER && s.name === route && concerns(s));
  expect(found).toHaveLength(1);
  return found[0] as ReadableSpan;
}

describe('tracing across the API and the worker', () => {
  it('makes a payment one trace: the request, the Update, its handling and the ledger movement', async () => {
    const contract = testContract();
    expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    const paid = await api.call('POST', `/v1/orders/${contract.orderId}/payments`, {
      body: { amount: contract.amount, reference: 'wire-1' },
    });
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('awaiting_shipment');

    const request = serverSpan('POST /v1/orders/:orderId/payments', contract.orderId);
    expect(service(request)).toBe('escrow-api');
    expect(request.attributes).toMatchObject({ 'http.route': '/v1/orders/:orderId/payments' });
    const traceId = request.spanContext().traceId;

    const update = await spanIn(traceId, 'StartWorkflowUpdate:recordPayment');
    expect(service(update)).toBe('escrow-api');
    expect(lineage(update)).toEqual([update.name, 'handler - orderEventRoutes', request.name]);
    // The Update id the signing interceptor fixed, so that the span finds the Update in Temporal.
    expect(update.attributes.temporalUpdateId).toEqual(expect.any(String));

    const validated = await spanIn(traceId, 'ValidateUpdate:recordPayment');
    const handled = await spanIn(traceId, 'HandleUpdate:recordPayment');
    for (const span of [validated, handled]) {
      expect(service(span)).toBe('escrow-worker');
      expect(parentOf(span)).toBe(update);
    }
    const credit = await spanIn(traceId, 'RunActivity:creditEscrow');
    expect(service(credit)).toBe('escrow-worker');
    expect(lineage(credit)).toEqual([
      'RunActivity:creditEscrow',
      'StartActivity:creditEscrow',
      ...lineage(handled),
    ]);
    expect(credit.attributes).toMatchObject({ temporalWorkflowId: `order-${contract.orderId}` });
  });

  it("makes an order's events, stored and POSTed to the webhook, spans of the trace that created it", async () => {
    const contract = testContract();
    expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    const create = serverSpan('POST /v1/orders', contract.orderId);
    const traceId = create.spanContext().traceId;

    // The workflow's own span ends when the order does.
    expect(
      (
        await api.call('POST', `/v1/orders/${contract.orderId}/cancel`, {
          body: { party: 'buyer', reason: 'ordered twice' },
        })
      ).status,
    ).toBe(200);
    expect((await orderReads(() => api).closed(contract.orderId)).outcome).toBe('cancelled');
    const run = await spanIn(traceId, 'RunWorkflow:order');
    expect(service(run)).toBe('escrow-worker');
    expect(lineage(run)).toEqual([
      'RunWorkflow:order',
      'StartWorkflow:order',
      'handler - orderRoutes',
      create.name,
    ]);

    const post = await spanIn(
      traceId,
      'POST',
      (s) => s.kind === SpanKind.CLIENT && s.attributes['escrow.event.type'] === 'order.created',
    );
    expect(service(post)).toBe('escrow-worker');
    expect(post.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.response.status_code': 204,
      'url.full': expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/escrow$/),
      'escrow.event.id': expect.stringContaining(contract.orderId),
    });
    expect(lineage(post).slice(0, 3)).toEqual([
      'POST',
      'RunActivity:recordAndDeliverOrderEvents',
      'StartActivity:recordAndDeliverOrderEvents',
    ]);
    expect(lineage(post)).toEqual(expect.arrayContaining(lineage(run)));

    // The receiver can join the trace: W3C traceparent, the POST's span as the parent.
    const sent = received.find((r) => r['webhook-id'] === post.attributes['escrow.event.id']);
    expect(sent?.traceparent).toBe(`00-${traceId}-${post.spanContext().spanId}-01`);
  });

  it('traces no health probe or metrics scrape', async () => {
    expect((await api.call('GET', '/healthz', { as: null })).status).toBe(200);
    expect((await api.call('GET', '/readyz', { as: null })).status).toBe(200);
    expect((await fetch(`${api.metricsUrl}/metrics`)).status).toBe(200);
    expect(
      spans().filter((s) => s.kind === SpanKind.SERVER && /healthz|readyz|metrics/.test(s.name)),
    ).toEqual([]);
  });
});
