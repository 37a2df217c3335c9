import { describe, expect, it } from 'vitest';
import { createPool } from '../../db/pool.js';
import { eventually, startApi } from '../support/api-client.js';
import { testContract } from '../support/harness.js';
import { type ProgramUnderTest, withProgram } from '../support/program.js';

let p: ProgramUnderTest;
withProgram((ready) => {
  p = ready;
});

const body = { name: 'Rheinstahl GmbH', country: 'DE', enrolled: true };

interface FeedEvent {
  id: string;
  type: string;
  supplierId?: string;
  orderId?: string;
  sequence: number;
  data: Record<string, unknown> & { supplier: { status: string } };
}

async function supplierEvents(supplierId: string): Promise<FeedEvent[]> {
  const all: FeedEvent[] = [];
  let after = '0';
  for (;;) {
    const page = await p.api.call('GET', `/v1/events?after=${after}&limit=500`, { as: 'reader' });
    all.push(...page.body.events);
    if (page.body.events.length === 0) break;
    after = page.body.cursor;
  }
  return all.filter((e) => e.supplierId === supplierId);
}

describe('supplier records', () => {
  it('creates a supplier with 201, updates it with 200, and reads it back', async () => {
    const id = p.supplierId();
    const created = await p.api.call('PUT', `/v1/suppliers/${id}`, { body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      supplierId: id,
      name: 'Rheinstahl GmbH',
      country: 'DE',
      enrolled: true,
      status: 'provisional',
      statusReasons: ['too_few_orders'],
      memberSince: expect.any(String),
      assessedAt: expect.any(String),
      limits: [{ currency: '*', limit: 500_000, exposure: 0, available: 500_000 }],
      metrics: {
        assessmentWindow: { window: 'P180D', closedOrders: 0, onTimeShipmentRate: null },
        last12Months: { transactions: 0, value: [] },
        responsiveness: { responseRate: null, medianResponseTime: null, measured: 0 },
      },
    });
    const again = await p.api.call('PUT', `/v1/suppliers/${id}`, { body });
    expect(again.status).toBe(200);
    expect(again.body.memberSince).toBe(created.body.memberSince);
    const renamed = await p.api.call('PUT', `/v1/suppliers/${id}`, {
      body: { ...body, name: 'Rheinstahl AG' },
    });
    expect(renamed.status).toBe(200);
    expect((await p.api.call('GET', `/v1/suppliers/${id}`, { as: 'reader' })).body).toMatchObject({
      name: 'Rheinstahl AG',
      status: 'provisional',
    });
  });

  it('keeps a supplier that is not enrolled as not_enrolled, with no coverage, and one that leaves too', async () => {
    const id = p.supplierId();
    const outside = await p.api.call('PUT', `/v1/suppliers/${id}`, { body: { ...body, enrolled: false } });
    expect(outside.status).toBe(201);
    expect(outside.body).toMatchObject({
      enrolled: false,
      status: 'not_enrolled',
      memberSince: null,
      limits: [{ currency: '*', limit: 0, available: 0 }],
    });
    const joined = await p.api.call('PUT', `/v1/suppliers/${id}`, { body });
    expect(joined.body.status).toBe('provisional');
    const left = await p.api.call('PUT', `/v1/suppliers/${id}`, { body: { ...body, enrolled: false } });
    expect(left.body).toMatchObject({ enrolled: false, status: 'not_enrolled', statusReasons: [] });
    expect(left.body.memberSince).toBe(joined.body.memberSince);
  });

  it('tells the feed of every change, with supplierId and no orderId, in sequence per supplier', async () => {
    const id = p.supplierId();
    await p.api.call('PUT', `/v1/suppliers/${id}`, { body });
    await p.api.call('PUT', `/v1/suppliers/${id}`, { body });
    await p.api.call('PUT', `/v1/suppliers/${id}`, { body: { ...body, name: 'Renamed' } });
    await p.api.call('PUT', `/v1/suppliers/${id}`, { body: { ...body, name: 'Renamed', enrolled: false } });
    const events = await supplierEvents(id);
    expect(events.map((e) => [e.sequence, e.type])).toEqual([
      [1, 'supplier.enrolled'],
      [2, 'supplier.status_changed'],
      [3, 'supplier.limit_changed'],
      [4, 'supplier.updated'],
      [5, 'supplier.status_changed'],
      [6, 'supplier.limit_changed'],
    ]);
    expect(events.every((e) => e.orderId === undefined && e.id.startsWith('sev_'))).toBe(true);
    expect(events[1]?.data).toMatchObject({
      from: 'not_enrolled',
      to: 'provisional',
      reasons: ['too_few_orders'],
    });
    expect(events[2]?.data).toMatchObject({ currency: '*', from: 0, to: 500_000 });
    expect(events[4]?.data).toMatchObject({
      from: 'provisional',
      to: 'not_enrolled',
      supplier: { status: 'not_enrolled' },
    });
  });

  it('lists suppliers in pages, by status', async () => {
    const prefix = `page-${Date.now()}`;
    for (let i = 0; i < 5; i++) await p.enrol(prefix);
    await p.api.call('PUT', `/v1/suppliers/${p.supplierId(prefix)}`, { body: { ...body, enrolled: false } });
    const seen: { supplierId: string; status: string }[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const query = `status=provisional&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await p.api.call('GET', `/v1/suppliers?${query}`, { as: 'reader' });
      expect(response.status).toBe(200);
      seen.push(...response.body.suppliers);
      cursor = response.body.nextCursor ?? undefined;
      if (!cursor) break;
    }
    const ids = seen.map((s) => s.supplierId);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(seen.every((s) => s.status === 'provisional')).toBe(true);
    expect(ids.filter((id) => id.startsWith(prefix))).toHaveLength(5);

    const first = await p.api.call('GET', '/v1/suppliers?limit=1');
    const otherFilter = await p.api.call(
      'GET',
      `/v1/suppliers?status=suspended&cursor=${first.body.nextCursor}`,
    );
    expect(otherFilter.status).toBe(400);
    expect(otherFilter.body.errors).toEqual([{ path: 'query.cursor', message: expect.any(String) }]);
    expect((await p.api.call('GET', '/v1/suppliers?status=gold')).status).toBe(400);
    expect((await p.api.call('GET', '/v1/suppliers?limit=101')).status).toBe(400);
  });

  it('refuses bad input, unknown suppliers, other roles and no key, changing nothing', async () => {
    const id = p.supplierId();
    const bad = await p.api.call('PUT', `/v1/suppliers/${id}`, {
      body: { name: '', country: 'Germany', enrolled: 'yes', extra: 1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'country',
      'enrolled',
      'extra',
      'name',
    ]);
    expect(
      (await p.api.call('PUT', `/v1/suppliers/${id}`, { body: { ...body, country: 'XX' } })).status,
    ).toBe(400);
    expect((await p.api.call('PUT', '/v1/suppliers/-bad', { body })).status).toBe(400);
    expect((await p.api.call('PUT', `/v1/suppliers/${id}`, { body, as: 'reader' })).status).toBe(403);
    expect((await p.api.call('PUT', `/v1/suppliers/${id}`, { body, as: 'arbitrator' })).status).toBe(403);
    expect((await p.api.call('PUT', `/v1/suppliers/${id}`, { body, as: null })).status).toBe(401);
    for (const path of [`/v1/suppliers/${id}`, '/v1/suppliers', `/v1/suppliers/${id}/profile`]) {
      expect((await p.api.call('GET', path, { as: null })).status).toBe(401);
      expect((await p.api.call('GET', path, { key: 'esk_not-a-key-of-this-deployment' })).status).toBe(401);
    }
    for (const path of ['/v1/suppliers/-bad', '/v1/suppliers/-bad/profile']) {
      expect((await p.api.call('GET', path)).status).toBe(400);
    }
    const unknown = await p.api.call('GET', `/v1/suppliers/${id}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe('/problems/supplier-not-found');
    expect((await p.api.call('GET', `/v1/suppliers/${id}/profile`)).status).toBe(404);
    expect((await p.api.call('POST', `/v1/suppliers/${id}/assessment`, { body: {} })).status).toBe(404);
    expect(await supplierEvents(id)).toEqual([]);
  });

  it('answers a retried Idempotency-Key with the first answer, and another body under it with 422', async () => {
    const id = p.supplierId();
    const headers = { 'idempotency-key': `put-${id}` };
    const first = await p.api.call('PUT', `/v1/suppliers/${id}`, { body, headers });
    const retry = await p.api.call('PUT', `/v1/suppliers/${id}`, { body: { ...body }, headers });
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.body).toEqual(first.body);
    const reused = await p.api.call('PUT', `/v1/suppliers/${id}`, {
      body: { ...body, enrolled: false },
      headers,
    });
    expect(reused.status).toBe(422);
    expect(reused.body.type).toBe('/problems/idempotency-key-reused');
    expect((await p.api.call('GET', `/v1/suppliers/${id}`)).body.enrolled).toBe(true);
    expect((await supplierEvents(id)).length).toBe(3);
  });
});

