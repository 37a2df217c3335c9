import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing } from '../../config/tracing.js';
import { generateWebhookSecret } from '../../config/webhook-secrets.js';
import { recordPaymentUpdate, workflowIdFor } from '../../workflows/model/messages.js';
import { UNSIGNED_EVENT } from '../../workflows/rules/event-signature.js';
import { type ApiUnderTest, eventually, orderReads, startApi } from '../support/api-client.js';
import {
  call,
  type EngineProcess,
  startApiProcess,
  startWorkerProcess,
} from '../support/engine-processes.js';
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

    // The events the payment emitted are stored and POSTed to the webhook in the payment's trace.
    const funded = await spanIn(
      traceId,
      'POST',
      (s) => s.kind === SpanKind.CLIENT && s.attributes['escrow.event.type'] === 'order.funded',
    );
    expect(service(funded)).toBe('escrow-worker');
    expect(lineage(funded).slice(0, 2)).toEqual(['POST', 'RunActivity:recordAndDeliverOrderEvents']);
    expect(lineage(funded)).toEqual(expect.arrayContaining(lineage(handled)));
  });

  it("makes the events of an order's start, stored and POSTed to the webhook, spans of the trace that created it", async () => {
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

  it("makes a read of an open order one trace down to the workflow's query handler", async () => {
    const contract = testContract();
    expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    // The SDK turns the workflow's query spans on in a workflow task that handles an Update, never in a query.
    const paid = await api.call('POST', `/v1/orders/${contract.orderId}/payments`, {
      body: { amount: 1_000, reference: 'wire-1' },
    });
    expect(paid.status).toBe(200);
    expect((await api.call('GET', `/v1/orders/${contract.orderId}`, { as: 'reader' })).status).toBe(200);
    const read = serverSpan('GET /v1/orders/:orderId', contract.orderId);
    const handled = await spanIn(read.spanContext().traceId, 'HandleQuery:order');
    expect(service(handled)).toBe('escrow-worker');
    expect(lineage(handled)).toEqual([
      'HandleQuery:order',
      'QueryWorkflow:order',
      'handler - orderRoutes',
      read.name,
    ]);
  });

  it('shows an Update refused for its missing signature as an error of its ValidateUpdate span', async () => {
    const contract = testContract();
    expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    // Traced but unsigned: anyone with a Temporal client but without the API's key.
    const forger = new Client({
      connection: h.client.connection,
      interceptors: {
        workflow: [
          new OpenTelemetryWorkflowClientInterceptor({
            tracer: apiTracing.tracerProvider.getTracer('forger'),
          }),
        ],
      },
    });
    await expect(
      forger.workflow
        .getHandle(workflowIdFor(contract.orderId))
        .executeUpdate(recordPaymentUpdate, { args: [{ amount: 5_000, reference: 'forged' }] }),
    ).rejects.toMatchObject({ cause: { type: UNSIGNED_EVENT } });

    const sent = spans().find(
      (s) =>
        s.name === 'StartWorkflowUpdate:recordPayment' &&
        s.attributes.temporalWorkflowId === workflowIdFor(contract.orderId),
    ) as ReadableSpan;
    const validated = await spanIn(sent.spanContext().traceId, 'ValidateUpdate:recordPayment');
    expect(parentOf(validated)).toBe(sent);
    expect(validated.status).toMatchObject({
      code: SpanStatusCode.ERROR,
      message: expect.stringContaining('marketplace events are accepted only from the escrow API'),
    });
    expect(
      spans()
        .filter((s) => s.spanContext().traceId === sent.spanContext().traceId)
        .map((s) => s.name),
    ).not.toContain('HandleUpdate:recordPayment');
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

/*
 * The OTLP wire format, as far as the test reads it (opentelemetry-proto's trace service and trace
 * messages; the fields left out are skipped when decoding).
 */
const OTLP = protobuf
  .parse(`
  syntax = "proto3";
  message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
  message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
  message Resource { repeated KeyValue attributes = 1; }
  message KeyValue { string key = 1; AnyValue value = 2; }
  message AnyValue { string string_value = 1; }
  message ScopeSpans { repeated Span spans = 2; }
  message Span {
    bytes trace_id = 1;
    bytes span_id = 2;
    bytes parent_span_id = 4;
    string name = 5;
    int32 kind = 6;
  }
`)
  .root.lookupType('ExportTraceServiceRequest');

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
}

/** An OpenTelemetry Collector's OTLP/HTTP receiver: keeps every span it is sent. */
async function startCollector() {
  const exported: ExportedSpan[] = [];
  const contentTypes = new Set<string>();
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      contentTypes.add(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const request = OTLP.toObject(OTLP.decode(Buffer.concat(chunks)), { defaults: true });
      for (const resourceSpans of request.resourceSpans) {
        const service = resourceSpans.resource.attributes.find(
          (a: { key: string }) => a.key === 'service.name',
        )?.value.stringValue;
        for (const { spans: batch } of resourceSpans.scopeSpans)
          for (const s of batch)
            exported.push({
              service,
              traceId: hex(s.traceId),
              spanId: hex(s.spanId),
              parentSpanId: hex(s.parentSpanId),
              name: s.name,
            });
      }
      // An empty ExportTraceServiceResponse: everything accepted.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exported,
    contentTypes,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('tracing from the production processes, over OTLP/HTTP', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let worker: EngineProcess;
  let apiProcess: EngineProcess & { url: string };
  beforeAll(async () => {
    collector = await startCollector();
    const taskQueue = `test-${randomUUID()}`;
    const tracingEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
    [worker, apiProcess] = await Promise.all([
      startWorkerProcess(taskQueue, tracingEnv),
      startApiProcess(taskQueue, tracingEnv),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([worker?.stop(), apiProcess?.stop()]);
    await collector?.stop();
  });

  it('sends the spans of both processes to the collector: one trace from the request to the ledger', async () => {
    const contract = testContract();
    expect((await call(apiProcess.url, 'POST', '/v1/orders', contract)).status).toBe(201);
    const paid = await call(apiProcess.url, 'POST', `/v1/orders/${contract.orderId}/payments`, {
      amount: contract.amount,
      reference: 'wire-1',
    });
    expect(paid.status).toBe(200);

    const named = (name: string) => collector.exported.filter((s) => s.name === name);
    const credit = await eventually(
      async () => named('RunActivity:creditEscrow'),
      (found) => found.length > 0,
      30_000,
    );
    expect(credit).toHaveLength(1);
    const chain: ExportedSpan[] = [];
    for (let s: ExportedSpan | undefined = credit[0]; s; ) {
      chain.push(s);
      const parent: string = s.parentSpanId;
      s = await eventually(
        async () => collector.exported.find((p) => p.spanId === parent),
        (found) => found !== undefined || parent === '',
        10_000,
      );
    }
    expect(chain.map((s) => [s.service, s.name])).toEqual([
      ['escrow-worker', 'RunActivity:creditEscrow'],
      ['escrow-worker', 'StartActivity:creditEscrow'],
      ['escrow-worker', 'HandleUpdate:recordPayment'],
      ['escrow-api', 'StartWorkflowUpdate:recordPayment'],
      ['escrow-api', 'handler - orderEventRoutes'],
      ['escrow-api', 'POST /v1/orders/:orderId/payments'],
    ]);
    expect(new Set(chain.map((s) => s.traceId)).size).toBe(1);
    expect([...collector.contentTypes]).toEqual(['POST /v1/traces application/x-protobuf']);
  });
});
