import type { Claim, OrderSnapshot } from '../model/state.js';
import { covered } from '../rules/money.js';
import { proRataRefund } from '../rules/quality.js';
import type { Evidence } from '../schemas/inspection-report.js';

/**
 * The dispute's part of the arbitrator's case file (docs/spec.md#the-case-file): the claim, both sides'
 * offers and statements with their evidence, the suggested refund with its formula, and the rubric. The
 * caller passes its Markdown helpers, so that everything a party typed is escaped the same way.
 */

export interface Markdown {
  block(...lines: string[]): void;
  money(minor: number): string;
  text(value: string): string;
  time(iso: string): string;
  link(e: Evidence): string;
}

const REASONS: Record<Claim['reason'], string> = {
  quality: 'quality',
  quantity: 'quantity',
  damaged: 'damaged goods',
  not_as_described: 'not as described',
  other: 'other',
  not_delivered: 'not delivered',
};

const SOURCES: Record<Claim['source'], string> = {
  buyer: 'filed by the buyer',
  inspection_report: 'opened by the inspection report',
  delivery_deadline: 'opened when the delivery deadline passed',
};

export function claimSection(s: OrderSnapshot, md: Markdown): void {
  const d = s.dispute;
  if (!d?.claim) return;
  const c = d.claim;
  md.block(
    `### Claim: ${REASONS[c.reason]} (${c.status}), ${SOURCES[c.source]} ${md.time(c.filedAt)}`,
    `**Requested refund ${md.money(c.requestedRefund)}** (\`refundAmount\` ${c.requestedRefund})`,
  );
  md.block(`> ${md.text(c.description)}`);
  // An automatic claim carries the report's evidence, which the report's section lists.
  if (c.source === 'inspection_report') md.block("Evidence: the inspection report's, below.");
  else evidenceList('Evidence with the claim', c.evidence, md);
  for (const earlier of d.earlierClaims ?? []) {
    md.block(
      `Earlier claim: ${REASONS[earlier.reason]} for ${md.money(earlier.requestedRefund)}, ${SOURCES[earlier.source]} ${md.time(earlier.filedAt)} (${earlier.status})`,
    );
  }
  if (d.lateDelivery) {
    md.block(
      `**Delivered after the dispute began:** delivered ${md.time(d.lateDelivery.deliveredAt)}, reported ${md.time(d.lateDelivery.reportedAt)}.`,
    );
  }
}

export function offersSection(s: OrderSnapshot, md: Markdown): void {
  if (s.offers.length === 0) return;
  md.block(
    '### Offers in the negotiation',
    ...s.offers.map(
      (o) =>
        `- ${md.time(o.offeredAt)}: ${o.party ?? 'supplier'} offers a refund of ${md.money(o.refundAmount)} (${o.status})`,
    ),
  );
}

export function statementsSection(s: OrderSnapshot, md: Markdown): void {
  const statements = s.dispute?.statements ?? [];
  if (statements.length === 0) return;
  md.block(`### Statements (${statements.length}, oldest first)`);
  for (const st of statements) {
    md.block(`**${st.party}**, ${md.time(st.at)}:`, `> ${md.text(st.text)}`);
    evidenceList(`Evidence of the ${st.party}`, st.evidence, md);
  }
}

function evidenceList(title: string, evidence: Evidence[], md: Markdown): void {
  if (evidence.length === 0) return;
  md.block(`${title}:`);
  md.block(...evidence.map((e) => `- ${md.link(e)}`));
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
    `**Suggested pro-rata refund for the quantity shortfall: ${md.money(refund)}** (\`refundAmount\` ${refund})`,
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

// Days at most: contracts and arbitrators count windows in days ("7 days", not "1 week").
const UNITS: [number, string][] = [
  [24 * 3600 * 1000, 'day'],
  [3600 * 1000, 'hour'],
  [60 * 1000, 'minute'],
  [1000, 'second'],
];

/** `P7D` → `7 days`, `PT36H` → `1 day 12 hours`, `PT0S` → `none`. */
export function inWords(ms: number): string {
  if (ms <= 0) return 'none';
  const parts: string[] = [];
  let left = ms;
  for (const [size, name] of UNITS) {
    const n = Math.floor(left / size);
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
    left -= n * size;
  }
  return parts.length > 0 ? parts.join(' ') : `${ms} ms`;
}
