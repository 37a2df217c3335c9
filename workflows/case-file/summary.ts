import { formatMoney } from '../rules/money.js';
import type { Contract } from '../schemas/contract.js';
import { durationMs } from '../schemas/duration.js';
import { formatTime, partyLabel, text } from './case-file.js';
import { inWords } from './dispute.js';

export interface OrderSummary {
  /** One line: the Summary of the Web UI's User Metadata tab and of `temporal workflow describe`. */
  staticSummary: string;
  /** Markdown: the terms fixed at creation, next to the summary. */
  staticDetails: string;
}

/**
 * What a workflow is started with so that an arbitrator recognises the order at a glance in the
 * Temporal Web UI; the API and the tests both start orders with it.
 */
export function orderSummary(contract: Contract): OrderSummary {
  const c = contract;
  const money = (minor: number) => formatMoney(minor, c.currency);
  const staticSummary = `Order ${text(c.orderId)}: ${money(c.amount)}, ${partyLabel(c.supplier)} → ${partyLabel(c.buyer)}`;
  const details = [
    `- deposit ${money(c.deposit)} by ${formatTime(c.fundBy)}`,
    `- ship by ${formatTime(c.shipBy)}${c.deliverBy ? `, deliver by ${formatTime(c.deliverBy)}` : ''}`,
    `- ${text(`${c.quantity.ordered} ${c.quantity.unit}`)} (tolerance ${c.quantity.tolerancePct}%), ${c.quality.length} quality terms`,
    `- windows: inspection ${inWords(durationMs(c.inspectionWindow))}, negotiation ${inWords(durationMs(c.negotiationWindow))}, arbitration ${inWords(durationMs(c.arbitrationSla))}`,
  ];
  return { staticSummary, staticDetails: details.join('\n') };
}
