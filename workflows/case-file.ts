import { formatMoney } from './money.js';
import type { OrderSnapshot } from './order-state.js';

/**
 * The case file an arbitrator reads in the Temporal Web UI (the workflow's current details):
 * everything needed to decide without opening another tool.
 */
export function caseFile(s: OrderSnapshot): string {
  const c = s.contract;
  const money = (minor: number) => formatMoney(minor, c.currency);
  const covered = Math.min(s.funded, c.amount);
  const lines: string[] = [];
  lines.push(`## Order ${s.orderId}: ${s.status}${s.outcome ? ` (${s.outcome}, ${s.reason})` : ''}`);
  lines.push('');
  lines.push(`**Supplier** ${party(c.supplier)} → **Buyer** ${party(c.buyer)}`);
  lines.push('');
  lines.push(
    `**Amount** ${money(c.amount)} · **Deposit** ${money(c.deposit)} · **Funded** ${money(s.funded)} · **In escrow** ${money(s.escrowBalance)}`,
  );
  lines.push('');
  lines.push('### Deadlines');
  const d = s.deadlines;
  lines.push(`- fund by ${d.fundBy}`);
  lines.push(`- ship by ${d.shipBy}`);
  if (d.deliverBy) lines.push(`- deliver by ${d.deliverBy}`);
  if (d.inspectionEndsAt) lines.push(`- inspection ends ${d.inspectionEndsAt}`);
  if (d.negotiationEndsAt) lines.push(`- negotiation ends ${d.negotiationEndsAt}`);
  if (s.arbitration) {
    lines.push(`- **arbitration due ${s.arbitration.dueAt}${s.arbitration.overdue ? ' — OVERDUE' : ''}**`);
  }
  lines.push('');
  lines.push('### Contract terms');
  lines.push(`- quantity: ${c.quantity.ordered} ${c.quantity.unit}, tolerance ${c.quantity.tolerancePct}%`);
  for (const t of c.quality) {
    const bounds = [
      t.min !== undefined ? `min ${t.min}` : undefined,
      t.max !== undefined ? `max ${t.max}` : undefined,
      t.oneOf ? `one of ${t.oneOf.join(', ')}` : undefined,
    ].filter(Boolean);
    lines.push(
      `- ${t.attribute}: ${bounds.join(', ')}${t.unit ? ` ${t.unit}` : ''}${t.description ? ` — ${t.description}` : ''}`,
    );
  }
  if (s.shipment) {
    lines.push('');
    lines.push(
      `**Shipped** ${s.shipment.shippedAt} by ${s.shipment.carrier}, tracking ${s.shipment.trackingNumber}`,
    );
  }
  if (s.delivery) lines.push(`**Delivered** ${s.delivery.deliveredAt}`);
  if (s.dispute) {
    lines.push('');
    lines.push(
      `### Dispute: ${s.dispute.kind === 'quality' ? 'quality' : 'non-delivery'}, opened ${s.dispute.openedAt}`,
    );
  }
  if (s.inspection) {
    const r = s.inspection.report;
    lines.push('');
    lines.push(
      `### Inspection report (${s.inspection.submittedAt}${r.inspector ? `, by ${r.inspector}` : ''})`,
    );
    lines.push(`- received quantity: ${r.receivedQuantity} ${c.quantity.unit}`);
    for (const [attribute, value] of Object.entries(r.measurements)) lines.push(`- ${attribute}: ${value}`);
    for (const e of r.evidence) {
      lines.push(
        `- evidence: ${e.uri}${e.description ? ` — ${e.description}` : ''}${e.sha256 ? ` (sha256 ${e.sha256})` : ''}`,
      );
    }
    if (r.notes) lines.push(`- notes: ${r.notes}`);
  }
  if (s.evaluation) {
    const ev = s.evaluation;
    lines.push('');
    lines.push(
      `### Evaluation: ${ev.conforms ? 'conforms to the contract' : `${ev.violations.length} violation(s)`}`,
    );
    if (ev.violations.length > 0) {
      lines.push('| attribute | expected | actual |');
      lines.push('|---|---|---|');
      for (const v of ev.violations) {
        lines.push(`| ${v.attribute} | ${v.expected} | ${v.actual ?? '—'}${v.unit ? ` ${v.unit}` : ''} |`);
      }
    }
    if (ev.unmeasured.length > 0) lines.push(`Not measured: ${ev.unmeasured.join(', ')}`);
    if (ev.suggestedRefund > 0)
      lines.push(`**Suggested pro-rata refund for the shortfall: ${money(ev.suggestedRefund)}**`);
  }
  if (s.offers.length > 0) {
    lines.push('');
    lines.push('### Offers');
    for (const o of s.offers) lines.push(`- ${o.offeredAt}: refund ${money(o.refundAmount)} (${o.status})`);
  }
  if (s.decision) {
    lines.push('');
    lines.push(`### Decision by ${s.decision.arbitrator} (${s.decision.decidedAt}): ${s.decision.outcome}`);
    lines.push(s.decision.rationale);
  }
  if (s.status === 'arbitration' && covered > 0) {
    const split =
      s.evaluation?.suggestedRefund && s.evaluation.suggestedRefund < covered
        ? s.evaluation.suggestedRefund
        : Math.floor(covered / 2);
    lines.push('');
    lines.push('### Decide: Update `arbitrate` with one of');
    lines.push('```json');
    lines.push(JSON.stringify({ outcome: 'refund', arbitrator: 'your-id', rationale: 'why' }));
    lines.push(JSON.stringify({ outcome: 'release', arbitrator: 'your-id', rationale: 'why' }));
    lines.push(
      JSON.stringify({ outcome: 'split', refundAmount: split, arbitrator: 'your-id', rationale: 'why' }),
    );
    lines.push('```');
    lines.push(`A split refunds 1 to ${covered - 1} minor units and releases the rest of ${money(covered)}.`);
  }
  if (s.payouts.length > 0) {
    lines.push('');
    lines.push('### Payouts');
    for (const p of s.payouts) lines.push(`- ${p.kind}: ${money(p.amount)} (${p.idempotencyKey})`);
  }
  return lines.join('\n');
}

function party(p: { id: string; name?: string }): string {
  return p.name ? `${p.name} (${p.id})` : p.id;
}
