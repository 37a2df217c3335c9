import type { Claim, Extension, Offer, OrderSnapshot } from '../model/state.js';
import { covered } from '../rules/money.js';
import { proRataRefund } from '../rules/quality.js';
import type { Party } from '../schemas/commands.js';
import type { Evidence } from '../schemas/inspection-report.js';

/**
 * The dispute's part of the arbitrator's case file (docs/spec.md#the-case-file): what is claimed,
 * the story of the dispute in one dated thread, the suggested refund with its formula, and the
 * rubric. The caller passes its Markdown helpers, so that everything a party typed is escaped the
 * same way.
 */

export interface Markdown {
  block(...lines: string[]): void;
  /** An amount in the currency, beside its minor units: `USD 625.00 (62500)`. */
  money(minor: number): string;
  text(value: string): string;
  time(iso: string): string;
  evidence(e: Evidence): string;
  /** An ISO 8601 duration in words: `P3D` → `3 days`. */
  window(iso: string): string;
}

/** A claim's reason as people say it: the dispute's heading, the thread, the ledger memo. */
export const CLAIM_LABELS: Record<Claim['reason'], string> = {
  quality: 'quality',
  quantity: 'quantity',
  damaged: 'damaged goods',
  not_as_described: 'not as described',
  other: 'other',
  not_delivered: 'not delivered',
};

const STATUSES: Record<Claim['status'], string> = {
  open: 'open',
  accepted: 'accepted by the supplier',
  settled: 'settled by an accepted offer',
  withdrawn: 'withdrawn by the buyer',
  decided: 'decided by the arbitrator',
  superseded: 'superseded by the late delivery',
};

/** What is disputed, on top: the claim's reason in the heading, its amount, words and evidence. */
export function disputeSection(s: OrderSnapshot, md: Markdown): void {
  const d = s.dispute;
  if (!d) return;
  const c = d.claim;
  const what = c ? CLAIM_LABELS[c.reason] : d.kind === 'quality' ? 'quality' : 'non-delivery';
  md.block(`### Dispute: ${what}, opened ${md.time(d.openedAt)}`);
  if (!c) return;
  md.block(
    `**Requested refund ${md.money(c.requestedRefund)}**: ${claimant(c)} ${md.time(c.filedAt)}; the claim is ${STATUSES[c.status]}.`,
  );
  md.block(`> ${md.text(c.description)}`);
  // An automatic claim carries the report's evidence, which the report's section lists.
  if (c.source === 'inspection_report') md.block("Evidence: the inspection report's, below.");
  // The Web UI's Markdown starts a list only after a blank line.
  else if (c.evidence.length > 0) md.block('Evidence with the claim:', '', ...evidenceList(c.evidence, md));
  else md.block('Evidence with the claim: none.');
}

function claimant(c: Claim): string {
  switch (c.source) {
    case 'buyer':
      return 'filed by the buyer';
    case 'inspection_report':
      return 'opened by the inspection report';
    case 'delivery_deadline':
      return 'opened when the delivery deadline passed';
  }
}

function evidenceList(evidence: Evidence[], md: Markdown): string[] {
  return evidence.map((e) => `- ${md.evidence(e)}`);
}

interface Entry {
  at: string;
  /** The first line, after the time. */
  what: string;
  /** Blocks under it (a quote, the evidence), each of its lines. */
  more?: string[][];
}

const DEADLINE_LABELS: Record<Extension['deadline'], string> = {
  shipBy: 'the ship-by date',
  deliverBy: 'the delivery date',
  inspection: 'the end of the inspection window',
  negotiation: 'the end of the negotiation window',
};

const other = (p: Party): Party => (p === 'buyer' ? 'supplier' : 'buyer');

/**
 * The dispute's story in one thread, oldest first: shipment and delivery, the report, every claim,
 * offer, statement and extension, how the case came to arbitration and what lapsed on the way,
 * each with its time and the party it came from.
 */
