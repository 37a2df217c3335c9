import { describe, expect, it } from 'vitest';
import { caseFile } from '../../workflows/case-file/case-file.js';
import { formatTime } from '../../workflows/case-file/format.js';
import { orderSummary } from '../../workflows/case-file/summary.js';
import type { Claim, OrderSnapshot } from '../../workflows/model/state.js';
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

function damaged(requestedRefund: number): Claim {
  return {
    reason: 'damaged',
    description: 'Bags torn',
    requestedRefund,
    evidence: [],
    filedAt: '2026-04-01T10:00:00.000Z',
    source: 'buyer',
    status: 'open',
  };
}

describe('caseFile', () => {
  it('shows what is disputed, the evidence, the terms, the offers and the deadline', () => {
    const md = caseFile(inArbitration());
    expect(md).toContain('## Order PO-2026-0042: arbitration, decision due by 9 Apr 2026, 10:00 UTC');
    expect(md).toContain('**Supplier** Steel Supplier (supplier-1) → **Buyer** Acme Buyer (buyer-1)');
    expect(md).toContain('| moisture | ≤ 12 % | 14.5 % |');
    expect(md).toContain('| quantity | ≥ 980 kg (1000 kg ordered, 2% tolerance) | 950 kg |');
    expect(md).toContain('**Suggested pro-rata refund for the quantity shortfall: USD 625.00 (62500)**');
    expect(md).toContain('| moisture | 14.5 % | max 12 % |');
    expect(md).toContain(
      '- SGS lab report: [https://inspections.example/4411.pdf](https://inspections.example/4411.pdf)',
    );
    expect(md).toContain('| grade | one of A, B | mill grading |');
    expect(md).toContain(
      '**2 Apr 2026, 08:00 UTC**: **supplier** offers a refund of USD 400.00 (40000): lapsed unaccepted when the negotiation ended',
    );
    expect(md).toContain(
      '### Deadlines\n- the decision is due by 9 Apr 2026, 10:00 UTC (arbitration SLA 5 days)\n',
    );
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

  it('splits at the refund the claim requests, never at an amount no one asked for, and no single minor unit', () => {
    const noShortfall = inArbitration(contract(), { ...report, receivedQuantity: 1000 });
    expect(templates(caseFile(noShortfall)).map((t) => t.outcome)).toEqual(['refund', 'release']);
    noShortfall.dispute = { kind: 'quality', openedAt: '2026-04-01T10:00:00.000Z', claim: damaged(250_000) };
    const md = caseFile(noShortfall);
    expect(templates(md)).toEqual([
      { outcome: 'refund', arbitrator: '', rationale: '' },
      { outcome: 'release', arbitrator: '', rationale: '' },
      { outcome: 'split', refundAmount: 250_000, arbitrator: '', rationale: '' },
    ]);
    expect(md).toContain(
      "**Split at the claim's requested refund**: the buyer gets USD 2,500.00 (250000), the supplier USD 10,000.00 (1000000).",
    );
    expect(md).not.toContain('625000');
    const oneCent = { ...inArbitration(), funded: 1, escrowBalance: 1 };
    expect(templates(caseFile(oneCent)).map((t) => t.outcome)).toEqual(['refund', 'release']);
  });

  it('says so when the claim asks for everything escrow covers, and offers the shortfall split beside it', () => {
    const s = inArbitration();
    s.dispute = { kind: 'quality', openedAt: '2026-04-01T10:00:00.000Z', claim: damaged(1_250_000) };
    const md = caseFile(s);
    expect(md).toContain(
      'The claim asks for everything escrow covers, USD 12,500.00 (1250000): to grant it, use the **Refund** above',
    );
    expect(templates(md)).toEqual([
      { outcome: 'refund', arbitrator: '', rationale: '' },
      { outcome: 'release', arbitrator: '', rationale: '' },
      { outcome: 'split', refundAmount: 62_500, arbitrator: '', rationale: '' },
    ]);
    expect(md).toContain(
      '**Split at the pro-rata refund of the quantity shortfall**: the buyer gets USD 625.00 (62500), the supplier USD 11,875.00 (1187500).',
    );
    expect(md).toContain(
      'A split at another amount: `refundAmount` in minor units, 1 to 1249999 (USD 0.01 to USD 12,499.99).',
    );
    // Both when the claim asks for part: the requested refund first, the shortfall's beside it.
    s.dispute.claim = damaged(300_000);
    expect(templates(caseFile(s)).map((t) => t.refundAmount)).toEqual([
      undefined,
      undefined,
      300_000,
      62_500,
    ]);
  });

  it('flags an overdue arbitration in the heading', () => {
    const s = inArbitration();
    s.arbitration = {
      openedAt: '2026-04-04T10:00:00.000Z',
      dueAt: '2026-04-09T10:00:00.000Z',
      overdue: true,
    };
    const md = caseFile(s);
    expect(md).toContain('## Order PO-2026-0042: arbitration, **OVERDUE** since 9 Apr 2026, 10:00 UTC');
    expect(md).toContain(
      '- the decision was due by 9 Apr 2026, 10:00 UTC (arbitration SLA 5 days): **OVERDUE**',
    );
  });

  it('has no decision payloads once the order left arbitration, but the decision and payouts', () => {
    const s: OrderSnapshot = {
      ...inArbitration(),
      // Decided after the SLA passed: nothing of it may remain but the story.
      arbitration: {
        openedAt: '2026-04-04T10:00:00.000Z',
        dueAt: '2026-04-09T10:00:00.000Z',
        overdue: true,
        cause: 'negotiation_lapsed',
      },
      timeline: [{ at: '2026-04-09T10:00:00.000Z', event: 'arbitration_overdue' }],
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
          at: '2026-04-10T10:05:00.000Z',
        },
      ],
    };
    const md = caseFile(s);
    expect(templates(md)).toEqual([]);
    expect(md).toContain('## Order PO-2026-0042: closed (split, arbitration)');
    expect(md).toContain('### Decision: split, refund of USD 625.00 (62500) to the buyer');
    expect(md).toContain('By arb-7 on 5 Apr 2026, 10:00 UTC: short delivery');
    expect(md).toContain(
      '- refund to the buyer: USD 625.00 (62500) on 10 Apr 2026, 10:05 UTC (ledger key PO-2026-0042:refund)',
    );
    expect(md).not.toContain('Sent by');
    expect(md).not.toMatch(/overdue|### Deadlines|due by|ends \d|### Decide|How to decide/i);
    expect(md).toContain(
      '**9 Apr 2026, 10:00 UTC**: no decision by the due date, 9 Apr 2026, 10:00 UTC: the arbitrators were notified',
    );
    // Settling, decided and not yet paid out: the same.
    const settling = caseFile({
      ...s,
      status: 'settling',
      outcome: undefined,
      reason: undefined,
      payouts: [],
    });
    expect(settling).toContain('## Order PO-2026-0042: settling: decided (split), paying out');
    expect(settling).not.toMatch(/overdue|### Deadlines|due by|### Decide/i);
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
    expect(md).toContain(
      '- \\[click\\](https://evil.example): [https://x.example/a)b\\<c](https://x.example/a%29b%3Cc)',
    );
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
      '### Dispute: damaged goods, opened 1 Apr 2026, 10:00 UTC\n\n**Requested refund USD 3,000.00 (300000)**: filed by the buyer 1 Apr 2026, 10:00 UTC; the claim is open.',
    );
    expect(md).toContain('> Bags torn; \\*mould\\* inside');
    expect(md).toContain(
      'Evidence with the claim:\n\n- torn bags: [https://files.example/torn.jpg](https://files.example/torn.jpg)',
    );
    expect(md).toContain(
      "**2 Apr 2026, 08:00 UTC**: **buyer** offers a refund of USD 3,500.00 (350000): replaced by the supplier's offer",
    );
    expect(md).toContain(
      '**2 Apr 2026, 09:00 UTC**: **supplier** offers a refund of USD 1,000.00 (100000): lapsed unaccepted when the negotiation ended',
    );
    const buyer = md.indexOf('**2 Apr 2026, 09:00 UTC**: **buyer** states:\n\n> Mould on 40 bags.');
    const supplier = md.indexOf('**3 Apr 2026, 09:00 UTC**: **supplier** states:\n\n> Dry when loaded.');
    expect(buyer).toBeGreaterThan(0);
    expect(supplier).toBeGreaterThan(buyer);
    expect(md).toContain(
      '> Dry when loaded.\n\nEvidence:\n\n- loading photo: [https://files.example/loading.jpg](https://files.example/loading.jpg)',
    );
    expect(md).toContain(
      '= floor(covered × shortfall / ordered) = floor(USD 12,500.00 (1250000) × 50 kg / 1000 kg)',
    );
    expect(md).toContain('### How to decide');
    expect(md).toContain('Never **Reset** or **Terminate** an order');
    expect(md).toContain('(arbitration SLA 5 days)');
  });

  it('suggests the pro-rata refund on what escrow covers, not on the order amount', () => {
    const s = { ...inArbitration(), funded: 250_000, escrowBalance: 250_000 };
    expect(caseFile(s)).toContain('Suggested pro-rata refund for the quantity shortfall: USD 125.00 (12500)');
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
      '- deposit USD 12,500.00 by 10 Mar 2026, 00:00 UTC',
      '- ship by 20 Mar 2026, 00:00 UTC',
      '- 1000 kg (tolerance 2%), 2 quality terms',
      '- windows: transit 60 days, inspection 7 days, negotiation 3 days, arbitration 5 days',
    ]);
    // A contract with its own delivery date has no transit window to wait.
    expect(orderSummary(contract({ deliverBy: '2026-03-30T00:00:00Z' })).staticDetails).toContain(
      '- ship by 20 Mar 2026, 00:00 UTC, deliver by 30 Mar 2026, 00:00 UTC\n- 1000 kg (tolerance 2%), 2 quality terms\n- windows: inspection 7 days,',
    );
  });
});