describe('without PostgreSQL', () => {
  it('answers 503 on the supplier routes, and creates no order it could not reserve', async () => {
    const id = await p.enrol();
    const pool = createPool('postgres://escrow:escrow@127.0.0.1:1/escrow', 1);
    const down = await startApi(p.h, { pool, program: p.settings, upstreamTimeoutMs: 2000 });
    try {
      const receivedAt = new Date(Date.now() - 60_000).toISOString();
      for (const [method, path, request] of [
        ['PUT', `/v1/suppliers/${id}`, body],
        ['GET', `/v1/suppliers/${id}`, undefined],
        ['GET', '/v1/suppliers', undefined],
        ['POST', `/v1/suppliers/${id}/assessment`, {}],
        ['POST', `/v1/suppliers/${id}/inquiries`, { inquiryId: 'q-1', receivedAt }],
        ['GET', `/v1/suppliers/${id}/profile`, undefined],
      ] as const) {
        const answer = await down.call(method, path, { body: request });
        expect(answer.status, `${method} ${path}`).toBe(503);
        expect(answer.body.type).toBe('/problems/unavailable');
      }
      expect((await down.call('GET', `/v1/suppliers/${id}/badge.svg`, { as: null })).status).toBe(503);
      const contract = testContract({ supplier: { id }, amount: 1000 });
      expect((await down.call('POST', '/v1/orders', { body: contract })).status).toBe(503);
      expect((await p.api.call('GET', `/v1/orders/${contract.orderId}`)).status).toBe(404);
    } finally {
      await down.close();
      await pool.end();
    }
  });
});

