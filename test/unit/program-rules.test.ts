import { describe, expect, it } from 'vitest';
import { badgeSvg, durationInWords } from '../../api/badge-svg.js';
import { ConfigError, loadConfig } from '../../config/env.js';
import { DEFAULT_PROGRAM_SETTINGS, parseProvisionalLimits, programSettings } from '../../config/program.js';
import type { SupplierProfile } from '../../db/supplier-program.js';
import { type OrderSnapshot, openingSnapshot } from '../../workflows/model/state.js';
import {
  addTerms,
  assessedStatus,
  disputeTerms,
  formatDuration,
  limitChanges,
  limitsFor,
  onTimeShipmentTerms,
  orderContribution,
  orderMoves,
  parseFactor,
  parseThousandths,
  rate,
  refundTerms,
  responsiveness,
  type Terms,
  type WindowTerms,
} from '../../workflows/rules/program.js';
import type { Contract } from '../../workflows/schemas/contract.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const at = (hours: number) => new Date(T0 + hours * 3600_000).toISOString();

const contract: Contract = {
  orderId: 'o-1',
  buyer: { id: 'b-1' },
  supplier: { id: 's-1' },
  currency: 'USD',
  amount: 100_000,
  deposit: 100_000,
  fundBy: at(24),
  shipBy: at(48),
  transitWindow: 'P60D',
  inspectionWindow: 'P7D',
  negotiationWindow: 'P3D',
  arbitrationSla: 'P5D',
  quantity: { ordered: 10, unit: 'kg', tolerancePct: 0 },
  quality: [],
  createdAt: at(0),
};

/** An order as it ends on one path: the fields the program reads, as the workflow sets them. */
function order(
  path: 'released' | 'late' | 'supplier_cancelled_funded' | 'unfunded' | 'buyer_cancelled' | 'disputed_split',
): OrderSnapshot {
  const s = openingSnapshot(contract);
  const funded = () => {
    s.funded = 100_000;
    s.fundedAt = at(1);
  };
  const close = (outcome: OrderSnapshot['outcome'], reason: OrderSnapshot['reason']) => {
    s.status = 'closed';
    s.outcome = outcome;
    s.reason = reason;
    s.closedAt = at(200);
    s.timeline.push({ at: at(199), event: 'settling' });
  };
  const payout = (kind: 'refund' | 'release', amount: number) =>
    s.payouts.push({ kind, amount, idempotencyKey: `o-1:${kind}`, transactionId: '1', at: at(199) });
  switch (path) {
    case 'released':
      funded();
      s.shipment = { carrier: 'c', trackingNumber: 't', shippedAt: at(30) };
      s.delivery = { deliveredAt: at(40) };
      payout('release', 100_000);
      close('released', 'buyer_accepted');
      break;
    case 'late':
      funded();
      payout('refund', 100_000);
      close('refunded', 'late_shipment');
      break;
    case 'supplier_cancelled_funded':
      funded();
      payout('refund', 100_000);
      close('refunded', 'supplier_cancelled');
      break;
    case 'unfunded':
      close('cancelled', 'unfunded');
      break;
    case 'buyer_cancelled':
      s.funded = 20_000;
      payout('refund', 20_000);
      close('cancelled', 'buyer_cancelled');
      break;
    case 'disputed_split':
      funded();
      s.shipment = { carrier: 'c', trackingNumber: 't', shippedAt: at(30) };
      s.delivery = { deliveredAt: at(40) };
      s.dispute = { kind: 'quality', openedAt: at(50) };
      payout('refund', 30_000);
      payout('release', 70_000);
      close('split', 'settlement_agreed');
      break;
  }
  return s;
}

const over = (orders: OrderSnapshot[], terms: (s: OrderSnapshot) => Terms) =>
  rate(addTerms(orders.map(terms)));

