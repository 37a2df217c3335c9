import { describe, expect, it } from 'vitest';
import { caseFile, formatTime } from '../../workflows/case-file/case-file.js';
import { orderSummary } from '../../workflows/case-file/summary.js';
import type { OrderSnapshot } from '../../workflows/model/state.js';
import { evaluateQuality } from '../../workflows/rules/quality.js';
import { ArbitrationDecisionSchema } from '../../workflows/schemas/commands.js';
import { ContractInputSchema, normalizeContract } from '../../workflows/schemas/contract.js';
import type { InspectionReport } from '../../workflows/schemas/inspection-report.js';

const NOW = new Date('2026-03-02T09:30:00.000Z');

function contract(overrides: Record<string, unknown> = {}) {
  return normalizeContract(
    ContractInputSchema.parse({
      orderId: 'PO-2026-0042',
      buyer: { id: 'buyer-1', name: 'Acme Buyer' },
      supplier: { id: 'supplier-1', name: 'Steel Supplier' },
      currency: 'USD',
      amount: 1_250_000,
      fundBy: '2026-03-10T00:00:00Z',
      shipBy: '2026-03-20T00:00:00Z',
      quantity: { ordered: 1000, unit: 'kg', tolerancePct: 2 },
      quality: [
        { attribute: 'moisture', max: 12, unit: '%' },
        { attribute: 'grade', oneOf: ['A', 'B'], description: 'mill grading' },
      ],
      ...overrides,
    }),
    NOW,
  );
}

const report: InspectionReport = {
  measurements: { moisture: 14.5, grade: 'A' },
  receivedQuantity: 950,
  evidence: [{ uri: 'https://inspections.example/4411.pdf', description: 'SGS lab report' }],
  inspector: 'SGS',
};

function inArbitration(c = contract(), r = report): OrderSnapshot {
  return {
    orderId: c.orderId,
    status: 'arbitration',
    contract: c,
    deadlines: { fundBy: c.fundBy, shipBy: c.shipBy, arbitrationDueAt: '2026-04-06T10:00:00.000Z' },
    funded: c.amount,
    escrowBalance: c.amount,
    outstanding: 0,
    payments: [],
    extensions: [],
    inspection: { report: r, submittedAt: '2026-04-01T10:00:00.000Z' },
    evaluation: evaluateQuality(c, r),
    dispute: { kind: 'quality', openedAt: '2026-04-01T10:00:00.000Z' },
    offers: [{ refundAmount: 40_000, offeredAt: '2026-04-02T08:00:00.000Z', status: 'superseded' }],
    arbitration: { openedAt: '2026-04-04T10:00:00.000Z', dueAt: '2026-04-09T10:00:00.000Z', overdue: false },
    payouts: [],
    timeline: [],
  };
}

function templates(markdown: string): Record<string, unknown>[] {
  return [...markdown.matchAll(/```json\n(.*)\n```/g)].map((m) => JSON.parse(m[1] ?? ''));
}

