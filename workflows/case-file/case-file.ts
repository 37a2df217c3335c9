import { allows, isOpen } from '../model/lifecycle.js';
import type { SupplierProgramSnapshot } from '../model/program.js';
import type { OrderSnapshot } from '../model/state.js';
import { covered, formatAmount, formatMoney } from '../rules/money.js';
import { returnWindows, whyNoReturn } from '../rules/returns.js';
import { DEFAULT_TRANSIT_WINDOW, type QualityTerm } from '../schemas/contract.js';
import { durationMs } from '../schemas/duration.js';
import {
  disputeSection,
  type Markdown,
  rubric,
  shortfallRefund,
  suggestionSection,
  threadSection,
} from './dispute.js';
import { evidenceLine, formatTime, inWords, partyLabel, text } from './format.js';
import { returnDeadlines, returnSection } from './returns.js';
import { supplierProgramSection } from './supplier-program.js';

/**
 * The case file an arbitrator reads in the Temporal Web UI (the workflow's current details):
 * everything needed to decide without opening another tool, in the order it is read — what is
 * disputed, the evaluation and the evidence, the contract, the dispute's story in one thread —
 * and, while the order waits for an arbitrator, the exact Update payloads to copy. Written anew at
 * every change of the order, so that each line is true of the order as it is: once decided, no
 * deadline runs and nothing is due.
 */
export function caseFile(s: OrderSnapshot, supplierProgram?: SupplierProgramSnapshot): string {
  const c = s.contract;
  const held = covered(s);
  const out: string[] = [];
  const block = (...lines: string[]) => out.push(...lines, '');
  const md: Markdown = {
    block,
    money: (minor) => formatAmount(minor, c.currency),
    text,
    time: formatTime,
    evidence: evidenceLine,
    window: (iso) => inWords(durationMs(iso)),
  };

  // Whenever the lifecycle takes a decision: the due date on top, the payloads to copy below.
  const deciding = allows('arbitrate', s.status);
  block(`## Order ${text(s.orderId)}: ${heading(s, deciding)}`);
  block(`**Supplier** ${partyLabel(c.supplier)} → **Buyer** ${partyLabel(c.buyer)}`);
  supplierProgramSection(supplierProgram, md);
  block(
    '| amount | deposit | funded | in escrow |',
    '|---|---|---|---|',
    `| ${md.money(c.amount)} | ${md.money(c.deposit)} | ${md.money(s.funded)} | ${md.money(s.escrowBalance)} |`,
  );
  if (s.outstanding > 0 && s.status !== 'awaiting_funding') {
    const due = s.deadlines.balanceDueBy;
    const when = !due
      ? ''
      : !isOpen(s.status)
        ? ` (it was due by ${formatTime(due)})`
        : s.balanceOverdue
          ? `, due by ${formatTime(due)}: overdue`
          : `, due by ${formatTime(due)}`;
    block(
      `**Outstanding: ${md.money(s.outstanding)} of the order amount ${isOpen(s.status) ? 'is unpaid' : 'was never paid'}**${when}. A release pays the supplier only what was funded.`,
    );
  }

  disputeSection(s, md);
  returnSection(s, md);
  if (s.evaluation) evaluation(s, md);
  if (s.inspection) inspectionReport(s, md);
  contractTerms(s, md);
  threadSection(s, md);
  if (deciding) rubric(md);
  if (deciding && held > 0) decide(s, held, md);
  if (s.decision) {
    const d = s.decision;
    block(
      `### Decision: ${d.outcome}${d.refundAmount !== undefined ? `, refund of ${md.money(d.refundAmount)} to the buyer` : ''}`,
      `By ${text(d.arbitrator)} on ${formatTime(d.decidedAt)}: ${text(d.rationale)}`,
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
          `- ${PAYOUTS[p.kind]}: ${md.money(p.amount)} on ${formatTime(p.at)} (ledger key ${text(p.idempotencyKey)})${p.fee ? `, of which ${md.money(p.fee)} commission to the marketplace` : ''}${p.kind === 'release' && s.outstanding > 0 ? `, ${md.money(s.outstanding)} outstanding never paid` : ''}`,
      ),
    );
  }
  if (s.reversals?.length) {
    block(
      '### Payments reversed by the rail',
      ...s.reversals.map(
        (r) =>
          `- ${md.money(r.amount)} of payment ${text(r.reference)} (${r.reason.replace('_', ' ')}) on ${formatTime(r.reversedAt)}`,
      ),
    );
  }
  deadlines(s, md);
  // Temporal UI 2.42 sizes the details frame from the body's scrollHeight, which leaves out the
  // margins of the first and last blocks: without a blank last paragraph the last line is hidden.
  out.push('\u00a0');
  return out.join('\n');
}