export function threadSection(s: OrderSnapshot, md: Markdown): void {
  const entries: Entry[] = [];
  const add = (at: string | undefined, what: string, more?: string[][]) => {
    if (at) entries.push({ at, what, ...(more && more.length > 0 && { more }) });
  };
  const d = s.dispute;

  if (s.shipment) {
    add(
      s.shipment.shippedAt,
      `**supplier** shipped with ${md.text(s.shipment.carrier)}, tracking ${md.text(s.shipment.trackingNumber)}`,
    );
  }
  if (s.delivery) add(s.delivery.deliveredAt, 'delivered');
  if (s.inspection) {
    const ev = s.evaluation;
    const by = s.inspection.report.inspector ? ` (inspector ${md.text(s.inspection.report.inspector)})` : '';
    const found = !ev
      ? ''
      : ev.conforms
        ? ': conforms to the contract'
        : `: ${ev.violations.length} violation${ev.violations.length === 1 ? '' : 's'} of the contract (below)`;
    add(s.inspection.submittedAt, `**buyer** submits the inspection report${by}${found}`);
  }
  for (const c of [...(d?.earlierClaims ?? []), ...(d?.claim ? [d.claim] : [])]) {
    const current = c === d?.claim;
    const opened =
      c.source === 'buyer'
        ? '**buyer** files a claim'
        : c.source === 'inspection_report'
          ? 'the inspection report opens a claim for the buyer'
          : 'no delivery by the deadline: a claim opens for the buyer';
    add(
      c.filedAt,
      `${opened}: ${CLAIM_LABELS[c.reason]}, refund of ${md.money(c.requestedRefund)} requested${current ? ' (above)' : `, ${STATUSES[c.status]}`}`,
      current ? undefined : [[`> ${md.text(c.description)}`]],
    );
  }
  if (d?.lateDelivery) {
    add(
      d.lateDelivery.reportedAt,
      `delivery reported after the non-delivery dispute began: delivered ${md.time(d.lateDelivery.deliveredAt)}`,
    );
  }
  s.offers.forEach((o, i) => {
    add(o.offeredAt, offerLine(s, o, i, md));
  });
  for (const st of d?.statements ?? []) {
    const evidence = st.evidence.length > 0 ? [['Evidence:'], evidenceList(st.evidence, md)] : [];
    add(st.at, `**${st.party}** states:`, [[`> ${md.text(st.text)}`], ...evidence]);
  }
  for (const e of s.extensions) {
    add(
      e.proposedAt,
      `**${e.party}** proposes to move ${DEADLINE_LABELS[e.deadline]} from ${md.time(e.from)} to ${md.time(e.until)}: ${md.text(e.reason)}`,
    );
    if (e.status === 'accepted' || e.status === 'rejected') {
      add(
        e.answeredAt,
        `**${other(e.party)}** ${e.status === 'accepted' ? 'accepts' : 'rejects'} the ${e.party}'s proposal to move ${DEADLINE_LABELS[e.deadline]} to ${md.time(e.until)}`,
      );
    }
    if (e.status === 'expired') {
      const expired = s.timeline.find(
        (t) => t.event === 'extension_expired' && t.detail?.startsWith(`${e.extensionId} `),
      );
      add(
        expired?.at,
        `the ${e.party}'s proposal to move ${DEADLINE_LABELS[e.deadline]} lapsed: the ${other(e.party)} did not answer it before the step ended`,
      );
    }
  }
  if (s.arbitration) add(s.arbitration.openedAt, arbitrationOpened(s, md));
  const overdue = s.timeline.find((t) => t.event === 'arbitration_overdue');
  if (overdue && s.arbitration) {
    add(
      overdue.at,
      `no decision by the due date, ${md.time(s.arbitration.dueAt)}: the arbitrators were notified`,
    );
  }

  if (entries.length === 0) return;
  // Stable: what happened at the same moment stays in the order above (a report before its claim).
  entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  // Paragraphs, not a list: the Web UI's Markdown ends a list item at a blank line, quote or not.
  md.block('### What happened, oldest first');
  for (const e of entries) {
    md.block(`**${md.time(e.at)}**: ${e.what}`);
    for (const lines of e.more ?? []) md.block(...lines);
  }
}