describe('formatTime', () => {
  it('says the day in words, to the minute, in UTC', () => {
    expect(formatTime('2026-11-25T21:43:38.015Z')).toBe('25 Nov 2026, 21:43 UTC');
    expect(formatTime('2026-11-25T21:43:38Z')).toBe('25 Nov 2026, 21:43 UTC');
    expect(formatTime('2026-12-03T14:05:00.000Z')).toBe('3 Dec 2026, 14:05 UTC');
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
      '**Outstanding: USD 10,000.00 (1000000) of the order amount was never paid** (it was due by 15 Mar 2026, 00:00 UTC).',
    );
    expect(md).toContain(
      '- release to the supplier: USD 2,500.00 (250000) on 10 Apr 2026, 00:00 UTC (ledger key PO-2026-0042:release), USD 10,000.00 (1000000) outstanding never paid',
    );
    expect(md).not.toContain('overdue');
    expect(caseFile(inArbitration())).not.toContain('Outstanding');
    // While the order is open, the balance is overdue; before its date, it is a running deadline.
    const open: OrderSnapshot = {
      ...s,
      status: 'arbitration',
      outcome: undefined,
      reason: undefined,
      payouts: [],
    };
    expect(caseFile(open)).toContain(
      '**Outstanding: USD 10,000.00 (1000000) of the order amount is unpaid**, due by 15 Mar 2026, 00:00 UTC: overdue.',
    );
    expect(caseFile({ ...open, balanceOverdue: false })).toContain(
      '- the balance of USD 10,000.00 (1000000) is due by 15 Mar 2026, 00:00 UTC',
    );
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
    const md = caseFile(s);
    expect(md).toContain(
      '**18 Mar 2026, 10:00 UTC**: **supplier** proposes to move the ship-by date from 20 Mar 2026, 00:00 UTC to 25 Mar 2026, 00:00 UTC: port \\*strike\\*',
    );
    expect(md).toContain(
      "**18 Mar 2026, 11:00 UTC**: **buyer** accepts the supplier's proposal to move the ship-by date to 25 Mar 2026, 00:00 UTC",
    );
  });
});