describe('the program: what an order contributes', () => {
  it('measures nothing without history', () => {
    expect(over([], onTimeShipmentTerms)).toBeNull();
    expect(over([], disputeTerms)).toBeNull();
    expect(over([], refundTerms)).toBeNull();
  });

  it('counts shipments, late shipments and cancellations after funding in the on-time rate', () => {
    expect(over([order('released'), order('released'), order('late')], onTimeShipmentTerms)).toBe(0.667);
    expect(
      over([order('late'), order('late'), order('supplier_cancelled_funded')], onTimeShipmentTerms),
    ).toBe(0);
  });

  it('measures nothing of orders cancelled before funding or by the buyer', () => {
    const cancelled = [order('unfunded'), order('buyer_cancelled'), order('unfunded')];
    expect(over(cancelled, onTimeShipmentTerms)).toBeNull();
    expect(over(cancelled, disputeTerms)).toBeNull();
    expect(over(cancelled, refundTerms)).toBeNull();
    expect(cancelled.map(orderContribution).map((c) => [c.transaction, c.released])).toEqual([
      [false, 0],
      [false, 0],
      [false, 0],
    ]);
  });

  it('takes the dispute rate over delivered orders, the refund ratio over funded ones', () => {
    const orders = [order('released'), order('disputed_split'), order('late')];
    expect(over(orders, disputeTerms)).toBe(0.5);
    // 30,000 of a split and 100,000 of a late shipment refunded, of 300,000 funded.
    expect(over(orders, refundTerms)).toBe(0.433);
    expect(orderContribution(order('disputed_split'))).toMatchObject({ released: 70_000, transaction: true });
  });
});

describe('the program: status and limits', () => {
  const thresholds = DEFAULT_PROGRAM_SETTINGS.thresholds;
  const window = (orders: OrderSnapshot[]): WindowTerms => ({
    closedOrders: orders.length,
    onTimeShipment: addTerms(orders.map(onTimeShipmentTerms)),
    dispute: addTerms(orders.map(disputeTerms)),
    refund: addTerms(orders.map(refundTerms)),
  });

  it('keeps a supplier without history provisional, for too few orders', () => {
    expect(assessedStatus(window([]), thresholds)).toEqual({
      status: 'provisional',
      reasons: ['too_few_orders'],
    });
    expect(assessedStatus(window([order('unfunded'), order('buyer_cancelled')]), thresholds)).toEqual({
      status: 'provisional',
      reasons: ['too_few_orders'],
    });
  });

  it('qualifies at the thresholds and suspends just past them', () => {
    const nine = Array.from({ length: 9 }, () => order('released'));
    expect(assessedStatus(window([...nine, order('late')]), thresholds).status).toBe('qualified');
    // 9 of 11 shipped on time is below 0.90; a refund ratio of 2/11 is above 0.10.
    expect(assessedStatus(window([...nine, order('late'), order('late')]), thresholds)).toEqual({
      status: 'suspended',
      reasons: ['on_time_shipment', 'refund_ratio'],
    });
  });

  it('suspends a supplier whose every order was late, and says it has too few', () => {
    expect(assessedStatus(window([order('late'), order('late')]), thresholds)).toEqual({
      status: 'suspended',
      reasons: ['on_time_shipment', 'refund_ratio', 'too_few_orders'],
    });
  });

  it('limits by status: none, provisional, or earned by what was released, within the maximum', () => {
    const settings = {
      provisional: parseProvisionalLimits('AUD:50000000,*:500000'),
      factor: parseFactor('0.5') as NonNullable<ReturnType<typeof parseFactor>>,
      max: 100_000_000,
    };
    expect(limitsFor('suspended', { USD: 9_000_000 }, settings)).toEqual({ '*': 0 });
    expect(limitsFor('provisional', { USD: 9_000_000 }, settings)).toEqual({ AUD: 50_000_000, '*': 500_000 });
    expect(limitsFor('qualified', { USD: 9_000_001, EUR: 300_000, JPY: 900_000_000 }, settings)).toEqual({
      AUD: 50_000_000,
      '*': 500_000,
      USD: 4_500_000,
      EUR: 500_000,
      JPY: 100_000_000,
    });
    expect(limitChanges({ '*': 0 }, { USD: 4_500_000, '*': 500_000 })).toEqual([
      { currency: '*', from: 0, to: 500_000 },
      { currency: 'USD', from: 0, to: 4_500_000 },
    ]);
  });

  it('reads factors and thresholds as exact decimals', () => {
    expect(parseFactor('0.5')).toEqual({ numerator: 5n, denominator: 10n });
    expect(parseFactor('1.25')).toEqual({ numerator: 125n, denominator: 100n });
    expect(parseFactor('-1')).toBeUndefined();
    expect(parseThousandths('0.90')).toBe(900);
    expect(parseThousandths('1')).toBe(1000);
    expect(parseThousandths('1.5')).toBeUndefined();
  });
});