function offerLine(s: OrderSnapshot, o: Offer, i: number, md: Markdown): string {
  const party = o.party ?? 'supplier';
  const later = s.offers[i + 1];
  const fate =
    o.status === 'accepted'
      ? `: accepted by the ${other(party)}`
      : o.status === 'open'
        ? `: open, for the ${other(party)} to accept`
        : later
          ? `: replaced by the ${later.party ?? 'supplier'}'s offer`
          : ': lapsed unaccepted when the negotiation ended';
  return `**${party}** offers a refund of ${md.money(o.refundAmount)}${fate}`;
}

function arbitrationOpened(s: OrderSnapshot, md: Markdown): string {
  const a = s.arbitration;
  if (!a) return '';
  const extended = s.extensions.some((e) => e.deadline === 'negotiation' && e.status === 'accepted');
  const window = extended ? 'extended by agreement' : md.window(s.contract.negotiationWindow);
  const offers = s.offers.length;
  switch (a.cause) {
    case 'escalated':
      return `**${a.escalatedBy ?? 'a party'}** escalates to arbitration${a.escalationReason ? `: ${md.text(a.escalationReason)}` : ', giving no reason'}`;
    case 'negotiation_lapsed': {
      const last = s.offers.at(-1);
      const by = last?.party ?? 'supplier';
      const why = last
        ? `the ${other(by)} did not accept the ${by}'s last offer (${offers} offer${offers === 1 ? '' : 's'} in all)`
        : 'neither party made an offer';
      return `the negotiation window (${window}) ends without agreement: ${why}; the case goes to arbitration`;
    }
    case 'no_negotiation_window':
      return 'the contract has no negotiation window: the case goes to arbitration at once';
    default:
      return 'the case goes to arbitration';
  }
}

/**
 * The refund the case file suggests for a quantity shortfall beyond tolerance: its pro-rata share
 * of what escrow covers, which `arbitrate` can pay. (The evaluation's `suggestedRefund` is the
 * same share of the contract amount.) Undefined without such a shortfall.
 */
export function shortfallRefund(s: OrderSnapshot): number | undefined {
  const q = s.evaluation?.quantity;
  if (!q || q.withinTolerance || q.shortfall <= 0 || q.ordered <= 0) return undefined;
  return proRataRefund(covered(s), q);
}

export function suggestionSection(s: OrderSnapshot, md: Markdown): void {
  const q = s.evaluation?.quantity;
  const refund = shortfallRefund(s);
  if (!q || refund === undefined) return;
  const unit = q.unit ? ` ${q.unit}` : '';
  md.block(
    `**Suggested pro-rata refund for the quantity shortfall: ${md.money(refund)}**`,
    `= floor(covered × shortfall / ordered) = floor(${md.money(covered(s))} × ${q.shortfall}${unit} / ${q.ordered}${unit}), on what escrow covers rather than the contract amount, so that \`arbitrate\` can pay it`,
  );
}

export function rubric(md: Markdown): void {
  md.block(
    '### How to decide',
    '- No proof of shipment or of delivery → **refund**.',
    '- Quantity short beyond the tolerance → **split** at the suggested pro-rata refund.',
    '- A quality violation → **refund** when the evidence shows the goods unusable; a **split** near the ' +
      'requested refund when they are usable at a discount; **release** when the evidence does not support the claim.',
  );
  md.block(
    'Decide with the **arbitrate** Update only. Never **Reset** or **Terminate** an order: a Reset replays ' +
      'it from an earlier point and a Terminate leaves the money in escrow with no one to pay it out.',
  );
}
