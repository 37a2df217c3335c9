import { allows } from '../model/lifecycle.js';
import type { OrderSnapshot } from '../model/state.js';
import { covered, formatMoney } from '../rules/money.js';
import type { QualityTerm } from '../schemas/contract.js';
import { durationMs } from '../schemas/duration.js';
import type { Evidence } from '../schemas/inspection-report.js';
import {
  claimSection,
  inWords,
  type Markdown,
  offersSection,
  rubric,
  shortfallRefund,
  statementsSection,
  suggestionSection,
} from './dispute.js';

/**
 * The case file an arbitrator reads in the Temporal Web UI (the workflow's current details):
 * everything needed to decide without opening another tool, in the order it is read — what is
 * disputed, the evidence, the contract, the negotiation — and, while the order waits for an
 * arbitrator, the exact Update payloads to paste.
 */
export function caseFile(s: OrderSnapshot): string {
  const c = s.contract;
  const money = (minor: number) => formatMoney(minor, c.currency);
  const held = covered(s);
  const out: string[] = [];
  const block = (...lines: string[]) => out.push(...lines, '');
  const md: Markdown = { block, money, text, time: formatTime, link: evidenceLink };

  const state = s.outcome ? `${s.status} (${s.outcome}, ${s.reason})` : s.status;
  // Whenever the lifecycle takes a decision: the due date on top, the payloads to paste below.
  const deciding = allows('arbitrate', s.status);
  const due = deciding && s.arbitration ? arbitrationDue(s.arbitration) : '';
  block(`## Order ${text(s.orderId)}: ${state}${due}`);
  block(`**Supplier** ${partyLabel(c.supplier)} → **Buyer** ${partyLabel(c.buyer)}`);
  block(
    '| amount | deposit | funded | in escrow |',
    '|---|---|---|---|',
    `| ${money(c.amount)} | ${money(c.deposit)} | ${money(s.funded)} | ${money(s.escrowBalance)} |`,
  );
  if (s.outstanding > 0 && s.status !== 'awaiting_funding') {
    const due = s.deadlines.balanceDueBy ? `, due by ${formatTime(s.deadlines.balanceDueBy)}` : '';
    block(
      `**Outstanding: ${money(s.outstanding)} of the order amount was never paid**${due}${s.balanceOverdue ? ' (overdue)' : ''}. A release pays the supplier only what was funded.`,
    );
  }

  if (s.dispute) {
    const kind = s.dispute.kind === 'quality' ? 'quality' : 'non-delivery';
    block(`### Dispute: ${kind}, opened ${formatTime(s.dispute.openedAt)}`);
    claimSection(s, md);
  }
  if (s.evaluation) {
    const ev = s.evaluation;
    const count = ev.violations.length;
    block(
      `### Evaluation: ${ev.conforms ? 'conforms to the contract' : `${count} violation${count === 1 ? '' : 's'} of the contract`}`,
    );
    if (count > 0) {
      block(
        '| term | contract expects | inspection found |',
        '|---|---|---|',
        ...ev.violations.map(
          (v) =>
            `| ${text(v.attribute)} | ${text(v.expected)} | ${v.actual === null ? 'no readable value' : text(withUnit(String(v.actual), v.unit))} |`,
        ),
      );
    }
    if (ev.unmeasured.length > 0)
      block(`Not measured (neither passes nor fails): ${ev.unmeasured.map(text).join(', ')}`);
    suggestionSection(s, md);
  }
  if (s.inspection) inspectionReport(s, block);
  contractTerms(s, block);
  offersSection(s, md);
  statementsSection(s, md);
  if (deciding) rubric(md);
  if (deciding && held > 0) decide(s, held, money, block);
  if (s.decision) {
    const d = s.decision;
    block(
      `### Decision: ${d.outcome}${d.refundAmount !== undefined ? ` (refund ${money(d.refundAmount)})` : ''}`,
      `By ${text(d.arbitrator)} at ${formatTime(d.decidedAt)}: ${text(d.rationale)}`,
    );
    // "By" is what the arbitrator typed; this is the caller Temporal recorded (decision-sender.ts).
    if (d.sentBy !== undefined) {
      block(
        d.sentBy
          ? `Sent by ${text(d.sentBy)}, as Temporal recorded the caller.`
          : 'Sent by a caller that declared no identity to Temporal (the Web UI declares none).',
      );
    }
  }
  if (s.payouts.length > 0) {
    block(
      '### Payouts',
      ...s.payouts.map(
        (p) =>
          `- ${p.kind.replace('_', ' ')}: ${money(p.amount)} (ledger key ${text(p.idempotencyKey)})${p.kind === 'release' && s.outstanding > 0 ? `, ${money(s.outstanding)} outstanding never paid` : ''}`,
      ),
    );
  }
  if (s.extensions.length > 0) {
    block(
      '### Extensions of deadlines',
      ...s.extensions.map(
        (e) =>
          `- ${formatTime(e.proposedAt)}: ${e.party} proposes ${e.deadline} until ${formatTime(e.until)} (was ${formatTime(e.from)}): ${text(e.reason)} (${e.status})`,
      ),
    );
  }
  deadlines(s, block);
  // Temporal UI 2.42 sizes the details frame from the body's scrollHeight, which leaves out the
  // margins of the first and last blocks: without a blank last paragraph the last line is hidden.
  out.push('\u00a0');
  return out.join('\n');
}