describe('the program: responsiveness', () => {
  it("answers a buyer's claim with the supplier's first offer or statement in the window", () => {
    const s = order('disputed_split');
    s.dispute = {
      kind: 'quality',
      openedAt: at(50),
      claim: {
        reason: 'damaged',
        description: 'torn',
        requestedRefund: 30_000,
        evidence: [],
        filedAt: at(50),
        source: 'buyer',
        status: 'settled',
      },
    };
    s.deadlines.negotiationEndsAt = at(122);
    s.offers = [
      { party: 'buyer', refundAmount: 40_000, offeredAt: at(60), status: 'superseded' },
      { party: 'supplier', refundAmount: 30_000, offeredAt: at(70), status: 'accepted' },
    ];
    const statements = [
      { party: 'supplier' as const, text: 'we packed them well', evidence: [], at: at(52) },
      { party: 'buyer' as const, text: 'see photos', evidence: [], at: at(130) },
    ];
    expect(orderMoves(s, statements)).toEqual([
      { moveId: `o-1:claim:${at(50)}`, receivedAt: at(50), windowEndsAt: at(122), respondedAt: at(52) },
      { moveId: 'o-1:offer:0', receivedAt: at(60), windowEndsAt: at(122), respondedAt: at(70) },
      // After the negotiation ended: its window ended before it began, unanswered.
      { moveId: 'o-1:statement:1', receivedAt: at(130), windowEndsAt: at(122) },
    ]);
  });

  it("counts the supplier's acceptance of a claim that waited for a return as its answer, when it was made", () => {
    const s = order('disputed_split');
    s.dispute = {
      kind: 'quality',
      openedAt: at(50),
      claim: {
        reason: 'damaged',
        description: 'torn',
        requestedRefund: 100_000,
        evidence: [],
        filedAt: at(50),
        source: 'buyer',
        status: 'accepted',
      },
    };
    s.deadlines.negotiationEndsAt = at(122);
    s.offers = [];
    s.reason = 'returned';
    s.timeline.splice(-1, 1, { at: at(80), event: 'return_pending' }, { at: at(199), event: 'settling' });
    s.return = {
      requested: { at: at(80), by: 'supplier', reason: 'claim_accepted', memo: 'accepted' },
      deadlines: { shipBy: at(416) },
    };
    expect(orderMoves(s, [])).toEqual([
      { moveId: `o-1:claim:${at(50)}`, receivedAt: at(50), windowEndsAt: at(80), respondedAt: at(80) },
    ]);
  });

  it('measures answered moves and those whose window ended; the median of the answer times', () => {
    const now = new Date(at(100));
    const moves = [
      { receivedAt: at(0), windowEndsAt: at(48), respondedAt: at(1) },
      { receivedAt: at(0), windowEndsAt: at(48), respondedAt: at(3) },
      { receivedAt: at(10), windowEndsAt: at(58) },
      // Still in its window: not measured yet.
      { receivedAt: at(90), windowEndsAt: at(138) },
    ];
    expect(responsiveness(moves, now)).toEqual({
      responseRate: 0.667,
      medianResponseTime: 'PT2H',
      measured: 3,
    });
    expect(responsiveness([], now)).toEqual({ responseRate: null, medianResponseTime: null, measured: 0 });
    expect(formatDuration(0)).toBe('PT0S');
    expect(formatDuration(93_784_000)).toBe('P1DT2H3M4S');
  });
});