const PAYOUTS: Record<OrderSnapshot['payouts'][number]['kind'], string> = {
  refund: 'refund to the buyer',
  release: 'release to the supplier',
  excess_refund: 'what was paid beyond the order amount, back to the buyer',
  line_refund: 'refund that repays the buyer’s credit line',
};

function heading(s: OrderSnapshot, deciding: boolean): string {
  if (deciding && s.arbitration) {
    return s.arbitration.overdue
      ? `arbitration, **OVERDUE** since ${formatTime(s.arbitration.dueAt)}`
      : `arbitration, decision due by ${formatTime(s.arbitration.dueAt)}`;
  }
  if (s.status === 'return_pending' && s.deadlines.returnDueAt) {
    return `return_pending: the refund waits for the goods to come back, next step due by ${formatTime(s.deadlines.returnDueAt)}`;
  }
  if (s.status === 'settling') {
    return s.decision ? `settling: decided (${s.decision.outcome}), paying out` : 'settling: paying out';
  }
  return s.outcome ? `${s.status} (${s.outcome}, ${s.reason})` : s.status;
}

function evaluation(s: OrderSnapshot, md: Markdown) {
  const ev = s.evaluation;
  if (!ev) return;
  const count = ev.violations.length;
  md.block(
    `### Evaluation: ${ev.conforms ? 'conforms to the contract' : `${count} violation${count === 1 ? '' : 's'} of the contract`}`,
  );
  if (count > 0) {
    md.block(
      '| term | contract expects | inspection found |',
      '|---|---|---|',
      ...ev.violations.map(
        (v) =>
          `| ${text(v.attribute)} | ${text(v.expected)} | ${v.actual === null ? 'no readable value' : text(withUnit(String(v.actual), v.unit))} |`,
      ),
    );
  }
  if (ev.unmeasured.length > 0)
    md.block(`Not measured (neither passes nor fails): ${ev.unmeasured.map(text).join(', ')}`);
  suggestionSection(s, md);
}

function inspectionReport(s: OrderSnapshot, md: Markdown) {
  const report = s.inspection?.report;
  if (!s.inspection || !report) return;
  const c = s.contract;
  const by = report.inspector ? `, inspector ${text(report.inspector)}` : '';
  md.block(`### Inspection report (submitted ${formatTime(s.inspection.submittedAt)}${by})`);
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
  md.block('| measurement | value | contract |', '|---|---|---|', ...rows);
  if (report.evidence.length > 0) {
    md.block('Evidence:', '', ...report.evidence.map((e) => `- ${evidenceLine(e)}`));
  } else md.block('Evidence: none attached.');
  if (report.notes) md.block(`Notes: ${text(report.notes)}`);
}

function contractTerms(s: OrderSnapshot, md: Markdown) {
  const c = s.contract;
  const rows = [
    `| quantity | ${text(withUnit(String(c.quantity.ordered), c.quantity.unit))}, tolerance ${c.quantity.tolerancePct}% | |`,
    ...c.quality.map(
      (t) =>
        `| ${text(t.attribute)} | ${text(requirement(t))} | ${t.description ? text(t.description) : ''} |`,
    ),
  ];
  md.block('### Contract terms', '| term | requirement | description |', '|---|---|---|', ...rows);
}

/**
 * The copy-ready decisions. Each payload is a code block of its own, one line of JSON, with
 * `arbitrator` and `rationale` left empty: pasted unedited, the validator refuses it and says what
 * to fill in. The split is what the claim asks for (the rubric's "near the requested refund"), and
 * the pro-rata refund of a shortfall beside it; never an amount no one asked for.
 */
