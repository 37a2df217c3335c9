import { describe, expect, it } from 'vitest';
import { formatMoney, settlementPlan } from '../../workflows/rules/money.js';
import {
  ContractInputSchema,
  contractProblems,
  normalizeContract,
} from '../../workflows/schemas/contract.js';
import { parseDuration } from '../../workflows/schemas/duration.js';

const NOW = new Date('2026-01-10T00:00:00Z');
const base = {
  orderId: 'PO-2026.001:a',
  buyer: { id: 'b1' },
  supplier: { id: 's1' },
  currency: 'USD',
  amount: 1_250_000,
  shipBy: '2026-03-01T00:00:00Z',
  quantity: { ordered: 20, unit: 't' },
};

describe('contract schema', () => {
  it('applies the defaults of docs/spec.md#the-contract', () => {
    const parsed = ContractInputSchema.parse(base);
    expect(contractProblems(parsed, NOW)).toEqual([]);
    expect(normalizeContract(parsed, NOW)).toMatchObject({
      deposit: 1_250_000,
      fundBy: '2026-01-30T00:00:00.000Z',
      inspectionWindow: 'P7D',
      negotiationWindow: 'P3D',
      arbitrationSla: 'P5D',
      quantity: { tolerancePct: 0 },
      quality: [],
      createdAt: NOW.toISOString(),
    });
  });

  it.each([
    [{ orderId: '-starts-with-dash' }, 'orderId'],
    [{ orderId: 'x'.repeat(65) }, 'orderId'],
    [{ amount: 12.5 }, 'amount'],
    [{ amount: 0 }, 'amount'],
    [{ currency: 'usd' }, 'currency'],
    [{ shipBy: 'next tuesday' }, 'shipBy'],
    [{ inspectionWindow: 'P1M' }, 'inspectionWindow'],
    [{ quality: [{ attribute: 'moisture' }] }, 'quality.0'],
    [{ surprise: true }, ''],
  ])('rejects %j at %s', (override, path) => {
    const result = ContractInputSchema.safeParse({ ...base, ...override });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it.each([
    [{ supplier: { id: 'b1' } }, 'supplier.id'],
    [{ deposit: 2_000_000 }, 'deposit'],
    [{ fundBy: '2026-03-02T00:00:00Z' }, 'shipBy'],
    [{ fundBy: '2026-01-01T00:00:00Z' }, 'fundBy'],
    [{ deliverBy: '2026-02-01T00:00:00Z' }, 'deliverBy'],
    [{ inspectionWindow: 'P31D' }, 'inspectionWindow'],
    [{ quality: [{ attribute: 'm', min: 5, max: 1 }] }, 'quality.0'],
    [
      {
        quality: [
          { attribute: 'm', max: 1 },
          { attribute: 'm', max: 2 },
        ],
      },
      'quality.1.attribute',
    ],
  ])('finds the contradiction in %j at %s', (override, path) => {
    const parsed = ContractInputSchema.parse({ ...base, ...override });
    expect(contractProblems(parsed, NOW).map((p) => p.path)).toContain(path);
  });
});

describe('durations', () => {
  it.each([
    ['P7D', 7 * 86_400_000],
    ['PT36H', 36 * 3_600_000],
    ['PT2S', 2000],
    ['PT0S', 0],
    ['P1W2DT3H4M5.5S', ((9 * 24 + 3) * 3600 + 4 * 60 + 5.5) * 1000],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['P', 'PT', '7D', 'P1Y', 'P1M', 'PT-1S', 'P1.5D', ''])('refuses %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
});

describe('settlement arithmetic', () => {
  it.each([
    ['released', 1000, 1000, 0, { refund: 0, release: 1000, excessRefund: 0 }],
    ['released', 300, 1000, 0, { refund: 0, release: 300, excessRefund: 0 }],
    ['released', 1200, 1000, 0, { refund: 0, release: 1000, excessRefund: 200 }],
    ['refunded', 1200, 1000, 0, { refund: 1000, release: 0, excessRefund: 200 }],
    ['cancelled', 300, 1000, 0, { refund: 300, release: 0, excessRefund: 0 }],
    ['split', 1000, 1000, 250, { refund: 250, release: 750, excessRefund: 0 }],
    ['split', 600, 1000, 700, { refund: 600, release: 0, excessRefund: 0 }],
  ] as const)('%s with %d funded of %d (refund %d)', (outcome, funded, amount, refund, plan) => {
    const result = settlementPlan(outcome, funded, amount, refund);
    expect(result).toEqual(plan);
    expect(result.refund + result.release + result.excessRefund).toBe(funded);
  });

  it('formats minor units per currency without floating point', () => {
    expect(formatMoney(1_250_000, 'USD')).toBe('USD 12,500.00');
    expect(formatMoney(5, 'EUR')).toBe('EUR 0.05');
    expect(formatMoney(1_250_000, 'JPY')).toBe('JPY 1,250,000');
    expect(formatMoney(1_234_567, 'KWD')).toBe('KWD 1,234.567');
  });
});

describe('the returns field (docs/spec.md#returns)', () => {
  it('defaults to a 14-day return window and a 7-day receipt window, resolved at creation', () => {
    const parsed = ContractInputSchema.parse(base);
    // Left out of the parsed body: an identical create of an order from before the field fingerprints alike.
    expect(parsed.returns).toBeUndefined();
    expect(normalizeContract(parsed, NOW).returns).toEqual({ window: 'P14D', receiptWindow: 'P7D' });
    const own = ContractInputSchema.parse({ ...base, returns: { window: 'P3D' } });
    expect(normalizeContract(own, NOW).returns).toEqual({ window: 'P3D', receiptWindow: 'P7D' });
  });

  it('refuses windows that are not durations (400), zero or beyond P30D (422)', () => {
    expect(ContractInputSchema.safeParse({ ...base, returns: { window: '14 days' } }).success).toBe(false);
    expect(ContractInputSchema.safeParse({ ...base, returns: { other: 'P1D' } }).success).toBe(false);
    const parsed = ContractInputSchema.parse({ ...base, returns: { window: 'PT0S', receiptWindow: 'P31D' } });
    expect(contractProblems(parsed, NOW)).toEqual([
      { path: 'returns.window', message: 'returns.window must be longer than PT0S' },
      { path: 'returns.receiptWindow', message: 'returns.receiptWindow must be at most P30D' },
    ]);
  });
});
