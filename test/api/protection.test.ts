import { Client, ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { eventually, startApi } from '../support/api-client.js';
import { at, testContract } from '../support/harness.js';
import { type ProgramUnderTest, withProgram } from '../support/program.js';

let p: ProgramUnderTest;
withProgram((ready) => {
  p = ready;
});

const contractFor = (
  supplierId: string,
  amount: number,
  overrides: Parameters<typeof testContract>[0] = {},
) => testContract({ supplier: { id: supplierId, name: 'Mill of Tests' }, amount, ...overrides });

/** The record's USD coverage: its own line, or that of every other currency (`*`) once it has no exposure. */
const usd = async (supplierId: string) => {
  const { limits } = (await p.api.call('GET', `/v1/suppliers/${supplierId}`)).body as {
    limits: { currency: string; exposure: number }[];
  };
  return limits.find((l) => l.currency === 'USD') ?? limits.find((l) => l.currency === '*');
};

/** Funds, ships, delivers and accepts: the order closes released. */
async function release(orderId: string, amount: number) {
  const path = `/v1/orders/${orderId}`;
  for (const [route, body] of [
    ['payments', { amount, reference: 'wire-1' }],
    ['shipment', { carrier: 'Maersk', trackingNumber: 'MSKU1234565' }],
    ['delivery', {}],
    ['acceptance', {}],
  ] as const) {
    const answer = await p.api.call('POST', `${path}/${route}`, { body });
    expect(answer.status, `${route}: ${JSON.stringify(answer.body)}`).toBe(200);
  }
  return eventually(
    () => p.api.call('GET', path),
    (r) => r.body.status === 'closed',
    30_000,
  );
}

describe('protection at order creation', () => {
  it('refuses an order of a supplier the program does not know or has not enrolled, starting and reserving nothing', async () => {
    const outside = p.supplierId();
    await p.api.call('PUT', `/v1/suppliers/${outside}`, {
      body: { name: 'Mill of Tests', country: 'DE', enrolled: false },
    });
    for (const supplierId of [p.supplierId(), outside]) {
      const contract = contractFor(supplierId, 100_000);
      const refused = await p.api.call('POST', '/v1/orders', { body: contract });
      expect(refused.status).toBe(422);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body).toMatchObject({
        type: '/problems/not-protected',
        supplierStatus: 'not_enrolled',
        currency: 'USD',
        limit: 0,
        exposure: 0,
        available: 0,
      });
      expect((await p.api.call('GET', `/v1/orders/${contract.orderId}`)).status).toBe(404);
    }
  });

  it('reserves the amount at creation, refuses what no longer fits, and gives it back when the order closes', async () => {
    const supplierId = await p.enrol();
    const first = contractFor(supplierId, 300_000);
    expect((await p.api.call('POST', '/v1/orders', { body: first })).status).toBe(201);
    expect(await usd(supplierId)).toEqual({
      currency: 'USD',
      limit: 500_000,
      exposure: 300_000,
      available: 200_000,
    });

    const tooMuch = await p.api.call('POST', '/v1/orders', { body: contractFor(supplierId, 200_001) });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body).toMatchObject({
      type: '/problems/not-protected',
      supplierStatus: 'provisional',
      currency: 'USD',
      limit: 500_000,
      exposure: 300_000,
      available: 200_000,
    });
    // Another currency has its own coverage.
    expect(
      (
        await p.api.call('POST', '/v1/orders', {
          body: contractFor(supplierId, 400_000, { currency: 'EUR' }),
        })
      ).status,
    ).toBe(201);

    // The identical create answers the order and reserves nothing more.
    const again = await p.api.call('POST', '/v1/orders', { body: first });
    expect(again.status).toBe(200);
    expect((await usd(supplierId))?.exposure).toBe(300_000);

    const closed = await release(first.orderId, 300_000);
    expect(closed.body.outcome).toBe('released');
    await eventually(
      () => usd(supplierId),
      (line) => line?.exposure === 0,
    );
    expect(await usd(supplierId)).toMatchObject({ exposure: 0, available: 500_000 });
    // A closed order's identical create still answers it, and takes no coverage.
    expect((await p.api.call('POST', '/v1/orders', { body: first })).status).toBe(200);
    expect((await usd(supplierId))?.exposure).toBe(0);
  });

  it('lets only as many of 20 simultaneous creates pass as the headroom holds', async () => {
    const supplierId = await p.enrol();
    const contracts = Array.from({ length: 20 }, () => contractFor(supplierId, 120_000));
    const answers = await Promise.all(contracts.map((body) => p.api.call('POST', '/v1/orders', { body })));
    const statuses = answers.map((a) => a.status);
    // 500,000 holds four orders of 120,000.
    expect(statuses.filter((s) => s === 201)).toHaveLength(4);
    expect(statuses.filter((s) => s === 422)).toHaveLength(16);
    const refusals = answers.filter((a) => a.status === 422).map((a) => a.body);
    expect(refusals.every((r) => r.type === '/problems/not-protected' && r.available < 120_000)).toBe(true);
    expect(await usd(supplierId)).toMatchObject({ exposure: 480_000, available: 20_000 });
  });

  it('gives the reservation back when the workflow could not be started', async () => {
    const supplierId = await p.enrol();
    const contract = contractFor(supplierId, 250_000);
    const down = await startApi(p.h, {
      program: p.settings,
      temporal: new Client({
        connection: p.h.client.connection,
        interceptors: {
          workflow: [
            {
              async start() {
                throw new ServiceError('Temporal refused the start');
              },
            },
          ],
        },
      }),
    });
    try {
      const failed = await down.call('POST', '/v1/orders', { body: contract });
      expect(failed.status).toBe(503);
    } finally {
      await down.close();
    }
    expect((await usd(supplierId))?.exposure).toBe(0);
    expect((await p.api.call('GET', `/v1/orders/${contract.orderId}`)).status).toBe(404);
    // The marketplace's retry creates it, and it reserves then.
    expect((await p.api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    expect((await usd(supplierId))?.exposure).toBe(250_000);
  });

  it('keeps open orders protected when their supplier is suspended or leaves; refuses new ones', async () => {
    const supplierId = await p.enrol();
    // An order the supplier never ships: refunded late_shipment a few seconds from now.
    const late = contractFor(supplierId, 100_000, { fundBy: at(3000), shipBy: at(6000) });
    expect((await p.api.call('POST', '/v1/orders', { body: late })).status).toBe(201);
    const open = contractFor(supplierId, 200_000);
    expect((await p.api.call('POST', '/v1/orders', { body: open })).status).toBe(201);
    expect(
      (
        await p.api.call('POST', `/v1/orders/${late.orderId}/payments`, {
          body: { amount: 100_000, reference: 'w' },
        })
      ).status,
    ).toBe(200);
    const refunded = await eventually(
      () => p.api.call('GET', `/v1/orders/${late.orderId}`),
      (r) => r.body.status === 'closed',
      30_000,
    );
    expect(refunded.body.reason).toBe('late_shipment');

    const assessed = await p.api.call('POST', `/v1/suppliers/${supplierId}/assessment`, { body: {} });
    expect(assessed.status).toBe(200);
    expect(assessed.body).toMatchObject({
      status: 'suspended',
      statusReasons: ['on_time_shipment', 'refund_ratio', 'too_few_orders'],
      metrics: { assessmentWindow: { closedOrders: 1, onTimeShipmentRate: 0, refundRatio: 1 } },
    });
    expect(await usd(supplierId)).toEqual({ currency: 'USD', limit: 0, exposure: 200_000, available: 0 });
    const refused = await p.api.call('POST', '/v1/orders', { body: contractFor(supplierId, 1) });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      supplierStatus: 'suspended',
      limit: 0,
      exposure: 200_000,
      available: 0,
    });

    // The open order goes on to its release as if nothing happened, and gives its exposure back.
    await p.api.call('PUT', `/v1/suppliers/${supplierId}`, {
      body: { name: 'Mill of Tests', country: 'DE', enrolled: false },
    });
    expect((await release(open.orderId, 200_000)).body.outcome).toBe('released');
    await eventually(
      () => usd(supplierId),
      (line) => line?.exposure === 0,
    );
    expect(
      (await p.api.call('POST', '/v1/orders', { body: contractFor(supplierId, 1) })).body.supplierStatus,
    ).toBe('not_enrolled');
  });

  it("shows the supplier's program standing at creation in the arbitrator's case file", async () => {
    const supplierId = await p.enrol();
    const contract = contractFor(supplierId, 100_000);
    expect((await p.api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
    const handle = p.h.client.workflow.getHandle(`order-${contract.orderId}`);
    const details = await eventually(
      async () =>
        (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails ??
        '',
      (text) => text.includes('Supplier program'),
    );
    expect(details).toContain('**Supplier program** at order creation');
    expect(details).toContain('provisional (new to the program); 0 transactions in the last 12 months');
  });
});