describe('the thread of the dispute', () => {
  /** The lines of the thread, without the blank lines between them. */
  const thread = (md: string) =>
    (md.split('### What happened, oldest first\n')[1] ?? '')
      .split('\n### ')[0]
      ?.split('\n')
      .filter((l) => /^\*\*\d/.test(l));

  it('tells who escalated, why and when, after everything before it, oldest first', () => {
    const s = inArbitration();
    s.shipment = { carrier: 'Maersk', trackingNumber: 'MSKU1234565', shippedAt: '2026-03-19T08:00:00.000Z' };
    s.delivery = { deliveredAt: '2026-03-30T08:00:00.000Z' };
    s.dispute = {
      kind: 'quality',
      openedAt: '2026-04-01T11:00:00.000Z',
      claim: { ...damaged(250_000), filedAt: '2026-04-01T11:00:00.000Z' },
      statements: [
        { party: 'supplier', text: 'Intact at loading.', evidence: [], at: '2026-04-03T09:00:00.000Z' },
      ],
    };
    s.offers = [];
    s.arbitration = {
      openedAt: '2026-04-04T10:00:00.000Z',
      dueAt: '2026-04-09T10:00:00.000Z',
      overdue: false,
      cause: 'escalated',
      escalatedBy: 'supplier',
      escalationReason: 'the *bags* were intact',
    };
    expect(thread(caseFile(s))).toEqual([
      '**19 Mar 2026, 08:00 UTC**: **supplier** shipped with Maersk, tracking MSKU1234565',
      '**30 Mar 2026, 08:00 UTC**: delivered',
      '**1 Apr 2026, 10:00 UTC**: **buyer** submits the inspection report (inspector SGS): 2 violations of the contract (below)',
      '**1 Apr 2026, 11:00 UTC**: **buyer** files a claim: damaged goods, refund of USD 2,500.00 (250000) requested (above)',
      '**3 Apr 2026, 09:00 UTC**: **supplier** states:',
      '**4 Apr 2026, 10:00 UTC**: **supplier** escalates to arbitration: the \\*bags\\* were intact',
    ]);
    s.arbitration = { ...s.arbitration, escalatedBy: 'buyer', escalationReason: undefined };
    expect(caseFile(s)).toContain('**buyer** escalates to arbitration, giving no reason');
  });

  it('says that the negotiation lapsed, with how many offers, and which offer lapsed with it', () => {
    const s = inArbitration();
    s.offers = [
      {
        party: 'supplier',
        refundAmount: 100_000,
        offeredAt: '2026-04-02T08:00:00.000Z',
        status: 'superseded',
      },
      { party: 'buyer', refundAmount: 600_000, offeredAt: '2026-04-02T09:00:00.000Z', status: 'superseded' },
      {
        party: 'supplier',
        refundAmount: 300_000,
        offeredAt: '2026-04-03T09:00:00.000Z',
        status: 'superseded',
      },
    ];
    s.arbitration = {
      ...(s.arbitration ?? { openedAt: '', dueAt: '' }),
      overdue: false,
      cause: 'negotiation_lapsed',
    };
    expect(thread(caseFile(s))?.slice(1)).toEqual([
      "**2 Apr 2026, 08:00 UTC**: **supplier** offers a refund of USD 1,000.00 (100000): replaced by the buyer's offer",
      "**2 Apr 2026, 09:00 UTC**: **buyer** offers a refund of USD 6,000.00 (600000): replaced by the supplier's offer",
      '**3 Apr 2026, 09:00 UTC**: **supplier** offers a refund of USD 3,000.00 (300000): lapsed unaccepted when the negotiation ended',
      "**4 Apr 2026, 10:00 UTC**: the negotiation window (3 days) ends without agreement: the buyer did not accept the supplier's last offer (3 offers in all); the case goes to arbitration",
    ]);
    s.arbitration.cause = 'no_negotiation_window';
    expect(caseFile(s)).toContain(
      '**4 Apr 2026, 10:00 UTC**: the contract has no negotiation window: the case goes to arbitration at once',
    );
  });

  it('tells a non-delivery: the missed deadline opens the claim, a late delivery is reported', () => {
    const s = inArbitration();
    delete s.inspection;
    delete s.evaluation;
    s.offers = [];
    s.shipment = { carrier: 'Maersk', trackingNumber: 'MSKU1234565', shippedAt: '2026-03-19T08:00:00.000Z' };
    s.dispute = {
      kind: 'non_delivery',
      openedAt: '2026-04-01T00:00:00.000Z',
      claim: {
        reason: 'not_delivered',
        description: 'Not delivered by 1 Apr 2026, 00:00 UTC, the delivery deadline',
        requestedRefund: 1_250_000,
        evidence: [],
        filedAt: '2026-04-01T00:00:00.000Z',
        source: 'delivery_deadline',
        status: 'open',
      },
      lateDelivery: { deliveredAt: '2026-04-05T08:00:00.000Z', reportedAt: '2026-04-05T09:00:00.000Z' },
    };
    s.arbitration = {
      ...(s.arbitration ?? { openedAt: '', dueAt: '' }),
      overdue: false,
      cause: 'no_negotiation_window',
    };
    const md = caseFile(s);
    expect(md).toContain('### Dispute: not delivered, opened 1 Apr 2026, 00:00 UTC');
    expect(md).toContain(
      '**Requested refund USD 12,500.00 (1250000)**: opened when the delivery deadline passed 1 Apr 2026, 00:00 UTC; the claim is open.',
    );
    expect(thread(md)).toEqual([
      '**19 Mar 2026, 08:00 UTC**: **supplier** shipped with Maersk, tracking MSKU1234565',
      '**1 Apr 2026, 00:00 UTC**: no delivery by the deadline: a claim opens for the buyer: not delivered, refund of USD 12,500.00 (1250000) requested (above)',
      '**4 Apr 2026, 10:00 UTC**: the contract has no negotiation window: the case goes to arbitration at once',
      '**5 Apr 2026, 09:00 UTC**: delivery reported after the non-delivery dispute began: delivered 5 Apr 2026, 08:00 UTC',
    ]);
    expect(templates(md).map((t) => t.outcome)).toEqual(['refund', 'release']);
    expect(md).toContain('The claim asks for everything escrow covers, USD 12,500.00 (1250000)');
  });

  it('names who let an extension lapse, and shows evidence with its address and digest', () => {
    const s = inArbitration();
    s.extensions = [
      {
        extensionId: 'ext-1',
        party: 'buyer',
        deadline: 'negotiation',
        until: '2026-04-05T00:00:00.000Z',
        reason: 'lab backlog',
        status: 'expired',
        proposedAt: '2026-04-03T10:00:00.000Z',
        from: '2026-04-04T10:00:00.000Z',
      },
    ];
    s.timeline = [
      {
        at: '2026-04-04T10:00:00.000Z',
        event: 'extension_expired',
        detail: 'ext-1 (negotiation) was not answered in time',
      },
    ];
    const digest = 'ab'.repeat(32);
    s.dispute = {
      kind: 'quality',
      openedAt: '2026-04-01T10:00:00.000Z',
      statements: [
        {
          party: 'buyer',
          text: 'See the photos.',
          evidence: [{ uri: 'https://files.example/photo_1.jpg', sha256: digest, description: 'photo' }],
          at: '2026-04-02T09:00:00.000Z',
        },
      ],
    };
    const md = caseFile(s);
    expect(md).toContain(
      "**4 Apr 2026, 10:00 UTC**: the buyer's proposal to move the end of the negotiation window lapsed: the supplier did not answer it before the step ended",
    );
    expect(md).toContain(
      `- photo: [https://files.example/photo\\_1.jpg](https://files.example/photo_1.jpg), sha256 \`${digest}\``,
    );
  });
});