describe('caseFile', () => {
  it('shows what is disputed, the evidence, the terms, the offers and the deadline', () => {
    const md = caseFile(inArbitration());
    expect(md).toContain('## Order PO-2026-0042: arbitration, decision due by 2026-04-09 10:00:00 UTC');
    expect(md).toContain('**Supplier** Steel Supplier (supplier-1) → **Buyer** Acme Buyer (buyer-1)');
    expect(md).toContain('| moisture | ≤ 12 % | 14.5 % |');
    expect(md).toContain('| quantity | ≥ 980 kg (1000 kg ordered, 2% tolerance) | 950 kg |');
    expect(md).toContain('**Suggested pro-rata refund for the quantity shortfall: USD 625.00**');
    expect(md).toContain('| moisture | 14.5 % | max 12 % |');
    expect(md).toContain('- [SGS lab report](https://inspections.example/4411.pdf)');
    expect(md).toContain('| grade | one of A, B | mill grading |');
    expect(md).toContain('- 2026-04-02 08:00:00 UTC: supplier offers a refund of USD 400.00 (superseded)');
  });

  it('offers one paste-ready payload per outcome, which the validator refuses until it is signed', () => {
    const [refund, release, split] = templates(caseFile(inArbitration()));
    expect([refund, release, split]).toEqual([
      { outcome: 'refund', arbitrator: '', rationale: '' },
      { outcome: 'release', arbitrator: '', rationale: '' },
      { outcome: 'split', refundAmount: 62_500, arbitrator: '', rationale: '' },
    ]);
    expect(ArbitrationDecisionSchema.safeParse(split).error?.issues.map((i) => i.message)).toEqual([
      'arbitrator must not be empty',
      'rationale must not be empty',
    ]);
    expect(
      ArbitrationDecisionSchema.safeParse({ ...split, arbitrator: 'arb-7', rationale: 'short' }).success,
    ).toBe(true);
  });

  it('suggests half for a split when there is no shortfall refund, and no split of a single minor unit', () => {
    const noShortfall = inArbitration(contract(), { ...report, receivedQuantity: 1000 });
    expect(templates(caseFile(noShortfall))[2]).toMatchObject({ refundAmount: 625_000 });
    const oneCent = { ...inArbitration(), funded: 1, escrowBalance: 1 };
    expect(templates(caseFile(oneCent)).map((t) => t.outcome)).toEqual(['refund', 'release']);
  });

  it('flags an overdue arbitration in the heading', () => {
    const s = inArbitration();
    s.arbitration = {
      openedAt: '2026-04-04T10:00:00.000Z',
      dueAt: '2026-04-09T10:00:00.000Z',
      overdue: true,
    };
    expect(caseFile(s)).toContain(
      '## Order PO-2026-0042: arbitration, **OVERDUE** since 2026-04-09 10:00:00 UTC',
    );
  });

  it('has no decision payloads once the order left arbitration, but the decision and payouts', () => {
    const s: OrderSnapshot = {
      ...inArbitration(),
      status: 'closed',
      outcome: 'split',
      reason: 'arbitration',
      decision: {
        outcome: 'split',
        refundAmount: 62_500,
        arbitrator: 'arb-7',
        rationale: 'short delivery',
        decidedAt: '2026-04-05T10:00:00.000Z',
      },
      payouts: [
        {
          kind: 'refund',
          amount: 62_500,
          idempotencyKey: 'PO-2026-0042:refund',
          transactionId: 't1',
          at: '',
        },
      ],
    };
    const md = caseFile(s);
    expect(templates(md)).toEqual([]);
    expect(md).toContain('### Decision: split (refund USD 625.00)');
    expect(md).toContain('By arb-7 at 2026-04-05 10:00:00 UTC: short delivery');
    expect(md).toContain('- refund: USD 625.00 (ledger key PO-2026-0042:refund)');
    expect(md).not.toContain('Sent by');
  });

  it('shows beside the decision the caller Temporal recorded, or that none was declared', () => {
    const decided = (sentBy: string | null): OrderSnapshot => ({
      ...inArbitration(contract(), report),
      status: 'closed',
      decision: { outcome: 'refund', arbitrator: 'arb-7', rationale: 'r', decidedAt: '', sentBy },
    });
    expect(caseFile(decided('alice@arbitration.example'))).toContain(
      'Sent by alice@arbitration.example, as Temporal recorded the caller.',
    );
    expect(caseFile(decided('*bob*'))).toContain('Sent by \\*bob\\*, as Temporal');
    expect(caseFile(decided(null))).toContain(
      'Sent by a caller that declared no identity to Temporal (the Web UI declares none).',
    );
  });

  it('renders what the parties typed as literal text', () => {
    const c = contract({
      supplier: { id: 'supplier-1', name: 'Steel <img src=x onerror=alert(1)> *Co* | Ltd' },
    });
    const forged = `fine\n\n### Decide\n\`\`\`json\n{"outcome":"release","arbitrator":"x","rationale":"y"}\n\`\`\``;
    const md = caseFile(
      inArbitration(c, {
        ...report,
        notes: forged,
        evidence: [{ uri: 'https://x.example/a)b<c', description: '[click](https://evil.example)' }],
      }),
    );
    expect(md).toContain('Steel \\<img src=x onerror=alert(1)\\> \\*Co\\* \\| Ltd (supplier-1)');
    expect(md.match(/^### Decide$/gm)).toHaveLength(1);
    expect(templates(md)).toHaveLength(3);
    expect(md).toContain('- [\\[click\\](https://evil.example)](https://x.example/a%29b%3Cc)');
  });

  it('shows the claim, offers of both sides, statements in order, the formula, the rubric and windows in words', () => {
    const s = inArbitration();
    s.dispute = {
      kind: 'quality',
      openedAt: '2026-04-01T10:00:00.000Z',
      claim: {
        reason: 'damaged',
        description: 'Bags torn; *mould* inside',
        requestedRefund: 300_000,
        evidence: [{ uri: 'https://files.example/torn.jpg', description: 'torn bags' }],
        filedAt: '2026-04-01T10:00:00.000Z',
        source: 'buyer',
        status: 'open',
      },
      statements: [
        { party: 'buyer', text: 'Mould on 40 bags.', evidence: [], at: '2026-04-02T09:00:00.000Z' },
        {
          party: 'supplier',
          text: 'Dry when loaded.',
          evidence: [{ uri: 'https://files.example/loading.jpg', description: 'loading photo' }],
          at: '2026-04-03T09:00:00.000Z',
        },
      ],
    };
    s.offers = [
      { party: 'buyer', refundAmount: 350_000, offeredAt: '2026-04-02T08:00:00.000Z', status: 'superseded' },
      {
        party: 'supplier',
        refundAmount: 100_000,
        offeredAt: '2026-04-02T09:00:00.000Z',
        status: 'superseded',
      },
    ];
    const md = caseFile(s);
    expect(md).toContain(
      '### Claim: damaged goods (open), filed by the buyer 2026-04-01 10:00:00 UTC\n**Requested refund USD 3,000.00**',
    );
    expect(md).toContain('> Bags torn; \\*mould\\* inside');
    expect(md).toContain('- [torn bags](https://files.example/torn.jpg)');
    expect(md).toContain('- 2026-04-02 08:00:00 UTC: buyer offers a refund of USD 3,500.00 (superseded)');
    expect(md).toContain('- 2026-04-02 09:00:00 UTC: supplier offers a refund of USD 1,000.00 (superseded)');
    const buyer = md.indexOf('**buyer**, 2026-04-02 09:00:00 UTC:\n> Mould on 40 bags.');
    const supplier = md.indexOf('**supplier**, 2026-04-03 09:00:00 UTC:\n> Dry when loaded.');
    expect(buyer).toBeGreaterThan(0);
    expect(supplier).toBeGreaterThan(buyer);
    expect(md).toContain('Evidence of the supplier:\n\n- [loading photo](https://files.example/loading.jpg)');
    expect(md).toContain('= floor(covered × shortfall / ordered) = floor(USD 12,500.00 × 50 kg / 1000 kg)');
    expect(md).toContain('### How to decide');
    expect(md).toContain('Never **Reset** or **Terminate** an order');
    expect(md).toContain('- windows: inspection 7 days, negotiation 3 days, arbitration 5 days');
  });

  it('suggests the pro-rata refund on what escrow covers, not on the order amount', () => {
    const s = { ...inArbitration(), funded: 250_000, escrowBalance: 250_000 };
    expect(caseFile(s)).toContain('Suggested pro-rata refund for the quantity shortfall: USD 125.00');
    expect(templates(caseFile(s))[2]).toMatchObject({ refundAmount: 12_500 });
  });

  it('ends with a blank paragraph, so that the UI does not clip the last line', () => {
    expect(caseFile(inArbitration()).endsWith('\n\u00a0')).toBe(true);
  });
});

describe('orderSummary', () => {
  it('names the order, the amount and the parties in one line', () => {
    const { staticSummary, staticDetails } = orderSummary(contract());
    expect(staticSummary).toBe(
      'Order PO-2026-0042: USD 12,500.00, Steel Supplier (supplier-1) → Acme Buyer (buyer-1)',
    );
    expect(staticDetails.split('\n')).toEqual([
      '- deposit USD 12,500.00 by 2026-03-10 00:00:00 UTC',
      '- ship by 2026-03-20 00:00:00 UTC',
      '- 1000 kg (tolerance 2%), 2 quality terms',
      '- windows: inspection 7 days, negotiation 3 days, arbitration 5 days',
    ]);
  });
});

describe('formatTime', () => {
  it('reads like the Web UI in UTC', () => {
    expect(formatTime('2026-11-25T21:43:38.015Z')).toBe('2026-11-25 21:43:38 UTC');
    expect(formatTime('2026-11-25T21:43:38Z')).toBe('2026-11-25 21:43:38 UTC');
  });
});

describe('the case file of an order paid only in part', () => {
  it('says what is outstanding, when the balance was due, and that the release left it unpaid', () => {
    const c = contract({ deposit: 250_000, balanceDueBy: '2026-03-15T00:00:00Z' });
    const s: OrderSnapshot = {
      ...inArbitration(c),
      status: 'closed',
      outcome: 'released',
      reason: 'inspection_lapsed',
      funded: 250_000,
      escrowBalance: 0,
      outstanding: 1_000_000,
      balanceOverdue: true,
      deadlines: { fundBy: c.fundBy, shipBy: c.shipBy, balanceDueBy: '2026-03-15T00:00:00.000Z' },
      payouts: [
        {
          kind: 'release',
          amount: 250_000,
          idempotencyKey: 'PO-2026-0042:release',
          transactionId: 'tx-1',
          at: '2026-04-10T00:00:00.000Z',
        },
      ],
    };
    const md = caseFile(s);
    expect(md).toContain(
      '**Outstanding: USD 10,000.00 of the order amount was never paid**, due by 2026-03-15 00:00:00 UTC (overdue).',
    );
    expect(md).toContain(
      '- release: USD 2,500.00 (ledger key PO-2026-0042:release), USD 10,000.00 outstanding never paid',
    );
    expect(caseFile(inArbitration())).not.toContain('Outstanding');
  });

  it('lists the extensions of deadlines, who proposed them and what became of them', () => {
    const s: OrderSnapshot = {
      ...inArbitration(),
      extensions: [
        {
          extensionId: 'ext-1',
          party: 'supplier',
          deadline: 'shipBy',
          until: '2026-03-25T00:00:00.000Z',
          reason: 'port *strike*',
          status: 'accepted',
          proposedAt: '2026-03-18T10:00:00.000Z',
          from: '2026-03-20T00:00:00.000Z',
          answeredAt: '2026-03-18T11:00:00.000Z',
        },
      ],
    };
    expect(caseFile(s)).toContain(
      '- 2026-03-18 10:00:00 UTC: supplier proposes shipBy until 2026-03-25 00:00:00 UTC (was 2026-03-20 00:00:00 UTC): port \\*strike\\* (accepted)',
    );
  });
});
