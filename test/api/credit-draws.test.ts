import { mkdir, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { creditLineWorkflowId } from '../../workflows/credit-line/model/messages.js';
import { workflowIdFor } from '../../workflows/model/messages.js';
import { type ApiUnderTest, eventually, orderReads, withApi } from '../support/api-client.js';
import { lineOverHttp } from '../support/credit-lines.js';
import { type Harness, testContract } from '../support/harness.js';
import { historyToJSON } from '../support/histories.js';

let api: ApiUnderTest;
let h: Harness;
withApi((ready) => {
  ({ api, h } = ready);
});
const { snapshot, ledgerEntries } = orderReads(() => api);

const line = async (lineId: string) =>
  (await api.call('GET', `/v1/credit-lines/${lineId}`, { as: 'reader' })).body;

const newLine = (options?: Parameters<typeof lineOverHttp>[1]) => lineOverHttp(api, options);

async function orderOf(buyerId: string, overrides: Parameters<typeof testContract>[0] = {}) {
  const contract = testContract({ buyer: { id: buyerId }, currency: 'AUD', amount: 1_250_000, ...overrides });
  expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
  return contract;
}

/** The line's first event of that type in the feed, read page by page. */
async function lineEvent(lineId: string, type: string) {
  let after = '0';
  for (;;) {
    const page = await api.call('GET', `/v1/events?after=${after}&limit=100`, { as: 'reader' });
    const found = page.body.events.find(
      (e: { type: string; lineId?: string }) => e.type === type && e.lineId === lineId,
    );
    if (found || page.body.events.length === 0) return found;
    after = page.body.cursor;
  }
}

const draw = (orderId: string, lineId: string, amount: number, reference = 'draw-1') =>
  api.call('POST', `/v1/orders/${orderId}/payments`, {
    body: { amount, reference, method: 'credit_line', creditLineId: lineId },
  });

describe('drawing on a credit line to pay into escrow, over HTTP', () => {
  it('funds the escrow from the lender once: the line’s principal is the draw, due after its term, credit_line.drawn in the feed', async () => {
    const application = await newLine();
    const contract = await orderOf(application.buyer.id);
    const paid = await draw(contract.orderId, application.lineId, 1_250_000);
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: 'awaiting_shipment', funded: 1_250_000 });
    expect(paid.body.payments).toEqual([
      expect.objectContaining({
        reference: 'draw-1',
        method: 'credit_line',
        creditLineId: application.lineId,
        amount: 1_250_000,
      }),
    ]);
    expect(paid.body.payments[0]).not.toHaveProperty('lineSteps');
    const [funding, ...rest] = await ledgerEntries(contract.orderId);
    expect(rest).toEqual([]);
    expect(funding).toMatchObject({
      kind: 'funding',
      amount: 1_250_000,
      idempotencyKey: `${contract.orderId}:payment:draw-1`,
      legs: [
        { accountId: `lender:${application.lineId}`, amount: -1_250_000 },
        { accountId: `escrow:${contract.orderId}`, amount: 1_250_000 },
      ],
    });
    const drawn = await line(application.lineId);
    expect(drawn).toMatchObject({ principal: 1_250_000, reserved: 0, available: 8_750_000 });
    const [d] = drawn.draws;
    expect(d).toMatchObject({
      drawId: `${contract.orderId}:draw-1`,
      status: 'outstanding',
      amount: 1_250_000,
    });
    // The line's repayment term is P60D.
    expect(Date.parse(d.dueAt) - Date.parse(d.drawnAt)).toBe(60 * 86_400_000);

    // The same payment again is the same payment: nothing drawn twice.
    const again = await draw(contract.orderId, application.lineId, 1_250_000);
    expect(again.status).toBe(200);
    expect(again.body.payments).toHaveLength(1);
    expect(await line(application.lineId)).toMatchObject({ principal: 1_250_000, available: 8_750_000 });
    expect(await ledgerEntries(contract.orderId)).toHaveLength(1);

    const event = await eventually(
      () => lineEvent(application.lineId, 'credit_line.drawn'),
      (e) => e !== undefined,
      30_000,
    );
    expect(event.data.detail).toMatchObject({ orderId: contract.orderId, amount: 1_250_000 });

    // No rail stands behind a draw: a reversal of it is refused, and the escrow and line keep it.
    const reversal = await api.call('POST', `/v1/orders/${contract.orderId}/payments/draw-1/reversal`, {
      body: { amount: 1_000, reason: 'chargeback' },
    });
    expect(reversal.status).toBe(422);
    expect(reversal.body.detail).toMatch(/payment draw-1 is a draw on the buyer's credit line/);
    expect(await ledgerEntries(contract.orderId)).toHaveLength(1);
    expect(await line(application.lineId)).toMatchObject({ principal: 1_250_000 });
  });

  it('refuses a draw the line cannot fund with 422 credit-unavailable { available, lineStatus }, and neither changes', async () => {
    const application = await newLine();
    const other = await newLine();
    const pending = await newLine({ verified: false });
    const cases: [
      string,
      () => Promise<{ orderId: string; lineId: string; amount: number }>,
      string,
      object,
    ][] = [
      [
        'another buyer’s line',
        async () => ({
          orderId: (await orderOf(application.buyer.id)).orderId,
          lineId: other.lineId,
          amount: 1_000,
        }),
        `credit line ${other.lineId} is buyer ${other.buyer.id}'s, not this order's buyer ${application.buyer.id}`,
        { available: 10_000_000, lineStatus: 'active' },
      ],
      [
        'another currency',
        async () => ({
          orderId: (await orderOf(application.buyer.id, { currency: 'USD' })).orderId,
          lineId: application.lineId,
          amount: 1_000,
        }),
        `credit line ${application.lineId} lends in AUD, the order is in USD`,
        { available: 10_000_000, lineStatus: 'active' },
      ],
      [
        'more than available',
        async () => ({
          orderId: (await orderOf(application.buyer.id, { amount: 20_000_000, deposit: 1_000_000 })).orderId,
          lineId: application.lineId,
          amount: 10_000_001,
        }),
        `credit line ${application.lineId} has 10000000 available, less than 10000001`,
        { available: 10_000_000, lineStatus: 'active' },
      ],
      [
        'a line not active',
        async () => ({
          orderId: (await orderOf(pending.buyer.id)).orderId,
          lineId: pending.lineId,
          amount: 1_000,
        }),
        `credit line ${pending.lineId} is verification: it lends only while active`,
        { available: 0, lineStatus: 'verification' },
      ],
    ];
    for (const [name, setUp, detail, figures] of cases) {
      const { orderId, lineId, amount } = await setUp();
      const before = await line(lineId);
      const refused = await draw(orderId, lineId, amount);
      expect(refused.status, name).toBe(422);
      expect(refused.body, name).toMatchObject({ type: '/problems/credit-unavailable', detail, ...figures });
      expect(await snapshot(orderId), name).toMatchObject({
        funded: 0,
        payments: [],
        status: 'awaiting_funding',
      });
      expect(await ledgerEntries(orderId), name).toEqual([]);
      const after = await line(lineId);
      expect(after.draws, name).toEqual(before.draws);
      expect([after.principal, after.reserved, after.available], name).toEqual([
        before.principal,
        before.reserved,
        before.available,
      ]);
    }
    const unknown = await draw((await orderOf(application.buyer.id)).orderId, 'no-such-line', 1_000);
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe('/problems/credit-line-not-found');
    expect((await h.ledger.lineEntries(application.lineId)).map((t) => t.kind)).toEqual(['credit_open']);
  });

  it('lets the line decide between two draws that both passed the API’s check: one funds, the other is refused and changes nothing', async () => {
    const application = await newLine();
    const [a, b] = [
      await orderOf(application.buyer.id, { amount: 6_000_000 }),
      await orderOf(application.buyer.id, { amount: 6_000_000 }),
    ];
    const answers = await Promise.all([
      draw(a.orderId, application.lineId, 6_000_000),
      draw(b.orderId, application.lineId, 6_000_000),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 422]);
    const refused = answers.find((r) => r.status === 422);
    expect(refused?.body).toMatchObject({
      type: '/problems/credit-unavailable',
      available: 4_000_000,
      lineStatus: 'active',
    });
    const loser = answers[0]?.status === 422 ? a : b;
    expect(await snapshot(loser.orderId)).toMatchObject({
      funded: 0,
      payments: [],
      status: 'awaiting_funding',
    });
    expect(await ledgerEntries(loser.orderId)).toEqual([]);
    const after = await line(application.lineId);
    expect(after).toMatchObject({ principal: 6_000_000, reserved: 0, available: 4_000_000 });
    expect(after.draws).toHaveLength(1);
  });

  it('freezes a line whose draw is unpaid at its due date, refuses new draws while frozen, and unfreezes once repaid', async () => {
    const application = await newLine({ terms: { repaymentTerm: 'PT3S', statementPeriod: 'P30D' } });
    const first = await orderOf(application.buyer.id);
    expect((await draw(first.orderId, application.lineId, 1_000_000)).status).toBe(200);
    const frozen = await eventually(
      () => line(application.lineId),
      (l) => l.status === 'frozen',
      30_000,
    );
    expect(frozen.draws[0]).toMatchObject({ drawId: `${first.orderId}:draw-1`, overdue: true });
    const overdue = await eventually(
      () => lineEvent(application.lineId, 'credit_line.overdue'),
      (e) => e !== undefined,
      30_000,
    );
    expect(overdue.data.detail).toMatchObject({ drawId: `${first.orderId}:draw-1`, outstanding: 1_000_000 });
    expect(await lineEvent(application.lineId, 'credit_line.frozen')).toBeDefined();

    const second = await orderOf(application.buyer.id);
    const refused = await draw(second.orderId, application.lineId, 1_000);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ type: '/problems/credit-unavailable', lineStatus: 'frozen' });
    expect(await snapshot(second.orderId)).toMatchObject({ funded: 0, payments: [] });

    const repaid = await api.call('POST', `/v1/credit-lines/${application.lineId}/repayments`, {
      body: { amount: 1_000_000, reference: 'repay-1' },
    });
    expect(repaid.status).toBe(200);
    expect(repaid.body).toMatchObject({ status: 'active', principal: 0, available: 10_000_000 });
    expect(
      await eventually(
        () => lineEvent(application.lineId, 'credit_line.unfrozen'),
        (e) => e !== undefined,
        30_000,
      ),
    ).toBeDefined();
    expect((await draw(second.orderId, application.lineId, 1_000)).status).toBe(200);
  });

  it('refunds a financed order to the line first: the draw’s principal back to lender:<lineId>, the rest to the buyer, credit_line.repaid', async () => {
    const application = await newLine();
    const contract = await orderOf(application.buyer.id);
    expect((await draw(contract.orderId, application.lineId, 1_000_000)).status).toBe(200);
    const wire = await api.call('POST', `/v1/orders/${contract.orderId}/payments`, {
      body: { amount: 250_000, reference: 'wire-1' },
    });
    expect(wire.status).toBe(200);
    expect(wire.body.status).toBe('awaiting_shipment');
    // The buyer repaid part of the draw itself: the line is owed 600,000 of it.
    const repaid = await api.call('POST', `/v1/credit-lines/${application.lineId}/repayments`, {
      body: { amount: 400_000, reference: 'repay-1' },
    });
    expect(repaid.status).toBe(200);

    const cancelled = await api.call('POST', `/v1/orders/${contract.orderId}/cancel`, {
      body: { party: 'supplier', reason: 'out of stock' },
    });
    expect(cancelled.status).toBe(200);
    const closed = await eventually(
      () => snapshot(contract.orderId),
      (o) => o.status === 'closed',
      30_000,
    );
    expect(closed).toMatchObject({ outcome: 'refunded', reason: 'supplier_cancelled', escrowBalance: 0 });
    expect(closed.payouts.map((p: { kind: string; amount: number }) => [p.kind, p.amount])).toEqual([
      ['line_refund', 600_000],
      ['refund', 650_000],
    ]);
    const entries = await ledgerEntries(contract.orderId);
    expect(
      entries.map((e: { kind: string; idempotencyKey: string; legs: unknown }) => [
        e.kind,
        e.idempotencyKey,
        e.legs,
      ]),
    ).toEqual([
      [
        'funding',
        `${contract.orderId}:payment:draw-1`,
        [
          { accountId: `lender:${application.lineId}`, amount: -1_000_000 },
          { accountId: `escrow:${contract.orderId}`, amount: 1_000_000 },
        ],
      ],
      [
        'funding',
        `${contract.orderId}:payment:wire-1`,
        [
          { accountId: `buyer:${application.buyer.id}:AUD`, amount: -250_000 },
          { accountId: `escrow:${contract.orderId}`, amount: 250_000 },
        ],
      ],
      [
        'refund',
        `${contract.orderId}:refund:line:draw-1`,
        [
          { accountId: `escrow:${contract.orderId}`, amount: -600_000 },
          { accountId: `lender:${application.lineId}`, amount: 600_000 },
        ],
      ],
      [
        'refund',
        `${contract.orderId}:refund`,
        [
          { accountId: `escrow:${contract.orderId}`, amount: -650_000 },
          { accountId: `buyer:${application.buyer.id}:AUD`, amount: 650_000 },
        ],
      ],
    ]);
    // The line learnt of it: the draw is repaid, its principal is nothing, the whole limit available again.
    const after = await eventually(
      () => line(application.lineId),
      (l) => l.principal === 0,
      30_000,
    );
    expect(after).toMatchObject({ principal: 0, reserved: 0, available: 10_000_000 });
    expect(
      after.draws.find((d: { drawId: string }) => d.drawId === `${contract.orderId}:draw-1`),
    ).toMatchObject({
      status: 'repaid',
      repaid: 1_000_000,
    });
    const lender = await h.pool.query('SELECT balance FROM ledger_accounts WHERE id = $1', [
      `lender:${application.lineId}`,
    ]);
    expect(Number(lender.rows[0].balance)).toBe(10_000_000);
    const event = await eventually(
      async () => {
        let after = '0';
        for (;;) {
          const page = await api.call('GET', `/v1/events?after=${after}&limit=100`, { as: 'reader' });
          const found = page.body.events.find(
            (e: { type: string; lineId?: string; data: { detail?: { source?: string } } }) =>
              e.type === 'credit_line.repaid' &&
              e.lineId === application.lineId &&
              e.data.detail?.source === 'refund',
          );
          if (found || page.body.events.length === 0) return found;
          after = page.body.cursor;
        }
      },
      (e) => e !== undefined,
      30_000,
    );
    expect(event.data.detail).toMatchObject({
      drawId: `${contract.orderId}:draw-1`,
      orderId: contract.orderId,
      amount: 600_000,
    });
  });
});