describe('the deadlines of the case file', () => {
  it('lists only the deadline running in the status, with its window in words', () => {
    const c = contract({ balanceDueBy: '2026-03-15T00:00:00Z', deposit: 250_000 });
    const base: OrderSnapshot = {
      ...inArbitration(c),
      funded: 250_000,
      escrowBalance: 250_000,
      outstanding: 1_000_000,
      deadlines: {
        fundBy: c.fundBy,
        shipBy: c.shipBy,
        deliverBy: '2026-05-19T00:00:00.000Z',
        balanceDueBy: '2026-03-15T00:00:00.000Z',
        inspectionEndsAt: '2026-03-31T00:00:00.000Z',
        negotiationEndsAt: '2026-04-04T00:00:00.000Z',
      },
    };
    const deadlines = (s: OrderSnapshot) =>
      (caseFile(s).split('### Deadlines\n')[1] ?? '').split('\n\n')[0]?.split('\n');
    expect(deadlines({ ...base, status: 'awaiting_shipment' })).toEqual([
      '- the supplier ships by 20 Mar 2026, 00:00 UTC',
      '- the balance of USD 10,000.00 (1000000) is due by 15 Mar 2026, 00:00 UTC',
    ]);
    expect(deadlines({ ...base, status: 'in_transit' })).toEqual([
      '- delivery is due by 19 May 2026, 00:00 UTC (transit window 60 days after shipment)',
      '- the balance of USD 10,000.00 (1000000) is due by 15 Mar 2026, 00:00 UTC',
    ]);
    expect(deadlines({ ...base, status: 'inspection', balanceOverdue: true })).toEqual([
      '- the inspection window (7 days) ends 31 Mar 2026, 00:00 UTC',
    ]);
    expect(deadlines({ ...base, status: 'negotiation', balanceOverdue: true })).toEqual([
      '- the negotiation window (3 days) ends 4 Apr 2026, 00:00 UTC',
    ]);
    expect(
      caseFile({ ...base, status: 'closed', outcome: 'released', reason: 'buyer_accepted' }),
    ).not.toContain('Deadlines');
  });
});

