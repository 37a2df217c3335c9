import type { OrderSnapshot } from '../model/state.js';
import { returnWindows } from '../rules/returns.js';
import { DEFAULT_TRANSIT_WINDOW } from '../schemas/contract.js';
import type { Markdown } from './dispute.js';

const CONDITIONS: Record<NonNullable<NonNullable<OrderSnapshot['return']>['receipt']>['condition'], string> =
  {
    as_sent: 'as sent',
    damaged: 'damaged',
    missing_items: 'items missing',
    wrong_item: 'the wrong item',
    empty: 'an empty package',
  };

/**
 * The return a full refund waited for (docs/spec.md#returns): who asked for it, each step with its
 * time, and the supplier's receipt with its evidence, which is what a contested return is decided on.
 */
export function returnSection(s: OrderSnapshot, md: Markdown): void {
  const r = s.return;
  if (!r) return;
  const lines = [
    `- refund decided on ${md.time(r.requested.at)} by the ${r.requested.by === 'supplier' ? 'supplier accepting the claim' : 'arbitrator'}: ${md.text(r.requested.memo)}`,
    r.shipment
      ? `- shipped back on ${md.time(r.shipment.shippedAt)}: ${md.text(r.shipment.carrier)} ${md.text(r.shipment.trackingNumber)}`
      : `- not shipped back${s.status === 'return_pending' ? ' yet' : ''} (due by ${md.time(r.deadlines.shipBy)})`,
  ];
  if (r.shipment) {
    lines.push(
      r.delivery
        ? `- delivered to the supplier on ${md.time(r.delivery.deliveredAt)}`
        : `- not delivered to the supplier${s.status === 'return_pending' ? ' yet' : ''} (due by ${md.time(r.deadlines.deliverBy ?? r.shipment.shippedAt)})`,
    );
  }
  if (r.receipt) {
    lines.push(
      `- **the supplier received ${CONDITIONS[r.receipt.condition]}** (${md.time(r.receipt.receivedAt)})`,
    );
  }
  md.block('### Return of the goods', ...lines);
  if (r.receipt) {
    if (r.receipt.note) md.block(`Supplier's note: ${md.text(r.receipt.note)}`);
    md.block(
      ...(r.receipt.evidence.length > 0
        ? [
            "Supplier's evidence of what came back:",
            '',
            ...r.receipt.evidence.map((e) => `- ${md.evidence(e)}`),
          ]
        : ["Supplier's evidence of what came back: none attached."]),
    );
  }
  const first = r.requested.decision;
  if (first) {
    md.block(
      `The decision that asked for the return: ${first.outcome} by ${md.text(first.arbitrator)} on ${md.time(first.decidedAt)}: ${md.text(first.rationale)}`,
    );
  }
  if (s.status === 'arbitration') {
    md.block(
      r.receipt
        ? 'The supplier contests the return: a **refund** now pays the buyer at once (no second return); a **release** or a **split** weighs what came back.'
        : 'The return never reached the supplier: a **refund** now pays the buyer at once (no second return); the carrier’s tracking is the evidence.',
    );
  }
}

/** The return deadline running now, for the case file's Deadlines. */
export function returnDeadlines(s: OrderSnapshot, md: Markdown): string[] {
  const r = s.return;
  if (!r) return [];
  const c = s.contract;
  if (!r.shipment)
    return [
      `- the buyer ships the goods back by ${md.time(r.deadlines.shipBy)} (return window ${md.window(returnWindows(c).window)})`,
    ];
  if (!r.delivery && r.deadlines.deliverBy)
    return [
      `- the return is due at the supplier by ${md.time(r.deadlines.deliverBy)} (transit window ${md.window(c.transitWindow ?? DEFAULT_TRANSIT_WINDOW)})`,
    ];
  if (r.deadlines.receiptBy)
    return [
      `- the supplier confirms what came back by ${md.time(r.deadlines.receiptBy)} (receipt window ${md.window(returnWindows(c).receiptWindow)}); silent, the refund is paid`,
    ];
  return [];
}
