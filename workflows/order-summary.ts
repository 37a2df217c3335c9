import type { Contract } from './contract.js';
import { formatMoney } from './money.js';

export interface OrderSummary {
  /** One line, the workflow's static summary: what the Web UI shows above everything else. */
  staticSummary: string;
  /** Markdown, the workflow's static details: the terms fixed at creation. */
  staticDetails: string;
}

/**
 * What a workflow is started with so that an arbitrator recognises the order at a glance in the
 * Temporal Web UI; the API and the tests both start orders with it.
 */
export function orderSummary(contract: Contract): OrderSummary {
  const c = contract;
  const money = (minor: number) => formatMoney(minor, c.currency);
  const staticSummary = `Order ${c.orderId}: ${money(c.amount)}, ${party(c.supplier)} → ${party(c.buyer)}`;
  const details = [
    `**Supplier** ${party(c.supplier)} → **Buyer** ${party(c.buyer)}`,
    '',
    `- amount ${money(c.amount)}, deposit ${money(c.deposit)} due by ${c.fundBy}`,
    `- ship by ${c.shipBy}${c.deliverBy ? `, deliver by ${c.deliverBy}` : ''}`,
    `- quantity ${c.quantity.ordered} ${c.quantity.unit}, tolerance ${c.quantity.tolerancePct}%`,
    `- inspection window ${c.inspectionWindow}, negotiation window ${c.negotiationWindow}, arbitration SLA ${c.arbitrationSla}`,
    `- ${c.quality.length} quality term(s); the current details hold the full case file`,
  ];
  return { staticSummary, staticDetails: details.join('\n') };
}

export function party(p: { id: string; name?: string }): string {
  return p.name ? `${p.name} (${p.id})` : p.id;
}