describe('case file: the supplier program', () => {
  it("names the supplier's program status and 12-month trade at the order's creation, and nothing for older orders", () => {
    const s = inArbitration();
    const file = caseFile(s, {
      status: 'qualified',
      asOf: '2026-03-02T09:30:00.000Z',
      last12Months: {
        transactions: 14,
        value: [
          { currency: 'EUR', amount: 250_000 },
          { currency: 'USD', amount: 12_345_600 },
        ],
      },
    });
    expect(file).toContain(
      '**Supplier program** at order creation (2 Mar 2026, 09:30 UTC): qualified; 14 transactions in the last 12 months (EUR 2,500.00, USD 123,456.00 paid to the supplier)',
    );
    expect(caseFile(s)).not.toContain('Supplier program');
  });
});

describe('the case file of a return (docs/spec.md#returns)', () => {
  const delivered = () => ({ ...inArbitration(), delivery: { deliveredAt: '2026-03-30T10:00:00.000Z' } });

  it('offers the refund that waits for the goods and the one that waives them', () => {
    const md = caseFile(delivered());
    expect(templates(md).filter((t) => t.outcome === 'refund')).toEqual([
      { outcome: 'refund', arbitrator: '', rationale: '' },
      { outcome: 'refund', returnGoods: false, arbitrator: '', rationale: '' },
    ]);
    expect(md).toContain('**Refund after the goods come back**: the buyer ships them back within 14 days');
    expect(
      ArbitrationDecisionSchema.safeParse({
        outcome: 'refund',
        returnGoods: false,
        arbitrator: 'a',
        rationale: 'r',
      }).success,
    ).toBe(true);
  });

  it('shows a contested return with the supplier’s evidence, and a refund without a second return', () => {
    const s: OrderSnapshot = {
      ...delivered(),
      arbitration: {
        openedAt: '2026-04-08T12:00:00.000Z',
        dueAt: '2026-04-13T12:00:00.000Z',
        overdue: false,
        cause: 'return_contested',
      },
      return: {
        requested: {
          at: '2026-04-05T10:00:00.000Z',
          by: 'supplier',
          reason: 'claim_accepted',
          memo: 'supplier accepted the claim',
        },
        shipment: { carrier: 'DHL', trackingNumber: 'JD01', shippedAt: '2026-04-06T10:00:00.000Z' },
        delivery: { deliveredAt: '2026-04-08T10:00:00.000Z' },
        receipt: {
          condition: 'wrong_item',
          evidence: [{ uri: 'https://files.example.com/r.jpg', description: 'a pallet of bricks' }],
          note: 'not our goods',
          receivedAt: '2026-04-08T12:00:00.000Z',
        },
        deadlines: { shipBy: '2026-04-19T10:00:00.000Z', deliverBy: '2026-06-05T10:00:00.000Z' },
      },
    };
    const md = caseFile(s);
    expect(md).toContain('### Return of the goods');
    expect(md).toContain('- shipped back on 6 Apr 2026, 10:00 UTC: DHL JD01');
    expect(md).toContain('- **the supplier received the wrong item** (8 Apr 2026, 12:00 UTC)');
    expect(md).toContain("Supplier's note: not our goods");
    expect(md).toContain('a pallet of bricks');
    expect(md).toContain('The supplier contests the return');
    expect(templates(md).filter((t) => t.outcome === 'refund')).toEqual([
      { outcome: 'refund', arbitrator: '', rationale: '' },
    ]);
    expect(md).toContain('this refund takes no second return');
  });

  it('heads a pending return with the step due next', () => {
    const s: OrderSnapshot = {
      ...delivered(),
      status: 'return_pending',
      deadlines: { ...delivered().deadlines, returnDueAt: '2026-04-19T10:00:00.000Z' },
      return: {
        requested: {
          at: '2026-04-05T10:00:00.000Z',
          by: 'arbitrator',
          reason: 'arbitration',
          memo: 'refund',
        },
        deadlines: { shipBy: '2026-04-19T10:00:00.000Z' },
      },
    };
    const md = caseFile(s);
    expect(md).toContain(
      '## Order PO-2026-0042: return_pending: the refund waits for the goods to come back, next step due by 19 Apr 2026, 10:00 UTC',
    );
    expect(md).toContain(
      '- the buyer ships the goods back by 19 Apr 2026, 10:00 UTC (return window 14 days)',
    );
    expect(templates(md)).toEqual([]);
  });
});