function decide(s: OrderSnapshot, held: number, md: Markdown) {
  const payload = (decision: Record<string, unknown>) => [
    '```json',
    JSON.stringify({ ...decision, arbitrator: '', rationale: '' }),
    '```',
  ];
  const excess = s.funded - held;
  md.block(
    '### Decide',
    'Copy ONE payload below (a triple click selects its line, Ctrl+C copies it). Then open the **History** tab ' +
      '(while this tab is open, the Web UI takes every R you type for "refresh"), **More Actions → Send an Update**, Name ' +
      '**arbitrate** (the first in the list), paste the payload into Data, type your id between the quotes of ' +
      '`arbitrator` and why between those of `rationale`, **Submit**. A refused decision shows the reason in the ' +
      'dialog and changes nothing.',
  );
  const returned = whyNoReturn(s) === undefined;
  md.block(
    returned
      ? `**Refund after the goods come back**: the buyer ships them back within ${md.window(returnWindows(s.contract).window)}; once the supplier confirms them as sent, the buyer gets back everything in escrow, ${md.money(s.funded)}.`
      : `**Refund**: the buyer gets back everything in escrow, ${md.money(s.funded)}${s.return ? ', at once: the goods came back once already, this refund takes no second return' : ''}.`,
    ...payload({ outcome: 'refund' }),
  );
  if (returned) {
    md.block(
      `**Refund, the buyer keeps the goods**: everything in escrow, ${md.money(s.funded)}, back to the buyer at once.`,
      ...payload({ outcome: 'refund', returnGoods: false }),
    );
  }
  md.block(
    `**Release**: the supplier gets ${md.money(held)}${excess > 0 ? `, and the buyer the ${md.money(excess)} paid beyond the order amount` : ''}.`,
    ...payload({ outcome: 'release' }),
  );
  if (held < 2) return;
  const split = (refund: number, why: string) =>
    md.block(
      `**Split at ${why}**: the buyer gets ${md.money(refund)}, the supplier ${md.money(held - refund)}.`,
      ...payload({ outcome: 'split', refundAmount: refund }),
    );
  const claim = s.dispute?.claim;
  const requested = claim ? Math.min(claim.requestedRefund, held) : undefined;
  if (requested !== undefined && requested >= 1 && requested < held)
    split(requested, "the claim's requested refund");
  else if (requested !== undefined && requested >= held) {
    md.block(
      `The claim asks for everything escrow covers, ${md.money(held)}: to grant it, use the **Refund** above (a split refunds less than all).`,
    );
  }
  const shortfall = shortfallRefund(s);
  if (shortfall !== undefined && shortfall >= 1 && shortfall < held && shortfall !== requested) {
    split(shortfall, 'the pro-rata refund of the quantity shortfall');
  }
  md.block(
    `A split at another amount: \`refundAmount\` in minor units, 1 to ${held - 1} (${formatMoney(1, s.contract.currency)} to ${formatMoney(held - 1, s.contract.currency)}).`,
  );
}

/**
 * The deadlines still running, each with its window in words; none once the order is decided.
 * The contract's windows, running or not, are in the order's Details (summary.ts).
 */
function deadlines(s: OrderSnapshot, md: Markdown) {
  if (!isOpen(s.status)) return;
  const d = s.deadlines;
  const c = s.contract;
  const lines: string[] = [];
  switch (s.status) {
    case 'awaiting_funding':
      lines.push(`- the deposit of ${md.money(c.deposit)} is due by ${formatTime(d.fundBy)}`);
      break;
    case 'awaiting_shipment':
      lines.push(`- the supplier ships by ${formatTime(d.shipBy)}`);
      break;
    case 'in_transit':
      if (d.deliverBy) {
        const window = c.deliverBy
          ? ''
          : ` (transit window ${md.window(c.transitWindow ?? DEFAULT_TRANSIT_WINDOW)} after shipment)`;
        lines.push(`- delivery is due by ${formatTime(d.deliverBy)}${window}`);
      }
      break;
    case 'inspection':
      if (d.inspectionEndsAt) {
        lines.push(
          `- the inspection window (${md.window(c.inspectionWindow)}) ends ${formatTime(d.inspectionEndsAt)}`,
        );
      }
      break;
    case 'negotiation':
      if (d.negotiationEndsAt) {
        lines.push(
          `- the negotiation window (${md.window(c.negotiationWindow)}) ends ${formatTime(d.negotiationEndsAt)}`,
        );
      }
      break;
    case 'arbitration':
      if (s.arbitration) {
        lines.push(
          s.arbitration.overdue
            ? `- the decision was due by ${formatTime(s.arbitration.dueAt)} (arbitration SLA ${md.window(c.arbitrationSla)}): **OVERDUE**`
            : `- the decision is due by ${formatTime(s.arbitration.dueAt)} (arbitration SLA ${md.window(c.arbitrationSla)})`,
        );
      }
      break;
    case 'return_pending':
      if (s.return) lines.push(...returnDeadlines(s, md));
      break;
  }
  if (d.balanceDueBy && s.outstanding > 0 && !s.balanceOverdue && s.status !== 'awaiting_funding') {
    lines.push(`- the balance of ${md.money(s.outstanding)} is due by ${formatTime(d.balanceDueBy)}`);
  }
  if (lines.length > 0) md.block('### Deadlines', ...lines);
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