describe('inquiries', () => {
  it('records an inquiry with 201, adds its answer with 200, and counts it in responsiveness', async () => {
    const id = await p.enrol();
    const receivedAt = new Date(Date.now() - 3 * 3600_000).toISOString();
    const path = `/v1/suppliers/${id}/inquiries`;
    const created = await p.api.call('POST', path, { body: { inquiryId: 'inq-1', receivedAt } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      supplierId: id,
      inquiryId: 'inq-1',
      receivedAt,
      windowEndsAt: new Date(Date.parse(receivedAt) + 2 * 86_400_000).toISOString(),
    });
    const respondedAt = new Date(Date.parse(receivedAt) + 90 * 60_000).toISOString();
    const answered = await p.api.call('POST', path, {
      body: { inquiryId: 'inq-1', receivedAt, respondedAt },
    });
    expect(answered.status).toBe(200);
    expect(answered.body.respondedAt).toBe(respondedAt);
    expect(
      (await p.api.call('POST', path, { body: { inquiryId: 'inq-1', receivedAt } })).body.respondedAt,
    ).toBe(respondedAt);
    const profile = await p.api.call('GET', `/v1/suppliers/${id}/profile`, { as: 'reader' });
    expect(profile.body.responsiveness).toEqual({
      responseRate: 1,
      medianResponseTime: 'PT1H30M',
      measured: 1,
    });
  });

  it('refuses an answer before the inquiry, a changed inquiry, the future, and unknown suppliers', async () => {
    const id = await p.enrol();
    const receivedAt = new Date(Date.now() - 3600_000).toISOString();
    const path = `/v1/suppliers/${id}/inquiries`;
    const before = await p.api.call('POST', path, {
      body: {
        inquiryId: 'inq-2',
        receivedAt,
        respondedAt: new Date(Date.parse(receivedAt) - 1000).toISOString(),
      },
    });
    expect(before.status).toBe(422);
    expect(before.body.type).toBe('/problems/record-contradiction');
    await p.api.call('POST', path, { body: { inquiryId: 'inq-2', receivedAt } });
    const moved = await p.api.call('POST', path, {
      body: { inquiryId: 'inq-2', receivedAt: new Date(Date.parse(receivedAt) - 60_000).toISOString() },
    });
    expect(moved.status).toBe(422);
    const future = await p.api.call('POST', path, {
      body: { inquiryId: 'inq-3', receivedAt: new Date(Date.now() + 3600_000).toISOString() },
    });
    expect(future.status).toBe(422);
    const unknown = await p.api.call('POST', `/v1/suppliers/${p.supplierId()}/inquiries`, {
      body: { inquiryId: 'inq-1', receivedAt },
    });
    expect(unknown.status).toBe(404);
    expect((await p.api.call('POST', path, { body: { inquiryId: 'inq 4', receivedAt } })).status).toBe(400);
    expect(
      (await p.api.call('POST', path, { body: { inquiryId: 'inq-5', receivedAt }, as: 'reader' })).status,
    ).toBe(403);
    const profile = await p.api.call('GET', `/v1/suppliers/${id}/profile`);
    expect(profile.body.responsiveness.measured).toBe(0);
  });
});

describe('assessment on demand', () => {
  it('assesses the supplier now and answers with its record; 409 for one not enrolled', async () => {
    const id = await p.enrol();
    const first = (await p.api.call('GET', `/v1/suppliers/${id}`)).body.assessedAt;
    const assessed = await eventually(
      () => p.api.call('POST', `/v1/suppliers/${id}/assessment`, { body: {} }),
      (r) => r.body.assessedAt !== first,
    );
    expect(assessed.status).toBe(200);
    expect(assessed.body).toMatchObject({
      supplierId: id,
      status: 'provisional',
      statusReasons: ['too_few_orders'],
    });
    expect((await p.api.call('POST', `/v1/suppliers/${id}/assessment`, { body: { now: true } })).status).toBe(
      400,
    );
    expect(
      (await p.api.call('POST', `/v1/suppliers/${id}/assessment`, { body: {}, as: 'reader' })).status,
    ).toBe(403);
    await p.api.call('PUT', `/v1/suppliers/${id}`, { body: { ...body, enrolled: false } });
    const outside = await p.api.call('POST', `/v1/suppliers/${id}/assessment`, { body: {} });
    expect(outside.status).toBe(409);
    expect(outside.body).toMatchObject({
      type: '/problems/supplier-not-enrolled',
      currentStatus: 'not_enrolled',
    });
  });
});
