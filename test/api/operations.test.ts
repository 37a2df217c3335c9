import { describe, expect, it } from 'vitest';
import { CREDIT_LINE_EVENT_TYPES } from '../../workflows/credit-line/model/events.js';
import { ORDER_EVENT_TYPES } from '../../workflows/model/events.js';
import { SUPPLIER_EVENT_TYPES } from '../../workflows/model/program.js';
import { type ApiUnderTest, eventually, withApi } from '../support/api-client.js';
import { testContract } from '../support/harness.js';

let api: ApiUnderTest;
withApi((ready) => {
  ({ api } = ready);
});

describe('operations routes, without an API key', () => {
  it('answers liveness and readiness', async () => {
    expect(await api.call('GET', '/healthz', { as: null })).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    expect(await api.call('GET', '/readyz', { as: null })).toMatchObject({
      status: 200,
      body: { status: 'ready', checks: { temporal: 'ok', postgres: 'ok' } },
    });
  });

  it('exports request metrics per route, method and status, and orders per status', async () => {
    const contract = testContract();
    await api.call('POST', '/v1/orders', { body: contract });
    await api.call('GET', `/v1/orders/${contract.orderId}`);
    await api.call('GET', '/v1/orders/no-such-order');
    await api.call('GET', '/not/a/route');

    const scrape = await eventually(
      async () => {
        const response = await fetch(`${api.metricsUrl}/metrics`);
        return { status: response.status, headers: response.headers, body: await response.text() };
      },
      (r) => /escrow_orders\{status="awaiting_funding"\} [1-9]/.test(r.body),
    );
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain/);
    const lines = scrape.body.split('\n');
    expect(lines).toContain('http_requests_total{method="POST",route="/v1/orders",status="201"} 1');
    expect(lines).toContain('http_requests_total{method="GET",route="/v1/orders/:orderId",status="200"} 1');
    expect(lines).toContain('http_requests_total{method="GET",route="/v1/orders/:orderId",status="404"} 1');
    expect(lines).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^http_request_duration_seconds_count\{method="POST",route="\/v1\/orders",status="201"\} 1$/,
      ),
    );
    // Counts cover the namespace, which other test files share.
    expect(lines).toContainEqual(expect.stringMatching(/^escrow_orders\{status="closed"\} \d+$/));
  });

  it('serves OpenAPI 3.1 generated from the schemas, and Swagger UI under a policy that lets it run', async () => {
    const spec = await api.call('GET', '/docs/json', { as: null });
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toBe('3.1.0');
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/orders',
        '/v1/orders/{orderId}',
        '/v1/orders/{orderId}/payments',
        '/v1/orders/{orderId}/arbitration',
        '/v1/orders/{orderId}/ledger',
        '/healthz',
        '/readyz',
      ]),
    );
    // The metrics have a port of their own: not a route of the public API.
    expect(Object.keys(spec.body.paths)).not.toContain('/metrics');
    // What the engine POSTs: one webhook per event type, and the arbitration notice, each with the
    // Standard Webhooks headers and its body's schema.
    expect(Object.keys(spec.body.webhooks)).toEqual([
      ...ORDER_EVENT_TYPES,
      ...SUPPLIER_EVENT_TYPES,
      ...CREDIT_LINE_EVENT_TYPES,
      'arbitration_overdue',
    ]);
    const shipped = spec.body.webhooks['order.shipped'].post;
    expect(
      shipped.parameters.map(
        (p: { $ref: string }) => spec.body.components.parameters[p.$ref.split('/').pop() as string].name,
      ),
    ).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'escrow-signature']);
    expect(shipped.requestBody.content['application/json'].schema.allOf).toEqual([
      { $ref: '#/components/schemas/WebhookEvent' },
      { type: 'object', properties: { type: { const: 'order.shipped' } }, required: ['type'] },
    ]);
    expect(spec.body.components.schemas.WebhookEvent.properties).not.toHaveProperty('cursor');
    const create = spec.body.paths['/v1/orders'].post;
    expect(create.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['orderId', 'buyer', 'supplier', 'currency', 'amount', 'shipBy', 'quantity']),
    );
    expect(Object.keys(create.responses)).toEqual(
      expect.arrayContaining(['200', '201', '400', '401', '403', '409', '422', '503']),
    );
    expect(create.responses['409'].content['application/problem+json'].schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
    expect(spec.body.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(spec.body.paths['/healthz'].get.security).toEqual([]);
    // What a client generator names its methods after, and where it sends them.
    const operations = Object.values(spec.body.paths).flatMap((path) => Object.values(path as object));
    const ids = operations.map((o: { operationId?: string }) => o.operationId);
    expect(ids).not.toContain(undefined);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['createOrder', 'getOrder', 'recordPayment', 'arbitrate']));
    expect(spec.body.servers).toEqual([expect.objectContaining({ url: '/' })]);

    const page = await api.call<string>('GET', '/docs/', { as: null });
    expect(page.status).toBe(200);
    expect(page.body).toContain('swagger-ui-bundle.js');
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('upgrade-insecure-requests');
  });

  it('sends security headers and answers unknown routes with a problem', async () => {
    const response = await api.call('GET', '/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({
      type: '/problems/not-found',
      status: 404,
      instance: '/v1/nothing-here',
    });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });
});
