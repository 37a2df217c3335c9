import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ApiUnderTest, orderReads, withApi } from '../support/api-client.js';
import { at, testContract } from '../support/harness.js';

let api: ApiUnderTest;
withApi((ready) => {
  ({ api } = ready);
});
const reads = orderReads(() => api);

const check = (body: unknown) => api.call('POST', '/v1/contracts/check', { body });
const create = (contract: unknown) => api.call('POST', '/v1/orders', { body: contract });
/** A problem as the check lists it: the create's answer without what names the request. */
const document = ({ instance: _, requestId: __, ...rest }: Record<string, unknown>) => rest;

async function enrolledSupplier() {
  const id = `check-${randomUUID()}`;
  const put = await api.call('PUT', `/v1/suppliers/${id}`, {
    body: { name: 'Mill of Checks', country: 'DE', enrolled: true },
  });
  expect(put.status).toBe(201);
  return id;
}

describe('POST /v1/contracts/check: the problems of the create', () => {
  it('lists exactly the 400 the create answers for a contract that breaks the schema', async () => {
    const contract = { ...testContract(), amount: -5, colour: 'red', buyer: { id: '' } };
    const created = await create(contract);
    expect(created.status).toBe(400);
    const checked = await check({ contract });
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({ valid: false, warnings: [], simulations: [] });
    expect(checked.body.problems).toEqual([document(created.body)]);
  });

  it('lists exactly the 422 the create answers for a contract that contradicts itself', async () => {
    const contract = testContract({ fundBy: at(60_000), shipBy: at(30_000), deposit: 2_000_000 });
    const created = await create(contract);
    expect(created.status).toBe(422);
    const { body } = await check({ contract });
    expect(body.valid).toBe(false);
    expect(body.problems).toEqual([document(created.body)]);
    expect(body.problems[0].errors.map((e: { path: string }) => e.path)).toEqual(['deposit', 'shipBy']);
  });

  it('lists the not-protected refusal of an unknown supplier, as the create gives it', async () => {
    const contract = testContract({ supplier: { id: `outsider-${randomUUID()}` } });
    const { body } = await check({ contract });
    const created = await create(contract);
    expect(created.status).toBe(422);
    expect(body.problems).toEqual([document(created.body)]);
    expect(body.problems[0]).toMatchObject({
      type: '/problems/not-protected',
      supplierStatus: 'not_enrolled',
    });
  });

  it('creates, starts and reserves nothing for a valid contract, which the create then accepts', async () => {
    const supplierId = await enrolledSupplier();
    const contract = testContract({ supplier: { id: supplierId } });
    const exposure = async () =>
      (await api.call('GET', `/v1/suppliers/${supplierId}`)).body.limits.map(
        (l: { exposure: number }) => l.exposure,
      );
    const before = await exposure();
    for (let i = 0; i < 3; i++) {
      const { status, body } = await check({ contract });
      expect(status).toBe(200);
      expect(body).toMatchObject({ valid: true, problems: [] });
    }
    expect(await exposure()).toEqual(before);
    expect((await api.call('GET', `/v1/orders/${contract.orderId}`)).status).toBe(404);
    expect((await create(contract)).status).toBe(201);
  });

  it('is for the marketplace only, and a request that breaks its own schema is a 400', async () => {
    const contract = testContract();
    expect((await api.call('POST', '/v1/contracts/check', { body: { contract }, as: 'reader' })).status).toBe(
      403,
    );
    expect((await api.call('POST', '/v1/contracts/check', { body: { contract }, as: null })).status).toBe(
      401,
    );
    const report = { measurements: {}, receivedQuantity: 1 };
    const tooMany = await check({ contract, reports: Array.from({ length: 21 }, () => report) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors).toEqual([{ path: 'reports', message: 'must have at most 20 reports' }]);
    expect((await check({ contract: 'a contract' })).body.errors[0].path).toBe('contract');
  });
});

describe('POST /v1/contracts/check: warnings', () => {
  it('codes every risk a buyer should know before signing, with the field it is about', async () => {
    const contract = testContract({
      deposit: 100_000,
      inspectionWindow: 'P2D',
      quantity: { ordered: 1000, unit: 'kg', tolerancePct: 0 },
      quality: [
        { attribute: 'moisture', min: 0, unit: '%' },
        { attribute: 'sealed', oneOf: ['Yes', 'No'] },
        { attribute: 'grade', oneOf: ['A', 'B'] },
      ],
    });
    const { body } = await check({ contract });
    expect(body.warnings.map((w: { code: string; path: string }) => [w.code, w.path])).toEqual([
      ['unfailable_term', 'quality.0'],
      ['unfailable_term', 'quality.1'],
      ['zero_quantity_tolerance', 'quantity.tolerancePct'],
      ['no_deliver_by', 'deliverBy'],
      ['short_inspection_window', 'inspectionWindow'],
      ['low_deposit', 'deposit'],
    ]);
    const bare = await check({ contract: testContract({ quality: [] }) });
    expect(bare.body.warnings.map((w: { code: string }) => w.code)).toContain('no_quality_terms');
    const careful = testContract({ deliverBy: at(300_000), inspectionWindow: 'P7D' });
    expect((await check({ contract: careful })).body.warnings).toEqual([]);
  });
});

describe('POST /v1/contracts/check: fees', () => {
  it('warns of fees that take more than 10 %: a rate above 1000 bps, a minimum above 10 % of the amount', async () => {
    const codes = async (fees: unknown) =>
      (
        await check({
          contract: { ...testContract({ deliverBy: at(300_000), inspectionWindow: 'P7D' }), fees },
        })
      ).body.warnings;
    expect(await codes({ commissionBps: 1001 })).toEqual([
      { code: 'high_fees', path: 'fees.commissionBps', message: expect.stringContaining('1001 bps') },
    ]);
    expect(await codes({ commissionBps: 100, minimum: 125_001 })).toEqual([
      { code: 'high_fees', path: 'fees.minimum', message: expect.stringContaining('125001') },
    ]);
    expect(
      (await codes({ commissionBps: 5000, minimum: Number.MAX_SAFE_INTEGER })).map(
        (w: { path: string }) => w.path,
      ),
    ).toEqual(['fees.commissionBps', 'fees.minimum']);
    // Exactly 10 % is not more than 10 %.
    expect(await codes({ commissionBps: 1000, minimum: 125_000 })).toEqual([]);
    expect(await codes(undefined)).toEqual([]);
  });

  it('lists a hostile fees field as the create’s 400', async () => {
    const contract = { ...testContract(), fees: { commissionBps: 5001 } };
    const [checked, created] = await Promise.all([check({ contract }), create(contract)]);
    expect(created.status).toBe(400);
    expect(checked.body.valid).toBe(false);
    expect(checked.body.problems).toEqual([document(created.body)]);
  });

  it('simulates the fee account’s payout as the order driven through the same report is paid', async () => {
    const c = { ...testContract({ deliverBy: at(300_000) }), fees: { commissionBps: 250, minimum: 40_000 } };
    const report = { measurements: { moisture: 10, grade: 'A' }, receivedQuantity: 900, evidence: [] };
    const { body } = await check({ contract: c, reports: [report] });
    const [split] = body.simulations;
    // 10 % short: 125,000 back to the buyer, 1,125,000 released, of which 2.5 % (28,125) is under the minimum.
    expect(split.settlement).toMatchObject({
      outcome: 'split',
      refund: 125_000,
      release: 1_125_000,
      fee: 40_000,
      paid: { buyer: 125_000, supplier: 1_085_000, fees: 40_000 },
    });
    expect((await create(c)).status).toBe(201);
    const post = (route: string, b: unknown) =>
      api.call('POST', `/v1/orders/${c.orderId}/${route}`, { body: b });
    await post('payments', { amount: c.amount, reference: 'wire-1' });
    await post('shipment', { carrier: 'Maersk', trackingNumber: 'MSKU1234565' });
    await post('delivery', {});
    expect((await post('inspection', report)).body.status).toBe(split.status);
    await post('settlement', { party: 'supplier', action: 'offer', refundAmount: split.settlement.refund });
    expect((await post('settlement', { party: 'buyer', action: 'accept_offer' })).status).toBe(200);
    const closed = await reads.closed(c.orderId);
    expect([closed.outcome, closed.reason]).toEqual([split.settlement.outcome, split.settlement.reason]);
    const release = (await reads.ledgerEntries(c.orderId)).find(
      (e: { kind: string }) => e.kind === 'release',
    );
    expect(release.legs).toEqual([
      { accountId: `escrow:${c.orderId}`, amount: -split.settlement.release },
      { accountId: 'supplier:supplier-1:USD', amount: split.settlement.paid.supplier },
      { accountId: 'fees:USD', amount: split.settlement.paid.fees },
    ]);
  }, 60_000);
});

describe('POST /v1/contracts/check: simulations against real orders', () => {
  const contract = () =>
    testContract({ deliverBy: at(300_000), inspectionWindow: 'PT5S', negotiationWindow: 'PT60S' });
  const conforming = { measurements: { moisture: 10, grade: 'A' }, receivedQuantity: 1000 };
  const short = { measurements: { moisture: 10, grade: 'A' }, receivedQuantity: 900 };
  const wet = { measurements: { moisture: 14, grade: 'B' }, receivedQuantity: 1000 };
  const unmeasured = { measurements: { moisture: 10 }, receivedQuantity: 1000 };

  /** Funds in full, ships, delivers and reports: the order as the report's answer shows it. */
  async function inspected(c: ReturnType<typeof contract>, report: unknown) {
    const path = `/v1/orders/${c.orderId}`;
    expect((await create(c)).status).toBe(201);
    let answer = { status: 0, body: undefined as unknown };
    for (const [route, body] of [
      ['payments', { amount: c.amount, reference: 'wire-1' }],
      ['shipment', { carrier: 'Maersk', trackingNumber: 'MSKU1234565' }],
      ['delivery', {}],
      ['inspection', report],
    ] as const) {
      answer = await api.call('POST', `${path}/${route}`, { body });
      expect(answer.status, `${route}: ${JSON.stringify(answer.body)}`).toBe(200);
    }
    // biome-ignore lint/suspicious/noExplicitAny: the snapshot as the API answered it
    return answer.body as any;
  }

  /** What the ledger paid out of escrow, as the simulation names it. */
  async function paidOut(orderId: string) {
    const entries = await reads.ledger(orderId);
    const sum = (kind: string) =>
      entries.filter(([k]: [string]) => k === kind).reduce((s: number, [, a]: [string, number]) => s + a, 0);
    return { refund: sum('refund'), release: sum('release') };
  }

  it('says what each report leads to and pays, as the order driven through that report does', async () => {
    const c = contract();
    const { body } = await check({ contract: c, reports: [conforming, short, wet, unmeasured] });
    expect(body.valid).toBe(true);
    const [released, split, refunded, lapsed] = body.simulations;

    expect(released).toMatchObject({ report: 0, status: 'settling', settlement: { outcome: 'released' } });
    const a = { ...contract(), orderId: `T-${randomUUID()}` };
    expect((await inspected(a, conforming)).status).toBe(released.status);
    const aClosed = await reads.closed(a.orderId);
    expect([aClosed.outcome, aClosed.reason]).toEqual([
      released.settlement.outcome,
      released.settlement.reason,
    ]);
    expect(await paidOut(a.orderId)).toEqual({ refund: 0, release: released.settlement.paid.supplier });

    // 10 % short on a 2 % tolerance: the pro-rata refund, agreed between the parties.
    expect(split).toMatchObject({
      status: 'negotiation',
      suggestedRefund: 125_000,
      claim: { reason: 'quantity', requestedRefund: c.amount },
      settlement: { outcome: 'split', reason: 'settlement_agreed', refund: 125_000, release: 1_125_000 },
    });
    const b = { ...contract(), orderId: `T-${randomUUID()}` };
    const bInspected = await inspected(b, short);
    expect(bInspected.status).toBe(split.status);
    expect(bInspected.evaluation).toEqual(split.evaluation);
    const settle = (orderId: string, body: unknown) =>
      api.call('POST', `/v1/orders/${orderId}/settlement`, { body });
    await settle(b.orderId, { party: 'supplier', action: 'offer', refundAmount: split.suggestedRefund });
    expect((await settle(b.orderId, { party: 'buyer', action: 'accept_offer' })).status).toBe(200);
    const bClosed = await reads.closed(b.orderId);
    expect([bClosed.outcome, bClosed.reason]).toEqual([split.settlement.outcome, split.settlement.reason]);
    expect(await paidOut(b.orderId)).toEqual({
      refund: split.settlement.paid.buyer,
      release: split.settlement.paid.supplier,
    });

    // A quality violation: the automatic claim, accepted by the supplier, refunds everything.
    expect(refunded).toMatchObject({
      status: 'negotiation',
      claim: { reason: 'quality' },
      settlement: { outcome: 'refunded', reason: 'claim_accepted', refund: c.amount },
    });
    const d = { ...contract(), orderId: `T-${randomUUID()}` };
    expect((await inspected(d, wet)).status).toBe(refunded.status);
    expect(
      (await settle(d.orderId, { party: 'supplier', action: 'accept_claim', returnGoods: false })).status,
    ).toBe(200);
    const dClosed = await reads.closed(d.orderId);
    expect([dClosed.outcome, dClosed.reason]).toEqual([
      refunded.settlement.outcome,
      refunded.settlement.reason,
    ]);
    expect(await paidOut(d.orderId)).toEqual({ refund: refunded.settlement.paid.buyer, release: 0 });

    // Conforming but incomplete: the order waits out the window, then releases.
    expect(lapsed).toMatchObject({ status: 'inspection', settlement: { reason: 'inspection_lapsed' } });
    const e = { ...contract(), orderId: `T-${randomUUID()}` };
    expect((await inspected(e, unmeasured)).status).toBe(lapsed.status);
    const eClosed = await reads.closed(e.orderId);
    expect([eClosed.outcome, eClosed.reason]).toEqual([lapsed.settlement.outcome, lapsed.settlement.reason]);
    expect(await paidOut(e.orderId)).toEqual({ refund: 0, release: lapsed.settlement.paid.supplier });
  }, 90_000);

  it('answers a contract of 100 terms with 20 reports of 100 measurements within the body limit', async () => {
    const quality = Array.from({ length: 100 }, (_, i) => ({ attribute: `a${i}`, min: 1, max: 10 }));
    const reports = Array.from({ length: 20 }, (_, r) => ({
      measurements: Object.fromEntries(quality.map((q, i) => [q.attribute, (i + r) % 12])),
      receivedQuantity: 1000 - r * 10,
      evidence: Array.from({ length: 20 }, (_, i) => ({ uri: `https://files.example.com/${r}/${i}.jpg` })),
    }));
    const body = { contract: testContract({ quality }), reports };
    const started = Date.now();
    const checked = await check(body);
    const ms = Date.now() - started;
    expect(checked.status).toBe(200);
    expect(checked.body.simulations).toHaveLength(20);
    expect(checked.body.simulations[0].evaluation.violations.length).toBeGreaterThan(0);
    expect(JSON.stringify(body).length).toBeLessThan(1024 * 1024);
    expect(ms).toBeLessThan(5_000);
  });
});