type Block = (...lines: string[]) => void;

function arbitrationDue(a: NonNullable<OrderSnapshot['arbitration']>): string {
  return a.overdue
    ? `, **OVERDUE** since ${formatTime(a.dueAt)}`
    : `, decision due by ${formatTime(a.dueAt)}`;
}

function inspectionReport(s: OrderSnapshot, block: Block) {
  const report = s.inspection?.report;
  if (!s.inspection || !report) return;
  const c = s.contract;
  const by = report.inspector ? `, inspector ${text(report.inspector)}` : '';
  block(`### Inspection report (submitted ${formatTime(s.inspection.submittedAt)}${by})`);
  const rows = [
    `| received quantity | ${text(withUnit(String(report.receivedQuantity), c.quantity.unit))} | ${text(withUnit(String(c.quantity.ordered), c.quantity.unit))} ordered, ${c.quantity.tolerancePct}% tolerance |`,
  ];
  for (const [attribute, value] of Object.entries(report.measurements)) {
    const term = c.quality.find((t) => sameName(t.attribute, attribute));
    const measured = typeof value === 'number' ? withUnit(String(value), term?.unit) : value;
    rows.push(
      `| ${text(attribute)} | ${text(measured)} | ${term ? text(requirement(term)) : 'not in the contract'} |`,
    );
  }
  block('| measurement | value | contract |', '|---|---|---|', ...rows);
  if (report.evidence.length > 0) {
    block('Evidence:');
    block(...report.evidence.map((e) => `- ${evidenceLink(e)}`));
  } else block('Evidence: none attached.');
  if (report.notes) block(`Notes: ${text(report.notes)}`);
}

function contractTerms(s: OrderSnapshot, block: Block) {
  const c = s.contract;
  const rows = [
    `| quantity | ${text(withUnit(String(c.quantity.ordered), c.quantity.unit))}, tolerance ${c.quantity.tolerancePct}% | |`,
    ...c.quality.map(
      (t) =>
        `| ${text(t.attribute)} | ${text(requirement(t))} | ${t.description ? text(t.description) : ''} |`,
    ),
  ];
  block('### Contract terms', '| term | requirement | description |', '|---|---|---|', ...rows);
  if (s.shipment || s.delivery) {
    const lines: string[] = [];
    if (s.shipment) {
      lines.push(
        `- shipped ${formatTime(s.shipment.shippedAt)} by ${text(s.shipment.carrier)}, tracking ${text(s.shipment.trackingNumber)}`,
      );
    }
    if (s.delivery) lines.push(`- delivered ${formatTime(s.delivery.deliveredAt)}`);
    block('### Shipment', ...lines);
  }
}

