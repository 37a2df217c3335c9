import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiUnderTest, eventually, startApi } from '../support/api-client.js';
import { launchChromium } from '../support/chromium.js';
import { createDatabase } from '../support/databases.js';
import { at, createHarness, type Harness, testContract } from '../support/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DOCS = join(ROOT, 'docs');
const run = promisify(execFile);

/**
 * `npm run whatif` over a database of its own (it reads every closed order there): orders closed
 * through the API, decided again under stricter terms and a commission, as the rubric and the
 * program's definitions say; nothing in the database changes.
 */
let db: Awaited<ReturnType<typeof createDatabase>>;
let h: Harness;
let api: ApiUnderTest;
beforeAll(async () => {
  db = await createDatabase();
  h = await createHarness({ databaseUrl: db.url });
  await h.startWorker();
  api = await startApi(h);
  const put = await api.call('PUT', '/v1/suppliers/supplier-1', {
    body: { name: 'Steel Supplier', country: 'DE', enrolled: true },
  });
  expect(put.status).toBe(201);
});
afterAll(async () => {
  await api?.close();
  await h?.close();
  await db?.drop();
});

const post = async (
  orderId: string,
  event: string,
  body: unknown,
  as: 'marketplace' | 'arbitrator' = 'marketplace',
) => {
  const answer = await api.call('POST', `/v1/orders/${orderId}/${event}`, { body, as });
  expect(answer.status, `${event}: ${JSON.stringify(answer.body)}`).toBe(200);
  return answer.body;
};

