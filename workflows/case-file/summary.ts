import { formatMoney } from '../rules/money.js';
import { type Contract, DEFAULT_TRANSIT_WINDOW } from '../schemas/contract.js';
import { durationMs } from '../schemas/duration.js';
import { formatTime, inWords, partyLabel, text } from './format.js';

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
  const window = (iso: string) => inWords(durationMs(iso));
  const staticSummary = `Order ${text(c.orderId)}: ${money(c.amount)}, ${partyLabel(c.supplier)} → ${partyLabel(c.buyer)}`;
  const details = [
    `- deposit ${money(c.deposit)} by ${formatTime(c.fundBy)}`,
    `- ship by ${formatTime(c.shipBy)}${c.deliverBy ? `, deliver by ${formatTime(c.deliverBy)}` : ''}`,
    `- ${text(`${c.quantity.ordered} ${c.quantity.unit}`)} (tolerance ${c.quantity.tolerancePct}%), ${c.quality.length} quality terms`,
    // Without deliverBy, delivery is due the transit window after shipment.
    `- windows: ${c.deliverBy ? '' : `transit ${window(c.transitWindow ?? DEFAULT_TRANSIT_WINDOW)}, `}inspection ${window(c.inspectionWindow)}, negotiation ${window(c.negotiationWindow)}, arbitration ${window(c.arbitrationSla)}`,
  ];
  return { staticSummary, staticDetails: details.join('\n') };
}