function decide(s: OrderSnapshot, covered: number, money: (minor: number) => string, block: Block) {
  // Empty arbitrator and rationale: pasted unedited, the validator refuses it and says what to fill in.
  const payload = (decision: Record<string, unknown>) => [
    '```json',
    JSON.stringify({ ...decision, arbitrator: '', rationale: '' }),
    '```',
  ];
  block(
    '### Decide',
    'In this page: **More Actions → Send an Update**, Name **arbitrate**, paste ONE of these objects as Data, ' +
      'fill in `arbitrator` (your id) and `rationale` (why), then **Submit**. ' +
      'A refused decision shows the reason in the dialog and changes nothing.',
  );
  block(`Refund the buyer everything in escrow (${money(s.funded)}):`, ...payload({ outcome: 'refund' }));
  block(`Release ${money(covered)} to the supplier:`, ...payload({ outcome: 'release' }));
  if (covered < 2) return;
  const suggested = shortfallRefund(s) ?? 0;
  const useSuggested = suggested > 0 && suggested < covered;
  const split = useSuggested ? suggested : Math.floor(covered / 2);
  block(
    `Split: refund ${money(split)} to the buyer (${useSuggested ? 'the suggested refund' : 'half'}) and release ${money(covered - split)} to the supplier:`,
    ...payload({ outcome: 'split', refundAmount: split }),
  );
  block(
    `\`refundAmount\` is in minor units: a split refunds 1 to ${covered - 1} (${money(1)} to ${money(covered - 1)}).`,
  );
}

function deadlines(s: OrderSnapshot, block: Block) {
  const d = s.deadlines;
  const c = s.contract;
  const window = (iso: string) => inWords(durationMs(iso));
  block(
    '### Deadlines',
    `- windows: inspection ${window(c.inspectionWindow)}, negotiation ${window(c.negotiationWindow)}, arbitration ${window(c.arbitrationSla)}`,
    `- fund by ${formatTime(d.fundBy)}`,
    `- ship by ${formatTime(d.shipBy)}`,
    ...(d.deliverBy ? [`- deliver by ${formatTime(d.deliverBy)}`] : []),
    ...(d.inspectionEndsAt ? [`- inspection ends ${formatTime(d.inspectionEndsAt)}`] : []),
    ...(d.negotiationEndsAt ? [`- negotiation ends ${formatTime(d.negotiationEndsAt)}`] : []),
    ...(s.arbitration
      ? [
          `- arbitration decision due ${formatTime(s.arbitration.dueAt)}${s.arbitration.overdue ? ' (overdue)' : ''}`,
        ]
      : []),
  );
}

function requirement(t: QualityTerm): string {
  const bounds = [
    t.min !== undefined ? `min ${t.min}` : undefined,
    t.max !== undefined ? `max ${t.max}` : undefined,
    t.oneOf ? `one of ${t.oneOf.join(', ')}` : undefined,
  ].filter((b) => b !== undefined);
  return withUnit(bounds.join(', '), t.unit);
}

function withUnit(value: string, unit: string | undefined): string {
  return unit ? `${value} ${unit}` : value;
}

function sameName(a: string, b: string): boolean {
  return a === b || a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** `2026-11-25T21:43:38.015Z` as `2026-11-25 21:43:38 UTC`: what the Web UI shows with its UTC setting. */
export function formatTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : text(iso);
}

export function partyLabel(p: { id: string; name?: string }): string {
  return p.name ? `${text(p.name)} (${text(p.id)})` : text(p.id);
}

/**
 * Text from the parties, rendered as literal text: the UI renders the case file as Markdown with
 * raw HTML, so a supplier's name or a buyer's note must not be able to add links, tables, headings
 * or a fake decision block to what the arbitrator reads.
 */
export function text(value: string): string {
  return value
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\`*_[\]<>|~]/g, '\\$&');
}

function evidenceLink(e: Evidence): string {
  const digest = e.sha256 ? ` (sha256 ${e.sha256})` : '';
  return `[${text(e.description ?? e.uri)}](${linkTarget(e.uri)})${digest}`;
}

/** A URL the schema already accepted, made safe inside `(...)` of a Markdown link. */
function linkTarget(uri: string): string {
  return uri.replace(
    /[\s()<>"'`\\]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}