/** Created, funded in full, shipped and delivered: in inspection. */
async function delivered(overrides: Parameters<typeof testContract>[0] = {}) {
  const contract = testContract({ deliverBy: at(600_000), ...overrides });
  expect((await api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
  await post(contract.orderId, 'payments', { amount: contract.amount, reference: 'wire-1' });
  await post(contract.orderId, 'shipment', { carrier: 'Maersk', trackingNumber: 'MSKU1234565' });
  await post(contract.orderId, 'delivery', {});
  return contract.orderId;
}
const report = (moisture: number, receivedQuantity = 1000) => ({
  measurements: { moisture, grade: 'A' },
  receivedQuantity,
});

const closedInFeed = (orderId: string) =>
  eventually(
    () => api.call('GET', `/v1/orders/${orderId}/events`, { as: 'reader' }),
    (r) =>
      r.body.events.some((e: { type: string }) => /order\.(released|refunded|split|cancelled)/.test(e.type)),
    30_000,
  );

async function counts() {
  const { rows } = await h.pool.query(
    `SELECT (SELECT count(*) FROM order_events) AS events, (SELECT count(*) FROM ledger_transactions) AS tx,
            (SELECT string_agg(supplier_id || status || assessed_at, ',') FROM suppliers) AS suppliers`,
  );
  return rows[0];
}

describe('npm run whatif', () => {
  it('decides closed orders again under the rules file, counts people’s decisions apart, and writes nothing', async () => {
    const orders = {
      wetter: await delivered(),
      short: await delivered(),
      dry: await delivered(),
      arbitrated: await delivered(),
      accepted: await delivered(),
    };
    await post(orders.wetter, 'inspection', report(11));
    await post(orders.short, 'inspection', report(9, 985));
    await post(orders.dry, 'inspection', report(9));
    await post(orders.arbitrated, 'inspection', report(14));
    await post(orders.arbitrated, 'settlement', { party: 'buyer', action: 'escalate' });
    await post(
      orders.arbitrated,
      'arbitration',
      { outcome: 'split', refundAmount: 100_000, arbitrator: 'arb-1', rationale: 'slightly wet' },
      'arbitrator',
    );
    await post(orders.accepted, 'acceptance', {});
    const late = testContract({ fundBy: at(2_000), shipBy: at(4_000) });
    await api.call('POST', '/v1/orders', { body: late });
    await post(late.orderId, 'payments', { amount: late.amount, reference: 'wire-1' });
    for (const orderId of [...Object.values(orders), late.orderId]) await closedInFeed(orderId);

    const dir = mkdtempSync(join(tmpdir(), 'whatif-'));
    const rules = {
      quality: { moisture: { max: 10 } },
      quantityTolerancePct: 1,
      commissionBps: 250,
      program: { onTimeShipmentRate: 0.8, disputeRate: 0.7, refundRatio: 0.5 },
    };
    writeFileSync(join(dir, 'rules.json'), JSON.stringify(rules));
    const before = await counts();
    const { stdout, stderr } = await run(
      'npm',
      ['run', '-s', 'whatif', '--', '--rules', join(dir, 'rules.json'), '--out', dir],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: db.url },
      },
    );
    expect(await counts()).toEqual(before);
    expect(stderr).toContain('[whatif] 6 / 6 closed orders');
    expect(stdout).toContain('6 closed orders');

    const result = JSON.parse(readFileSync(join(dir, 'whatif.json'), 'utf8'));
    expect(result).toMatchObject({
      orders: 6,
      redecided: 4,
      human: { orders: 2, byReason: { arbitration: 1, buyer_accepted: 1 } },
    });
    const changed = Object.fromEntries(result.changed.map((c: { orderId: string }) => [c.orderId, c]));
    const amount = 1_250_000;
    // 11 % moisture passed max 12, not max 10: the quality claim refunds everything.
    expect(changed[orders.wetter]).toMatchObject({
      before: { outcome: 'released', reason: 'buyer_accepted', refund: 0, release: amount, fee: 0 },
      after: { outcome: 'refunded', reason: 'claim_accepted', refund: amount, release: 0, fee: 0 },
    });
    // 1.5 % short passed a 2 % tolerance, not 1 %: the pro-rata refund, a commission on the rest.
    expect(changed[orders.short]).toMatchObject({
      after: {
        outcome: 'split',
        reason: 'settlement_agreed',
        refund: 18_750,
        release: 1_231_250,
        fee: 30_781,
      },
    });
    expect(changed[orders.dry]).toMatchObject({
      before: { outcome: 'released', fee: 0 },
      after: { outcome: 'released', reason: 'buyer_accepted', release: amount, fee: 31_250 },
    });
    // The late shipment's refund carries no commission: the same decision.
    expect(Object.keys(changed).sort()).toEqual([orders.wetter, orders.short, orders.dry].sort());
    expect(result.money.USD).toEqual({
      before: { buyer: amount, supplier: 3 * amount, fees: 0 },
      after: {
        buyer: 2 * amount + 18_750,
        supplier: amount - 31_250 + 1_231_250 - 30_781,
        fees: 31_250 + 30_781,
      },
    });
    expect(result.byOutcome).toContainEqual(
      expect.objectContaining({
        currency: 'USD',
        outcome: 'released',
        before: expect.objectContaining({ orders: 3 }),
      }),
    );
    // Before: suspended on every rate; after, under the looser thresholds of the rules, qualified.
    expect(result.suppliers).toEqual([
      { supplierId: 'supplier-1', before: 'suspended', after: 'qualified', reasons: [] },
    ]);

    const html = readFileSync(join(dir, 'whatif.html'), 'utf8');
    expect(html).toContain('<svg');
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1040, height: 900 } });
      await page.goto(`file://${join(dir, 'whatif.html')}`);
      expect(await page.locator('svg rect').count()).toBeGreaterThan(6);
      expect(await page.locator('h2').allTextContents()).toContain('Orders that would change');
      await mkdir('test-results', { recursive: true });
      await page.screenshot({ path: 'test-results/whatif.png', fullPage: true });
      if (process.env.UPDATE_SCREENSHOTS) await copyFile('test-results/whatif.png', join(DOCS, 'whatif.png'));
    } finally {
      await browser.close();
    }
  }, 180_000);

  it('refuses a rules file that breaks its schema, naming the rule, and changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whatif-'));
    writeFileSync(
      join(dir, 'rules.json'),
      JSON.stringify({ commissionBps: 9000, quality: { moisture: {} } }),
    );
    const refused = await run('npm', ['run', '-s', 'whatif', '--', '--rules', join(dir, 'rules.json')], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url },
    }).catch((err) => err);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('commissionBps');
    expect(refused.stderr).toContain(
      'quality.moisture: a quality rule needs at least one of min, max, oneOf',
    );
  });
});