describe('the case file of money the rail took back and the commission', () => {
  it('shows a reversed payment and the commission a release paid', () => {
    const s: OrderSnapshot = {
      ...inArbitration(),
      status: 'closed',
      outcome: 'released',
      reason: 'arbitration',
      reversals: [
        {
          reference: 'wire-7',
          amount: 25_000,
          reason: 'returned_payment',
          reversedAt: '2026-04-06T08:00:00.000Z',
          recordedAt: '2026-04-06T08:00:01.000Z',
          idempotencyKey: 'PO-2026-0042:reversal:wire-7:1',
          transactionId: 't2',
        },
      ],
      payouts: [
        {
          kind: 'release',
          amount: 100_000,
          fee: 2_500,
          idempotencyKey: 'PO-2026-0042:release',
          transactionId: 't3',
          at: '2026-04-10T10:05:00.000Z',
        },
      ],
    };
    const md = caseFile(s);
    expect(md).toContain(
      '- release to the supplier: USD 1,000.00 (100000) on 10 Apr 2026, 10:05 UTC (ledger key PO-2026-0042:release), of which USD 25.00 (2500) commission to the marketplace',
    );
    expect(md).toContain('### Payments reversed by the rail');
    expect(md).toContain(
      '- USD 250.00 (25000) of payment wire-7 (returned payment) on 6 Apr 2026, 08:00 UTC',
    );
  });
});