describe('the program: settings', () => {
  const minimal = { DATABASE_URL: 'postgres://escrow:escrow@db:5432/escrow' };

  it('has the documented defaults, also for variables set empty (as compose passes them)', () => {
    expect(programSettings(loadConfig(minimal))).toEqual(DEFAULT_PROGRAM_SETTINGS);
    expect(
      programSettings(loadConfig({ ...minimal, PROGRAM_LIMIT_FACTOR: '', PROGRAM_ASSESSMENT_SCHEDULE: '' })),
    ).toEqual(DEFAULT_PROGRAM_SETTINGS);
    expect(DEFAULT_PROGRAM_SETTINGS).toMatchObject({
      limits: { provisional: { '*': 500_000 }, max: 100_000_000 },
      thresholds: {
        minClosedOrders: 5,
        minOnTimeShipmentRate: 900,
        maxDisputeRate: 100,
        maxRefundRatio: 100,
      },
      window: 'P180D',
      responsivenessWindow: 'P90D',
    });
  });

  it('names every bad setting at start', () => {
    expect(() =>
      loadConfig({
        ...minimal,
        PROGRAM_PROVISIONAL_LIMITS: 'AUD:5,usd:3',
        PROGRAM_LIMIT_FACTOR: '0',
        PROGRAM_ASSESSMENT_WINDOW: 'P1M',
        PROGRAM_MIN_ON_TIME_SHIPMENT_RATE: '90%',
        PROGRAM_ASSESSMENT_SCHEDULE: 'daily',
      }),
    ).toThrow(
      /(?=[\s\S]*PROGRAM_PROVISIONAL_LIMITS: "usd:3")(?=[\s\S]*PROGRAM_LIMIT_FACTOR)(?=[\s\S]*PROGRAM_ASSESSMENT_WINDOW)(?=[\s\S]*PROGRAM_MIN_ON_TIME_SHIPMENT_RATE)(?=[\s\S]*PROGRAM_ASSESSMENT_SCHEDULE)/,
    );
    expect(() => loadConfig({ ...minimal, PROGRAM_PROVISIONAL_LIMITS: 'AUD:200000000' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ ...minimal, PROGRAM_PROVISIONAL_LIMITS: 'AUD:200000000' })).toThrow(
      /PROGRAM_MAX_LIMIT/,
    );
    expect(parseProvisionalLimits('AUD:50000000,*:400000')).toEqual({ AUD: 50_000_000, '*': 400_000 });
    expect(parseProvisionalLimits('AUD:50000000')).toEqual({ AUD: 50_000_000, '*': 500_000 });
  });
});

describe('the badge', () => {
  const profile: SupplierProfile = {
    supplierId: 's-1',
    name: 'Acme <Steel> & "Sons"',
    country: 'DE',
    status: 'qualified',
    protected: true,
    memberSince: at(0),
    last12Months: {
      transactions: 14,
      value: [
        { currency: 'EUR', amount: 1_234_567 },
        { currency: 'USD', amount: 99_000_000 },
        { currency: 'JPY', amount: 5_000 },
      ],
      onTimeShipmentRate: 0.95,
      disputeRate: 0.05,
    },
    responsiveness: { responseRate: 0.9, medianResponseTime: 'PT3H12M5S', measured: 10 },
  };

  it('reads the program, 12 months of trade and the median answer time, escaped, in under 8 KiB', () => {
    const svg = badgeSvg(profile, 'Buyer Protection');
    expect(svg).toContain('Buyer Protection');
    expect(svg).toContain('14 transactions in 12 months: EUR 12,345 · USD 990,000 +1 more');
    expect(svg).toContain('Replies in 3 h 12 min (median)');
    expect(svg).toContain('Acme &lt;Steel&gt; &amp; &quot;Sons&quot;');
    expect(svg).not.toContain('<Steel>');
    const long = badgeSvg({ ...profile, name: 'x'.repeat(256) }, 'y'.repeat(40));
    expect(Buffer.byteLength(long)).toBeLessThan(8 * 1024);
  });

  it('reads "not protected" for any other supplier, and nothing of its figures', () => {
    const svg = badgeSvg({ ...profile, status: 'suspended', protected: false }, 'Buyer Protection');
    expect(svg).toContain('Not protected');
    expect(svg).not.toContain('transactions');
    expect(durationInWords('PT40S')).toBe('under a minute');
    expect(durationInWords('P2DT5H')).toBe('2 d 5 h');
  });
});