/*
 * `npm run test:record-histories` records a financed order released and one refunded, and the line
 * they drew on, for the replay test (test/workflow/replay.test.ts replays every fixture).
 */
describe.runIf(process.env.RECORD_HISTORIES === '1')(
  'recording financed histories (RECORD_HISTORIES=1)',
  () => {
    it('records a financed order released, one refunded, and their line', async () => {
      const application = await newLine();
      const released = await orderOf(application.buyer.id);
      expect((await draw(released.orderId, application.lineId, 1_250_000)).status).toBe(200);
      const event = (orderId: string, path: string, body: unknown) =>
        api.call('POST', `/v1/orders/${orderId}/${path}`, { body });
      expect(
        (await event(released.orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSKU1234565' }))
          .status,
      ).toBe(200);
      expect((await event(released.orderId, 'delivery', {})).status).toBe(200);
      expect((await event(released.orderId, 'acceptance', {})).status).toBe(200);
      const refunded = await orderOf(application.buyer.id);
      expect((await draw(refunded.orderId, application.lineId, 1_000_000)).status).toBe(200);
      expect(
        (await event(refunded.orderId, 'payments', { amount: 250_000, reference: 'wire-1' })).status,
      ).toBe(200);
      expect(
        (await event(refunded.orderId, 'cancel', { party: 'supplier', reason: 'out of stock' })).status,
      ).toBe(200);
      for (const { orderId } of [released, refunded]) {
        await eventually(
          () => snapshot(orderId),
          (o) => o.status === 'closed',
          30_000,
        );
      }
      await eventually(
        () => line(application.lineId),
        (l) => l.principal === 1_250_000 && l.timeline.some((e: { event: string }) => e.event === 'refunded'),
        30_000,
      );
      const fixtures = new URL('../fixtures/histories/', import.meta.url);
      await mkdir(new URL('financed/', fixtures), { recursive: true });
      const save = async (file: string, workflowId: string) =>
        writeFile(
          new URL(file, fixtures),
          `${historyToJSON(await h.client.workflow.getHandle(workflowId).fetchHistory())}\n`,
        );
      await save('financed/released-buyer_accepted.json', workflowIdFor(released.orderId));
      await save('financed/refunded-supplier_cancelled.json', workflowIdFor(refunded.orderId));
      await save('credit-line/financed-draws-refunded.json', creditLineWorkflowId(application.lineId));
    });
  },
);
